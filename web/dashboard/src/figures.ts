// KPI cards, the per-day trend chart and the child-region table, all from GET /stats/summary.
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { getJson } from "./api";
import { t } from "./i18n";
import { clear, el } from "./dom";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface ChildRegion { code: string; name: string; level: string; reports: number; closed: number; closure_rate: number | null; on_time_rate: number | null; open: number }
export interface Summary {
  region: { code: string; name: string; level: string };
  from: string; to: string;
  [figure: string]: unknown;
  by_child_region: ChildRegion[];
  by_day: { date: string; reports: number; closed: number }[];
}

const CARDS: [string, "count" | "rate" | "hours"][] = [
  ["reports", "count"], ["accepted", "count"], ["closed", "count"], ["closure_rate", "rate"],
  ["on_time_rate", "rate"], ["escalation_share", "rate"], ["rework_rate", "rate"],
  ["avg_hours_to_accept", "hours"], ["avg_hours_to_close", "hours"], ["hotline_satisfaction_rate", "rate"],
];

function show(value: unknown, kind: "count" | "rate" | "hours"): string {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (kind === "rate") return `${(n * 100).toFixed(1)}%`;
  if (kind === "hours") return n.toFixed(1);
  return String(n);
}

export class Figures {
  private chart: echarts.ECharts;
  private last: Summary | null = null;

  constructor(private kpis: HTMLElement, trend: HTMLElement, private regions: HTMLElement) {
    this.chart = echarts.init(trend, undefined, { renderer: "canvas" });
    window.addEventListener("resize", () => this.chart.resize());
  }

  async refresh(): Promise<void> {
    this.last = await getJson<Summary>("/stats/summary");
    this.render();
  }

  render(): void {
    const s = this.last;
    if (!s) return;
    clear(this.kpis);
    for (const [key, kind] of CARDS) {
      this.kpis.append(el("div", { class: "kpi", "data-kpi": key }, [
        el("div", { class: "kpi-value" }, [show(s[key], kind)]),
        el("div", { class: "kpi-label" }, [t(key)]),
      ]));
    }
    this.drawTrend(s);
    this.drawRegions(s.by_child_region);
  }

  private drawTrend(s: Summary): void {
    this.chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [t("reports"), t("closed")] },
      grid: { left: 40, right: 16, top: 32, bottom: 28 },
      xAxis: { type: "category", data: s.by_day.map((d) => d.date.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: t("reports"), type: "bar", data: s.by_day.map((d) => d.reports), itemStyle: { color: "#3367d6" } },
        { name: t("closed"), type: "line", data: s.by_day.map((d) => d.closed), itemStyle: { color: "#1e8e3e" } },
      ],
    }, true);
  }

  private drawRegions(rows: ChildRegion[]): void {
    clear(this.regions);
    const head = ["region", "reports", "closed", "closure_rate", "on_time_rate", "open"].map((k) => el("th", {}, [t(k)]));
    const body = rows.map((r) => el("tr", { "data-region": r.code }, [
      el("td", {}, [r.name]), el("td", {}, [String(r.reports)]), el("td", {}, [String(r.closed)]),
      el("td", {}, [show(r.closure_rate, "rate")]), el("td", {}, [show(r.on_time_rate, "rate")]), el("td", {}, [String(r.open)]),
    ]));
    this.regions.append(el("table", { class: "table" }, [el("thead", {}, [el("tr", {}, head)]), el("tbody", {}, body)]));
  }

  resize(): void {
    this.chart.resize();
  }
}
