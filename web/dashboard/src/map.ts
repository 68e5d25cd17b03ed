// The jurisdiction map: grid polygons coloured by their worst deadline, open reports as points and the
// H3 heatmap as cells sized by count. A plain background unless an intranet tile server is configured.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { getJson } from "./api";
import { t } from "./i18n";

const LIGHTS: Record<string, string> = { red: "#d93025", yellow: "#f2a600", green: "#1e8e3e" };
type Feature = { geometry: GeoJSON.Geometry; properties: Record<string, unknown> };
type Collection = { type: "FeatureCollection"; features: Feature[] };
interface Heat { cells: { h3: string; count: number; centre: { lat: number; lon: number } }[] }

export class JurisdictionMap {
  private map: L.Map;
  private grids = L.geoJSON(undefined, { style: (f) => gridStyle(f?.properties ?? undefined), onEachFeature: bindGrid });
  private reports = L.layerGroup();
  private heat = L.layerGroup();
  private control: L.Control.Layers | null = null;
  private fitted = false;

  constructor(private element: HTMLElement, tileUrl: string | null, private onReport: (id: string) => void) {
    this.map = L.map(element, { attributionControl: false, zoomControl: true });
    this.map.setView([32.0, 120.86], 11);
    if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(this.map);
    this.grids.addTo(this.map);
    this.heat.addTo(this.map);
    this.reports.addTo(this.map);
    this.relabel();
  }

  relabel(): void {
    this.control?.remove();
    this.control = L.control
      .layers(undefined, { [t("grids")]: this.grids, [t("heatmap")]: this.heat, [t("reportsLayer")]: this.reports })
      .addTo(this.map);
  }

  async refresh(): Promise<void> {
    const [grids, reports, heat] = await Promise.all([
      getJson<Collection>("/grids.geojson?limit=2000"),
      getJson<Collection>("/reports.geojson?limit=1000&status=reported&status=accepted&status=dispatched&status=in_progress&status=resolved"),
      getJson<Heat>("/stats/heatmap?resolution=8"),
    ]);
    this.grids.clearLayers();
    this.grids.addData(grids as GeoJSON.FeatureCollection);
    this.drawReports(reports);
    this.drawHeat(heat);
    // What is drawn, for people and tests alike: counts on the map element.
    Object.assign(this.element.dataset, { grids: String(grids.features.length), reports: String(reports.features.length), cells: String(heat.cells.length) });
    if (!this.fitted) this.fit();
  }

  private fit(): void {
    const bounds = this.grids.getBounds().isValid() ? this.grids.getBounds() : L.featureGroup(this.reports.getLayers()).getBounds();
    if (bounds.isValid()) {
      this.map.fitBounds(bounds, { padding: [12, 12] });
      this.fitted = true;
    }
  }

  private drawReports(reports: Collection): void {
    this.reports.clearLayers();
    for (const feature of reports.features) {
      if (feature.geometry.type !== "Point") continue;
      const [lon, lat] = feature.geometry.coordinates;
      const p = feature.properties;
      const marker = L.circleMarker([lat, lon], {
        radius: 7, weight: 1, color: "#333", className: "gp-report", fillColor: p.overdue ? LIGHTS.red : "#3367d6", fillOpacity: 0.9,
      });
      marker.bindTooltip(`${p.case_no ?? ""} ${p.category_name ?? p.category ?? ""} · ${t(`s_${p.status}`)}`);
      marker.on("click", () => this.onReport(String(p.id ?? feature.properties.report_id)));
      marker.addTo(this.reports);
    }
  }

  private drawHeat(heat: Heat): void {
    this.heat.clearLayers();
    const most = Math.max(1, ...heat.cells.map((c) => c.count));
    for (const cell of heat.cells) {
      const share = cell.count / most;
      L.circle([cell.centre.lat, cell.centre.lon], {
        radius: 250 + 250 * share, stroke: false, fillColor: "#e8710a", fillOpacity: 0.1 + 0.4 * share, interactive: false, className: "gp-heat",
      }).addTo(this.heat);
    }
  }

  invalidate(): void {
    this.map.invalidateSize();
  }
}

function gridStyle(properties: Record<string, unknown> | undefined): L.PathOptions {
  const light = String(properties?.light ?? "");
  return { className: "gp-grid", color: "#5f6368", weight: 1, fillColor: LIGHTS[light] ?? "#9aa0a6", fillOpacity: light ? 0.3 : 0.08 };
}

function bindGrid(feature: GeoJSON.Feature, layer: L.Layer): void {
  const p = feature.properties ?? {};
  (layer as L.Path).bindTooltip(`${p.name ?? p.code} · ${t("open")} ${p.open_cases ?? 0}`);
}
