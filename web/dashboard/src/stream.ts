// Live updates. The stream (GET /api/v1/stream, text/event-stream) is read with fetch so that the bearer
// header goes along (never a token in a URL) and Last-Event-ID resumes where the last connection stopped.
// While the stream is missing or failing, the page polls instead and tries the stream again later.
import { accessToken } from "./api";

export interface LiveEvent { type: string; id: string; data: Record<string, unknown> }
export type Mode = "live" | "polling" | "offline";

interface Options {
  onEvent: (event: LiveEvent) => void;
  onPoll: () => void;
  onMode: (mode: Mode) => void;
  pollMs?: number;
  retryMs?: number;
}

export class Live {
  private lastId = "";
  private controller: AbortController | null = null;
  private pollTimer = 0;
  private retryTimer = 0;
  private stopped = false;

  constructor(private options: Options) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.stopPolling();
    window.clearTimeout(this.retryTimer);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.controller = new AbortController();
    const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${accessToken()}` };
    if (this.lastId) headers["Last-Event-ID"] = this.lastId;
    let wasLive = false;
    try {
      const response = await fetch("/api/v1/stream", { headers, signal: this.controller.signal, cache: "no-store" });
      const type = response.headers.get("Content-Type") ?? "";
      if (!response.ok || !response.body || !type.startsWith("text/event-stream")) throw new Error(`stream ${response.status}`);
      this.stopPolling();
      wasLive = true;
      this.options.onMode("live");
      this.options.onPoll(); // catch up once: what happened while we were not listening
      await this.read(response.body);
    } catch {
      if (this.stopped) return;
    }
    this.fallBack(wasLive ? 2000 : (this.options.retryMs ?? 30000));
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
      buffer = blocks.pop() ?? "";
      blocks.forEach((block) => this.dispatch(block));
    }
  }

  private dispatch(block: string): void {
    let type = "message";
    let id = "";
    const data: string[] = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (!line || line.startsWith(":")) continue; // heartbeat comments
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    if (id) this.lastId = id;
    if (!data.length) return;
    try {
      this.options.onEvent({ type, id, data: JSON.parse(data.join("\n")) });
    } catch {
      /* a malformed event is skipped; the next poll or event brings the page up to date */
    }
  }

  private fallBack(retryMs: number): void {
    if (this.stopped) return;
    this.options.onMode(navigator.onLine ? "polling" : "offline");
    if (!this.pollTimer) {
      this.options.onPoll();
      this.pollTimer = window.setInterval(() => this.options.onPoll(), this.options.pollMs ?? 4000);
    }
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => void this.connect(), retryMs);
  }

  private stopPolling(): void {
    window.clearInterval(this.pollTimer);
    this.pollTimer = 0;
  }
}
