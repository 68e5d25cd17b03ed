// The command-centre dashboard: sign in, then the jurisdiction's map, live queue and figures.
import "./style.css";
import { ApiError, forget, getJson, signIn, signOut, signedIn, whenSignedOut, type Region, type User } from "./api";
import { el } from "./dom";
import { applyStatic, currentLang, setLang, t } from "./i18n";
import { JurisdictionMap } from "./map";
import { Figures } from "./figures";
import { act, Queue, type Report } from "./queue";
import { Live, type Mode } from "./stream";
import { usableUnits } from "./units";
import { CampaignView } from "./campaigns";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let live: Live | null = null;
let rerender: () => void = () => undefined;
let centre: Region | null = null; // the signed-in operator's centre, whose units the dispatch dialog offers
let campaigns: CampaignView | null = null; // the campaign view (专项排查), drawn when its tab is first opened

function toast(message: string, error = false): void {
  const box = $("toast");
  box.textContent = message;
  box.className = error ? "toast error" : "toast";
  box.hidden = false;
  window.setTimeout(() => (box.hidden = true), 4000);
}

function problemText(error: unknown): string {
  return error instanceof ApiError ? `${t("actionFailed")}: ${error.message}` : `${t("actionFailed")}: ${String(error)}`;
}

/** The field an action needs, asked in a modal dialog (a unit from a select for dispatch); null when cancelled. */
async function ask(action: string, report: Report): Promise<string | null> {
  const dialog = $<HTMLDialogElement>("act-dialog");
  const form = $<HTMLFormElement>("act-form");
  const text = form.elements.namedItem("text") as HTMLTextAreaElement;
  const select = form.elements.namedItem("unit") as HTMLSelectElement;
  const dispatching = action === "dispatch";
  const units = dispatching && centre ? await usableUnits(centre) : [];
  $("act-title").textContent = `${t(action)} · ${report.case_no}`;
  $("act-details").textContent = details(report);
  $("act-label").textContent = t({ escalate: "reason", supervise: "note" }[action] ?? "note");
  $("act-text").hidden = text.disabled = dispatching;
  $("act-unit").hidden = select.disabled = !dispatching;
  $("act-no-units").hidden = !dispatching || units.length > 0;
  select.replaceChildren(...units.map((u) => el("option", { value: u.code }, [`${u.name} · ${t(`k_${u.kind}`)}`])));
  text.value = "";
  return new Promise((resolve) => {
    const done = (value: string | null): void => {
      form.onsubmit = null;
      $("act-cancel").onclick = null;
      dialog.close();
      resolve(value);
    };
    form.onsubmit = (event) => {
      event.preventDefault();
      const value = dispatching ? select.value : text.value.trim();
      if (value) done(value);
    };
    $("act-cancel").onclick = () => done(null);
    dialog.showModal();
    (dispatching ? select : text).focus();
  });
}

/** The case as the dialog shows it: its status and, once dispatched, its unit. */
function details(report: Report): string {
  const status = `${t("status")}: ${t(`s_${report.status}`)}`;
  return report.unit ? `${status} · ${t("unit")}: ${report.unit.name}` : status;
}

function showSignIn(): void {
  live?.stop();
  live = null;
  $("board").hidden = true;
  $("campaigns").hidden = true;
  $("tabs").hidden = true;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
}

async function start(): Promise<void> {
  const config = await fetch("/dashboard/config.json").then((r) => r.json()).catch(() => ({ tile_url: null, poll_ms: 4000 }));
  let user: User;
  try {
    user = await getJson<User>("/users/me");
  } catch {
    forget();
    showSignIn();
    return;
  }
  if (!user.region) {
    toast("This account has no jurisdiction (sign in as a centre operator)", true);
    return;
  }
  centre = user.region;
  $("signin").hidden = true;
  $("tabs").hidden = false;
  showTab("board");
  $("signout").hidden = false;
  campaigns?.dispose();
  campaigns = new CampaignView($("campaigns"), user.region, config.tile_url, (error) => toast(problemText(error), true));
  $("who").textContent = `${user.display_name ?? user.username} · ${user.region.name}`;

  const figures = new Figures($("kpis"), $("trend"), $("regions"));
  let queue: Queue;
  const map = new JurisdictionMap($("map"), config.tile_url, (id) => void supervise(id));
  const refresh = debounce(() => {
    void queue.refresh().catch(() => undefined);
    void figures.refresh().catch(() => undefined);
    void map.refresh().catch(() => undefined);
    if (!$("campaigns").hidden) void campaigns?.refresh().catch(() => undefined);
  }, 300);
  queue = new Queue($("queue"), $("queue-count"), user.region.code, ask, refresh);
  rerender = () => {
    queue.render();
    figures.render();
    map.relabel();
    campaigns?.relabel();
  };

  async function supervise(id: string): Promise<void> {
    try {
      const report = await getJson<Report>(`/reports/${encodeURIComponent(id)}`);
      if (await act("supervise", report, ask)) toast(`${t("supervise")} · ${report.case_no} · ${t("done")}`);
      refresh();
    } catch (error) {
      toast(problemText(error), true);
    }
  }
  window.addEventListener("unhandledrejection", (event) => {
    if (event.reason instanceof ApiError) toast(problemText(event.reason), true);
  });

  await Promise.allSettled([queue.refresh(), figures.refresh(), map.refresh()]);
  map.invalidate();
  live = new Live({ onEvent: refresh, onPoll: refresh, onMode: showMode, pollMs: Number(config.poll_ms) || 4000 });
  live.start();
}

/** The command board or the campaign view; the campaign view reads afresh each time it is shown. */
function showTab(name: string): void {
  document.querySelectorAll<HTMLElement>("#tabs .tab").forEach((tab) => tab.setAttribute("aria-selected", String(tab.dataset.tab === name)));
  $("board").hidden = name !== "board";
  $("campaigns").hidden = name !== "campaigns";
  if (name === "campaigns" && campaigns) {
    void campaigns.open().catch((error) => toast(problemText(error), true));
  }
}

function showMode(mode: Mode): void {
  const badge = $("live");
  badge.dataset.state = mode;
  badge.textContent = t(mode);
}

function debounce(fn: () => void, ms: number): () => void {
  let timer = 0;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(fn, ms);
  };
}

$<HTMLFormElement>("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const data = new FormData(form);
  $("signin-error").textContent = "";
  try {
    await signIn(String(data.get("username")), String(data.get("password")));
    form.reset();
    await start();
  } catch (error) {
    $("signin-error").textContent = error instanceof ApiError && error.status === 401 ? t("signinFailed") : String(error);
  }
});
$("signout").addEventListener("click", () => void signOut());
document.querySelectorAll<HTMLElement>("#tabs .tab").forEach((tab) => tab.addEventListener("click", () => showTab(tab.dataset.tab ?? "board")));
$("lang").addEventListener("click", () => {
  setLang(currentLang() === "zh" ? "en" : "zh");
  const badge = $("live");
  if (badge.dataset.state && badge.dataset.state !== "off") badge.textContent = t(badge.dataset.state);
  rerender();
});
whenSignedOut(showSignIn);
applyStatic();
if (signedIn()) void start();
else showSignIn();
