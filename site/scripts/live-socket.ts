// The browser's end of the live protocol (worker/protocol.ts), shared by the front page and the
// profile page. A connection always starts with a snapshot; the page resets from every snapshot and
// applies deltas after it. On a lost connection it reconnects with capped exponential backoff and
// jitter, and the server's first message on the new connection is again a fresh snapshot.
// A "ping" every 30 s (answered "pong" by the runtime without waking the object) detects dead links.
import { PING, PONG, PROTOCOL_VERSION, type ClientMessage } from "#worker/protocol";
import { backoffDelay } from "../lib/backoff";

export type LiveStatus = "connecting" | "live" | "reconnecting" | "gone";

export interface LiveSocketOptions<M> {
  /** Path of the WebSocket endpoint, e.g. /live/feed. */
  path: string;
  onMessage(message: M): void;
  onStatus?(status: LiveStatus): void;
  /** Snapshots mark a healthy connection: the backoff starts over. */
  isSnapshot(message: M): boolean;
}

const HEARTBEAT_MS = 30_000;
const PONG_TIMEOUT_MS = 10_000;
/** Close codes after which reconnecting cannot help (the profile is gone or private now). */
const FINAL_CLOSE_CODES = new Set([4404]);

export class LiveSocket<M extends { v: number; type: string }> {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private status: LiveStatus | null = null;

  constructor(private readonly options: LiveSocketOptions<M>) {}

  start(): void {
    this.stopped = false;
    this.connect();
    // Come back at once when the network or the tab does, instead of waiting out the backoff.
    window.addEventListener("online", this.reconnectNow);
    document.addEventListener("visibilitychange", this.onVisibility);
    // Close on leaving so the page can enter the back/forward cache; reopen when it is restored.
    window.addEventListener("pagehide", this.onPageHide);
    window.addEventListener("pageshow", this.onPageShow);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.teardown(1000, "bye");
  }

  /** Asks the server for a fresh snapshot (after a gap in the deltas). */
  resync(): void {
    this.send({ type: "resync" });
  }

  send(message: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private connect(): void {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retryTimer);
    this.setStatus(this.attempt === 0 && this.status === null ? "connecting" : "reconnecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}${this.options.path}`);
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    });
    ws.addEventListener("message", (event) => {
      if (this.ws !== ws) return;
      clearTimeout(this.pongTimer); // any message shows the link is alive
      if (typeof event.data !== "string" || event.data === PONG) return;
      let message: M;
      try {
        message = JSON.parse(event.data) as M;
      } catch {
        return;
      }
      if (message?.v !== PROTOCOL_VERSION) return; // a newer server: the next reload picks it up
      if (this.options.isSnapshot(message)) {
        this.attempt = 0;
        this.setStatus("live");
      }
      this.options.onMessage(message);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.teardown();
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.stopped = true;
        this.setStatus("gone");
        return;
      }
      this.scheduleReconnect();
    });
    // An error is always followed by "close", which does the work.
  }

  private heartbeat(): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(PING);
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      // No answer: the connection is dead even though the browser has not noticed yet.
      this.teardown(4000, "heartbeat timeout");
      this.scheduleReconnect();
    }, PONG_TIMEOUT_MS);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setStatus("reconnecting");
    const delay = backoffDelay(this.attempt++);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private teardown(code?: number, reason?: string): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.pongTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws && code !== undefined && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }

  private readonly reconnectNow = () => {
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  };

  private readonly onVisibility = () => {
    if (document.visibilityState === "visible") this.reconnectNow();
  };

  private readonly onPageHide = (event: PageTransitionEvent) => {
    if (!event.persisted) return;
    clearTimeout(this.retryTimer);
    this.teardown(1000, "page hidden");
  };

  private readonly onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) this.reconnectNow();
  };
}
