// The centre's live queue (GET /centres/{code}/queue): most urgent first, a green/yellow/red light and
// a countdown that ticks without a reload, and the actions a centre takes on a case.
import { getJson, postJson } from "./api";
import { t } from "./i18n";
import { clear, el } from "./dom";

/** The unit a case is dispatched to; `code` is null for a unit typed as free text before units existed. */
export interface UnitRef { code: string | null; name: string; free_text: boolean }
export interface Report { id: string; case_no: string; category: string; category_name: string | null; description: string; status: string; version: number; supervised: boolean; address: string | null; unit: UnitRef | null }
interface Item { report: Report; sla: "red" | "yellow" | "green" | null; time_left_s: number | null }
interface Page { items: Item[]; next_cursor: string | null }

/** Which fields each action needs (docs/workflow.md); accept needs none. */
export const ACTIONS: Record<string, { from: string[]; field: "unit_code" | "reason" | "note" | null }> = {
  accept: { from: ["reported"], field: null },
  dispatch: { from: ["accepted"], field: "unit_code" },
  escalate: { from: ["reported", "accepted", "dispatched", "in_progress"], field: "reason" },
  supervise: { from: ["reported", "accepted", "dispatched", "in_progress", "resolved"], field: "note" },
};
const QUEUE_ACTIONS = ["accept", "dispatch", "escalate"];

export type Ask = (action: string, report: Report) => Promise<string | null>;

export class Queue {
  private items: Item[] = [];
  private fetchedAt = 0;

  constructor(private root: HTMLElement, private count: HTMLElement, private centre: string, private ask: Ask, private changed: () => void) {
    window.setInterval(() => this.tick(), 1000);
  }

  async refresh(): Promise<void> {
    const page = await getJson<Page>(`/centres/${encodeURIComponent(this.centre)}/queue?limit=100`);
    this.items = page.items;
    this.fetchedAt = Date.now();
    this.render();
  }

  render(): void {
    clear(this.root);
    this.count.textContent = `(${this.items.length})`;
    if (!this.items.length) this.root.append(el("p", { class: "muted" }, [t("empty")]));
    for (const item of this.items) this.root.append(this.row(item));
  }

  private row(item: Item): HTMLElement {
    const r = item.report;
    const buttons = QUEUE_ACTIONS.filter((a) => ACTIONS[a].from.includes(r.status)).map((action) => {
      const button = el("button", { type: "button", class: `act act-${action}`, "data-action": action }, [t(action)]);
      button.addEventListener("click", () => void this.act(action, r));
      return button;
    });
    return el("div", { class: `case light-${item.sla ?? "none"}`, "data-case": r.case_no, "data-report": r.id }, [
      el("span", { class: "light", title: item.sla ?? "" }),
      el("div", { class: "case-main" }, [
        el("div", {}, [el("strong", {}, [r.case_no]), " ", r.category_name ?? r.category, " · ",
          el("span", { class: "status" }, [t(`s_${r.status}`)]), r.supervised ? el("span", { class: "badge" }, [t("supervised")]) : ""]),
        el("div", { class: "desc" }, [r.description]),
        r.unit ? el("div", { class: "unit", "data-unit": r.unit.code ?? "" }, [`${t("unit")}: ${r.unit.name}`]) : "",
        el("div", { class: "due", "data-left": String(item.time_left_s ?? "") }, [this.left(item.time_left_s)]),
      ]),
      el("div", { class: "case-actions" }, buttons),
    ]);
  }

  private left(seconds: number | null): string {
    if (seconds === null) return t("noDeadline");
    const remaining = seconds - (Date.now() - this.fetchedAt) / 1000;
    const abs = Math.abs(remaining);
    const text = `${Math.floor(abs / 3600)}:${String(Math.floor((abs % 3600) / 60)).padStart(2, "0")}:${String(Math.floor(abs % 60)).padStart(2, "0")}`;
    return remaining < 0 ? `${t("overdue")} ${text}` : `${t("left")} ${text}`;
  }

  private tick(): void {
    this.root.querySelectorAll<HTMLElement>(".due").forEach((node) => {
      const raw = node.dataset.left;
      node.textContent = this.left(raw ? Number(raw) : null);
    });
  }

  async act(action: string, report: Report): Promise<void> {
    await act(action, report, this.ask);
    this.changed();
  }
}

/** Asks for the field the action needs (if any) and posts it with the version seen. */
export async function act(action: string, report: Report, ask: Ask): Promise<Report | null> {
  const field = ACTIONS[action].field;
  const body: Record<string, unknown> = { action, version: report.version };
  if (field) {
    const text = await ask(action, report);
    if (text === null) return null;
    body[field] = text;
  }
  return postJson<Report>(`/reports/${encodeURIComponent(report.id)}/actions`, body);
}
