// Hibernatable viewer sockets, shared by UserStats and FeedRelay: the upgrade check, accepting with
// tags and an attachment (kept across hibernation), the list of open sockets, reading client
// messages, the close-code fix, and the per-socket throttle on `resync`.
import { PING, PONG, type ClientMessage } from "../protocol";

/** Every viewer socket carries this tag (objects may add their own). */
const VIEWER_TAG = "viewer";
/** A socket gets at most one snapshot per this interval on `resync`; one asked in between is deferred. */
export const RESYNC_INTERVAL_MS = 1_000;
/** Larger client messages are ignored (the protocol's messages are tiny). */
const MAX_CLIENT_MESSAGE = 1024;

/** What every viewer socket keeps in its attachment. */
export interface SocketAttachment {
  openedAt: number;
  /** When this socket last got a snapshot because it asked (0: never). */
  resyncedAt: number;
  /** A `resync` arrived within the interval: a snapshot is owed at `resyncedAt + RESYNC_INTERVAL_MS`. */
  resyncOwed: boolean;
}

/** The answer to a request that is not a WebSocket upgrade, or null when it is one. */
export function refuseNonUpgrade(request: Request): Response | null {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket"
    ? null
    : new Response("expected a WebSocket upgrade", { status: 426 });
}

/** `ping` is answered `pong` by the runtime, without waking the object. */
export function answerPings(ctx: DurableObjectState): void {
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
}

/**
 * An object's open viewer sockets. Listing them (`getWebSockets` and a state check per socket) costs
 * time in proportion to the viewers, and one applied pulse needs the list several times, so it is
 * listed once and kept until a socket is accepted or closed by the object (one reported closed is
 * filtered out of it).
 */
export class ViewerSockets {
  private listed: WebSocket[] | null = null;

  constructor(private readonly ctx: DurableObjectState) {}

  /** The open viewer sockets. */
  list(): WebSocket[] {
    this.listed ??= this.ctx.getWebSockets(VIEWER_TAG).filter((ws) => ws.readyState === WebSocket.OPEN);
    return this.listed;
  }

  /** Accepts the server end as a hibernatable socket with the viewer tag and `extra` attachment fields. */
  accept<A extends object>(tags: string[], extra: A): { client: WebSocket; server: WebSocket } {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [VIEWER_TAG, ...tags]);
    server.serializeAttachment({ ...extra, openedAt: Date.now(), resyncedAt: 0, resyncOwed: false } satisfies SocketAttachment & A);
    this.listed = null;
    return { client, server };
  }

  /** Closes the sockets carrying `tag` (every viewer socket without one). */
  close(tag: string | undefined, code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets(tag ?? VIEWER_TAG)) ws.close(code, reason);
    this.listed = null;
  }

  /**
   * The runtime reported `ws` closed (or failed): completes the close handshake. A list already made
   * is filtered rather than made again, so many viewers leaving at once cost a pass each, not a listing.
   */
  closed(ws: WebSocket, code = 1000, reason = ""): void {
    echoClose(ws, code, reason);
    this.listed = this.listed?.filter((s) => s !== ws && s.readyState === WebSocket.OPEN) ?? null;
  }
}

export function attachmentOf<A extends object = object>(ws: WebSocket): (SocketAttachment & A) | null {
  return ws.deserializeAttachment() as (SocketAttachment & A) | null;
}

/** A client message, or null for anything that is not one (binary, too large, not JSON). */
export function readClientMessage(message: string | ArrayBuffer): ClientMessage | null {
  if (typeof message !== "string" || message.length > MAX_CLIENT_MESSAGE) return null;
  try {
    const parsed = JSON.parse(message) as ClientMessage | null;
    return parsed && typeof parsed === "object" ? parsed : null;
  } catch {
    return null;
  }
}

/** Completes the close handshake; 1005/1006 are not valid close codes to send back. */
function echoClose(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // already closed
  }
}

/** Sends to every socket; one closing right now is skipped (its close handler follows). */
export function sendToAll(sockets: readonly WebSocket[], message: string): void {
  for (const ws of sockets) {
    try {
      ws.send(message);
    } catch {
      // closing
    }
  }
}

/**
 * A `resync` from `ws`: true when a snapshot may go out now (and it is recorded); false when the
 * socket had one within the interval: the snapshot is then owed, due at the returned `owedAt`.
 */
export function takeResync(ws: WebSocket, now: number): { now: true } | { now: false; owedAt: number } {
  const a = attachmentOf(ws);
  if (!a) return { now: true };
  if (now - a.resyncedAt >= RESYNC_INTERVAL_MS) {
    ws.serializeAttachment({ ...a, resyncedAt: now, resyncOwed: false });
    return { now: true };
  }
  if (!a.resyncOwed) ws.serializeAttachment({ ...a, resyncOwed: true });
  return { now: false, owedAt: a.resyncedAt + RESYNC_INTERVAL_MS };
}

/** Sockets whose deferred snapshot is due by `now` (each is marked as served), and the next due time. */
export function owedResyncs(sockets: readonly WebSocket[], now: number): { due: WebSocket[]; next: number | null } {
  const due: WebSocket[] = [];
  let next: number | null = null;
  for (const ws of sockets) {
    const a = attachmentOf(ws);
    if (!a?.resyncOwed) continue;
    const at = a.resyncedAt + RESYNC_INTERVAL_MS;
    if (at <= now) {
      ws.serializeAttachment({ ...a, resyncedAt: now, resyncOwed: false });
      due.push(ws);
    } else next = Math.min(next ?? at, at);
  }
  return { due, next };
}
