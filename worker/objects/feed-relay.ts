// A relay holds front-page viewers' sockets (hibernatable) and forwards the feed's updates to them,
// so the front page scales past one object's connection and fan-out limits: the feed sends one
// message per relay, each relay one per viewer. Relays keep no state beyond their sockets.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { PING, PONG, PROTOCOL_VERSION, type ClientMessage, type FeedServerMessage, type FeedView } from "../protocol";
import type { FeedUpdate } from "./global-feed";
import { globalFeed } from "./stubs";
import { isWebSocketUpgrade } from "../http/negotiation";

export class FeedRelay extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    if (!isWebSocketUpgrade(request)) return new Response("expected a WebSocket upgrade", { status: 426 });
    const name = request.headers.get("x-relay-name");
    if (!name) return new Response("missing relay name", { status: 400 });
    await this.ctx.storage.put("name", name);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, ["viewer"]);
    // RPC typing widens tuples to arrays; the shape is the feed's FeedView.
    const feed = (await globalFeed(this.env).subscribe(name, this.viewers())) as FeedView;
    server.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "feed.snapshot", feed } satisfies FeedServerMessage));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** From the feed: one update for every viewer here. Returns the number of viewers. */
  async publish(update: FeedUpdate): Promise<number> {
    const message = JSON.stringify(update);
    const sockets = this.ctx.getWebSockets("viewer");
    for (const ws of sockets) {
      try {
        ws.send(message);
      } catch {
        // A socket closing right now; its close handler updates the count.
      }
    }
    return sockets.length;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || message.length > 1024) return;
    try {
      if ((JSON.parse(message) as ClientMessage).type !== "resync") return;
    } catch {
      return;
    }
    const feed = (await globalFeed(this.env).view()) as FeedView;
    ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "feed.snapshot", feed } satisfies FeedServerMessage));
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    const name = await this.ctx.storage.get<string>("name");
    if (name) await globalFeed(this.env).setViewers(name, this.viewers(ws));
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    const name = await this.ctx.storage.get<string>("name");
    if (name) await globalFeed(this.env).setViewers(name, this.viewers(ws));
  }

  private viewers(leaving?: WebSocket): number {
    return this.ctx.getWebSockets("viewer").filter((ws) => ws !== leaving && ws.readyState === WebSocket.OPEN).length;
  }
}
