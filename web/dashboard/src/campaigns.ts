// The campaign view (专项排查, issue 11 §4): the campaigns of the caller's jurisdiction; for the chosen one
// KPI cards and the progress table by a level below the caller's (GET /campaigns/{id}/progress?by=), the
// grids on a map coloured by coverage, and the table as .xlsx (fetched with the bearer header, saved as a Blob).
import L from "leaflet";
import { ApiError, authorized, getJson, type Region } from "./api";
import { clear, el } from "./dom";
import { t } from "./i18n";

export interface Campaign { id: string; title: string; kind: string; region_code: string; starts_on: string; ends_on: string; coverage_target: number }
interface Row {
  code: string; name: string | null; level: string; targeted: number; visited: number; not_home: number;
  found: number; solved: number; coverage: number | null; rectification_rate: number | null; overdue_grids: number;
}
export interface Progress { campaign_id: string; by: string; total: Row; items: Row[] }
type Feature = { geometry: GeoJSON.Geometry; properties: Record<string, unknown> };
type Collection = { type: "FeatureCollection"; features: Feature[] };

const LEVELS = ["city", "county", "town", "village", "grid"];
/** Coverage bands of the map, lowest first: [upper bound (exclusive), colour]. */
export const BANDS: [number, string][] = [[0.25, "#d93025"], [0.5, "#f28b00"], [0.75, "#f2c200"], [1, "#7cb342"], [Infinity, "#1e8e3e"]];
const CARDS: [keyof Row, "count" | "rate"][] = [
  ["targeted", "count"], ["visited", "count"], ["coverage", "rate"], ["not_home", "count"],
  ["found", "count"], ["solved", "count"], ["rectification_rate", "rate"], ["overdue_grids", "count"],
];
const COLUMNS = CARDS.map(([key]) => key);

function show(value: unknown, kind: "count" | "rate"): string {
  if (value === null || value === undefined) return "—";
  return kind === "rate" ? `${(Number(value) * 100).toFixed(1)}%` : String(value);
}

export function colour(coverage: number | null | undefined): string {
  if (coverage === null || coverage === undefined) return "#9aa0a6";
  return (BANDS.find(([upper]) => coverage < upper) ?? BANDS[BANDS.length - 1])[1];
}

/** The levels the table may be shown by: those below the caller's, down to grids. */
export function levelsBelow(level: string): string[] {
  return LEVELS.slice(LEVELS.indexOf(level) + 1);
}

export class CampaignView {
  private campaigns: Campaign[] = [];
  private chosen: Campaign | null = null;
  private progress: Progress | null = null;
  private gridCoverage = new Map<string, number | null>();
  private geo: Collection | null = null;
  private map: L.Map | null = null;
  private layer = L.geoJSON(undefined, { style: (f) => this.style(f), onEachFeature: (f, l) => this.bind(f, l) });
  private by: string;

  constructor(private root: HTMLElement, private region: Region, private tileUrl: string | null, onError: (error: unknown) => void) {
    this.by = levelsBelow(region.level)[0] ?? "grid";
    // Handlers assigned, not added: a view made after signing in again replaces the last one's.
    this.$<HTMLSelectElement>("#camp-select").onchange = (e) => void this.choose((e.target as HTMLSelectElement).value).catch(onError);
    this.$<HTMLSelectElement>("#camp-by").onchange = (e) => {
      this.by = (e.target as HTMLSelectElement).value;
      void this.loadTable().catch(onError);
    };
    this.$("#camp-xlsx").onclick = () => void this.download().catch(onError);
  }

  dispose(): void {
    this.map?.remove();
    this.map = null;
  }

  private $<T extends HTMLElement>(selector: string): T {
    return this.root.querySelector(selector) as T;
  }

  /** Shown for the first time (Leaflet needs a visible box) or again: draw the map, read the list. */
  async open(): Promise<void> {
    if (!this.map) {
      this.map = L.map(this.$("#camp-map"), { attributionControl: false }).setView([32.0, 120.86], 11);
      if (this.tileUrl) L.tileLayer(this.tileUrl, { maxZoom: 19 }).addTo(this.map);
      this.layer.addTo(this.map);
      this.legend().addTo(this.map);
    }
    this.map.invalidateSize();
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const page = await getJson<{ items: Campaign[] }>("/campaigns?limit=200");
    this.campaigns = page.items;
    const select = this.$<HTMLSelectElement>("#camp-select");
    select.replaceChildren(...this.campaigns.map((c) => el("option", { value: c.id }, [`${c.title} · ${c.starts_on} – ${c.ends_on}`])));
    this.$("#camp-none").hidden = this.campaigns.length > 0;
    this.$("#camp-body").hidden = this.campaigns.length === 0;
    const keep = this.campaigns.find((c) => c.id === this.chosen?.id) ?? this.campaigns[0];
    if (keep) await this.choose(keep.id);
  }

  async choose(id: string): Promise<void> {
    this.chosen = this.campaigns.find((c) => c.id === id) ?? null;
    if (!this.chosen) return;
    this.$<HTMLSelectElement>("#camp-select").value = id;
    this.$("#camp-meta").textContent = `${t(`ck_${this.chosen.kind}`)} · ${t("coverageTarget")} ${show(this.chosen.coverage_target, "rate")}`;
    const [grids, geo] = await Promise.all([
      getJson<Progress>(`/campaigns/${encodeURIComponent(id)}/progress?by=grid`),
      this.geo ? Promise.resolve(this.geo) : getJson<Collection>("/grids.geojson?limit=2000"),
    ]);
    this.geo = geo;
    this.gridCoverage = new Map(grids.items.map((r) => [r.code, r.coverage]));
    this.drawMap(grids);
    await this.loadTable(this.by === "grid" ? grids : undefined);
  }

  private async loadTable(known?: Progress): Promise<void> {
    if (!this.chosen) return;
    this.progress = known ?? await getJson<Progress>(`/campaigns/${encodeURIComponent(this.chosen.id)}/progress?by=${this.by}`);
    this.render();
  }

  render(): void {
    const select = this.$<HTMLSelectElement>("#camp-by");
    select.replaceChildren(...levelsBelow(this.region.level).map((l) => el("option", { value: l }, [t(`by_${l}`)])));
    select.value = this.by;
    const p = this.progress;
    if (!p) return;
    const cards = this.$("#camp-kpis");
    clear(cards);
    for (const [key, kind] of CARDS) {
      cards.append(el("div", { class: "kpi", "data-kpi": `camp-${key}` }, [
        el("div", { class: "kpi-value" }, [show(p.total[key], kind)]), el("div", { class: "kpi-label" }, [t(`c_${key}`)]),
      ]));
    }
    const head = el("tr", {}, [el("th", {}, [t(`by_${p.by}`)]), ...COLUMNS.map((k) => el("th", {}, [t(`c_${k}`)]))]);
    const line = (r: Row, attrs: Record<string, string>): HTMLElement => el("tr", attrs, [
      el("td", {}, [r.name ?? r.code]), ...CARDS.map(([k, kind]) => el("td", { "data-col": k }, [show(r[k], kind)])),
    ]);
    const body = p.items.map((r) => line(r, { "data-unit": r.code }));
    const foot = line({ ...p.total, name: t("total") }, { class: "total" });
    const table = this.$("#camp-table");
    clear(table);
    table.append(el("table", { class: "table" }, [el("thead", {}, [head]), el("tbody", {}, body), el("tfoot", {}, [foot])]));
    this.layer.eachLayer((l) => this.bind((l as L.GeoJSON).feature as GeoJSON.Feature, l));
  }

  private drawMap(grids: Progress): void {
    const mine = new Set(grids.items.map((r) => r.code));
    const features = (this.geo?.features ?? []).filter((f) => mine.has(String(f.properties.code)));
    this.layer.clearLayers();
    this.layer.addData({ type: "FeatureCollection", features } as GeoJSON.FeatureCollection);
    const coloured = features.filter((f) => this.gridCoverage.get(String(f.properties.code)) != null).length;
    Object.assign(this.$("#camp-map").dataset, { grids: String(features.length), coloured: String(coloured) });
    if (this.map && this.layer.getBounds().isValid()) this.map.fitBounds(this.layer.getBounds(), { padding: [12, 12] });
  }

  private style(feature: GeoJSON.Feature | undefined): L.PathOptions {
    const coverage = this.gridCoverage.get(String(feature?.properties?.code));
    return { className: "gp-cov", color: "#5f6368", weight: 1, fillColor: colour(coverage), fillOpacity: 0.55 };
  }

  private bind(feature: GeoJSON.Feature, layer: L.Layer): void {
    const p = feature.properties ?? {};
    const coverage = this.gridCoverage.get(String(p.code));
    (layer as L.Path).unbindTooltip().bindTooltip(`${p.name ?? p.code} · ${t("c_coverage")} ${show(coverage, "rate")}`);
  }

  private legend(): L.Control {
    const control = new L.Control({ position: "bottomright" });
    control.onAdd = () => {
      const box = el("div", { class: "legend", id: "camp-legend" });
      this.fillLegend(box);
      return box;
    };
    return control;
  }

  private fillLegend(box: HTMLElement): void {
    const lower = [0, ...BANDS.map(([upper]) => upper)];
    const label = (i: number): string => (BANDS[i][0] === Infinity ? "100%" : `${lower[i] * 100}–${BANDS[i][0] * 100}%`);
    box.replaceChildren(el("div", {}, [t("c_coverage")]), ...BANDS.map((_, i) => el("div", {}, [el("i", { class: `swatch band-${i}` }), label(i)])),
      el("div", {}, [el("i", { class: "swatch band-none" }), t("noTarget")]));
    box.dataset.colours = BANDS.map(([, c]) => c).join(" ");
  }

  relabel(): void {
    const box = document.getElementById("camp-legend");
    if (box) this.fillLegend(box);
    if (this.chosen) this.$("#camp-meta").textContent = `${t(`ck_${this.chosen.kind}`)} · ${t("coverageTarget")} ${show(this.chosen.coverage_target, "rate")}`;
    this.render();
  }

  /** The .xlsx of the table as shown (same `by`), saved from a Blob: no token in a URL. */
  private async download(): Promise<void> {
    if (!this.chosen) return;
    const response = await authorized(`/campaigns/${encodeURIComponent(this.chosen.id)}/progress.xlsx?by=${this.by}`);
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({ title: response.statusText })));
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `campaign-${this.chosen.id}-${this.by}.xlsx`, hidden: "" });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
