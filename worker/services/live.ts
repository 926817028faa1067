// The Worker's side of the live objects: announcing accepted pulses (to a watched user's object, and
// to the front page), reading profiles from a user's object, and routing WebSocket viewers.
import type { Env } from "../env";
import type { StoredPulseRef } from "../db/pulses";
import type { UserRow } from "../db/users";
import type { ValidPulse } from "../domain/pulse";
import { coarseCoords, parseCoords } from "../domain/feed";
import type { ProfileView } from "../protocol";
import { USER_REF_HEADER, VIEWER_HEADER, type PulseNotice, type UserRef, type ViewerOf } from "../objects/live-contract";
import { feedRelayFor, userObject } from "../objects/stubs";
import type { KeepAlive } from "../db/group-commit";
import { clientAddress, UNKNOWN_CLIENT } from "../http/client-address";
import { feedBatcher } from "./feed-batch";
import { callWithRetries } from "./retry";

export function userRef(user: UserRow): UserRef {
  return { userId: user.id, username: user.username, private: user.private, createdAt: user.createdAt, pulseSeq: user.pulseSeq };
}

type Coords = { lat: number; lon: number } | null;

/**
 * Coarse locations of recent client addresses in this isolate. A plugin posts from the same address
 * every few seconds, and in a CPU profile of the pulse path under load the `request.cf` read took
 * about 5% of the Worker's samples, more than building the notices.
 */
const coordsByClient = new Map<string, { coords: Coords; until: number }>();
const COORDS_TTL_MS = 10 * 60_000;
const MAX_REMEMBERED_CLIENTS = 10_000;

/** Coarse location of the request for the front page's map, or the configured fallback. */
function requestCoords(request: Request, env: Env, now: number): Coords {
  const client = clientAddress(request);
  const known = client === UNKNOWN_CLIENT ? undefined : coordsByClient.get(client);
  if (known && known.until > now) return known.coords;
  const cf = request.cf as { latitude?: unknown; longitude?: unknown } | undefined;
  const coords = coarseCoords(cf?.latitude, cf?.longitude) ?? parseCoords(env.FALLBACK_COORDS);
  if (client !== UNKNOWN_CLIENT) {
    if (coordsByClient.size >= MAX_REMEMBERED_CLIENTS) coordsByClient.clear();
    coordsByClient.set(client, { coords, until: now + COORDS_TTL_MS });
  }
  return coords;
}

export interface KeepAliveContext {
  waitUntil(promise: Promise<unknown>): void;
}

type StoredPulse = { ref: StoredPulseRef; pulse: ValidPulse };

/** After an accepted pulse from a Code::Stats plugin: see `publishPulses`. */
export function publishPulse(env: Env, ctx: KeepAliveContext, stored: StoredPulse, request: Request): void {
  publishPulses(env, ctx, [stored], request);
}

/**
 * The one decision after accepted pulses (every ingest path calls this: a pulse, or the XP slots of
 * one heartbeat request, all of one user): the user's object hears of them only while the user's
 * watch lease (reported by the insert) runs, so unwatched users cost no object call (their objects
 * catch up from D1 when read); a public profile's pulses join this isolate's next batch for the front
 * page. Both happen off the response path.
 */
export function publishPulses(env: Env, ctx: KeepAliveContext, stored: readonly StoredPulse[], request: Request): void {
  if (env.LIVE_NOTIFICATIONS === "off" || stored.length === 0) return;
  const now = Date.now();
  const coords = requestCoords(request, env, now);
  const keepAlive: KeepAlive = (work) => ctx.waitUntil(work);
  const notices: PulseNotice[] = stored.map(({ ref, pulse }) => ({
    userId: ref.userId,
    pulseId: ref.pulseId,
    seq: ref.seq,
    machineId: ref.machineId,
    codedAt: pulse.instantMs,
    utcOffset: pulse.utcOffset,
    entries: pulse.entries.map((e) => ({ key: e.key, amount: e.xp })),
    coords,
  }));
  if (stored.some(({ ref }) => ref.watchedUntil > now)) keepAlive(notifyWithRetry(env, notices));
  if (stored.every(({ ref }) => !ref.private)) {
    for (const n of notices)
      feedBatcher.add(env, { pulseId: n.pulseId, userId: n.userId, codedAt: n.codedAt, entries: n.entries, coords }, keepAlive);
  }
}

const NOTIFY_ATTEMPTS = 3;

function notifyWithRetry(env: Env, notices: PulseNotice[]): Promise<void> {
  return callWithRetries(
    NOTIFY_ATTEMPTS,
    () => userObject(env, notices[0]!.userId).applyPulses(notices),
    "live notification failed; the object's D1 check catches up",
  );
}

/** The profile API document as JSON text, from the user's object. */
export function loadProfileDocument(env: Env, user: UserRow): Promise<string> {
  return userObject(env, user.id).profileDocument(userRef(user));
}

export function loadProfileView(env: Env, user: UserRow): Promise<ProfileView> {
  return userObject(env, user.id).profile(userRef(user));
}

/** Hands a WebSocket upgrade to the user's object (the caller checked privacy). */
export function openProfileSocket(env: Env, request: Request, user: UserRow, viewer: ViewerOf): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set(USER_REF_HEADER, JSON.stringify(userRef(user)));
  headers.set(VIEWER_HEADER, JSON.stringify(viewer));
  return userObject(env, user.id).fetch(new Request(request.url, { headers }));
}

/** Hands a front-page WebSocket upgrade to a relay. */
export function openFeedSocket(env: Env, request: Request): Promise<Response> {
  const key = clientAddress(request);
  const relay = feedRelayFor(env, key);
  const headers = new Headers(request.headers);
  headers.set("x-relay-name", relay.name);
  return relay.stub.fetch(new Request(request.url, { headers }));
}
