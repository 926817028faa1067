// A relay holds front-page viewers' sockets (hibernatable) and forwards the feed's updates to them,
// so the front page scales past one object's connection and fan-out limits: the feed sends one
// message per relay, each relay one per viewer. Relays keep no state beyond their sockets.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { PROTOCOL_VERSION, type FeedServerMessage, type FeedView } from "../protocol";
import type { FeedUpdate } from "./global-feed";
import { globalFeed } from "./stubs";
import {
  answerPings,
  owedResyncs,
  readClientMessage,
  refuseNonUpgrade,
  RESYNC_INTERVAL_MS,
  sendToAll,
  takeResync,
  ViewerSockets,
} from "./sockets";

export class FeedRelay extends DurableObject<Env> {
  /** The feed's view last fetched for a resync: resyncs within the interval share it (one feed call). */
  private resyncView: { at: number; view: FeedView } | null = null;
  /** Viewers between subscribing and being accepted: they count, so the feed does not drop this relay. */
  private joining = 0;
  private readonly sockets: ViewerSockets;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sockets = new ViewerSockets(ctx);
    answerPings(ctx);
  }

  override async fetch(request: Request): Promise<Response> {
    const refused = refuseNonUpgrade(request);
    if (refused) return refused;
    const name = request.headers.get("x-relay-name");
    if (!name) return new Response("missing relay name", { status: 400 });
    await this.ctx.storage.put("name", name);
    // The snapshot first: the socket is accepted only once it is in hand, so no update can reach the
    // socket before it (updates that pass meanwhile are older than the snapshot anyway).
    // RPC typing widens tuples to arrays; the shape is the feed's FeedView.
    this.joining++;
    let feed: FeedView;
    try {
      feed = (await globalFeed(this.env).subscribe(name, this.sockets.list().length + this.joining)) as FeedView;
    } finally {
      this.joining--;
    }
    const { client, server } = this.sockets.accept([], {});
    server.send(snapshotMessage(feed));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** From the feed: one update for every viewer here. Returns the number of viewers. */
  async publish(update: FeedUpdate): Promise<number> {
    const sockets = this.sockets.list();
    sendToAll(sockets, JSON.stringify(update));
    return sockets.length + this.joining;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (readClientMessage(message)?.type !== "resync") return;
    const turn = takeResync(ws, Date.now());
    if (turn.now) ws.send(snapshotMessage(await this.viewForResync()));
    else if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(turn.owedAt);
  }

  override async alarm(): Promise<void> {
    const owed = owedResyncs(this.sockets.list(), Date.now());
    if (owed.due.length > 0) sendToAll(owed.due, snapshotMessage(await this.viewForResync()));
    if (owed.next !== null) await this.ctx.storage.setAlarm(owed.next);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.sockets.closed(ws, code, reason);
    await this.reportViewers(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.sockets.closed(ws);
    await this.reportViewers(ws);
  }

  private async reportViewers(leaving: WebSocket): Promise<void> {
    const name = await this.ctx.storage.get<string>("name");
    if (name) await globalFeed(this.env).setViewers(name, this.sockets.list().filter((ws) => ws !== leaving).length);
  }

  private async viewForResync(): Promise<FeedView> {
    const now = Date.now();
    if (this.resyncView && now - this.resyncView.at < RESYNC_INTERVAL_MS) return this.resyncView.view;
    const view = (await globalFeed(this.env).view()) as FeedView;
    this.resyncView = { at: now, view };
    return view;
  }
}

function snapshotMessage(feed: FeedView): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, type: "feed.snapshot", feed } satisfies FeedServerMessage);
}
