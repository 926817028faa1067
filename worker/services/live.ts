// The Worker's side of the live objects: announcing accepted pulses (to a watched user's object, and
// to the front page), reading profiles from a user's object, and routing WebSocket viewers.
import type { Env } from "../env";
import type { StoredPulseRef } from "../db/pulses";
import type { UserRow } from "../db/users";
import type { ValidPulse } from "../domain/pulse";
import { coarseCoords, parseCoords } from "../domain/feed";
import type { ProfileView } from "../protocol";
import { USER_REF_HEADER, VIEWER_HEADER, type PulseNotice, type UserRef, type ViewerOf } from "../objects/live-contract";
import { feedRelayFor } from "../objects/feed-routing";
import type { KeepAlive } from "../db/group-commit";
import { feedBatcher } from "./feed-batch";
import { callWithRetries } from "./retry";

export function userRef(user: UserRow): UserRef {
  return { userId: user.id, username: user.username, private: user.private, createdAt: user.createdAt, pulseSeq: user.pulseSeq };
}

export function userObject(env: Env, userId: number) {
  return env.USER_STATS.getByName(String(userId));
}

/** Coarse location of the request for the front page's map, or the configured fallback. */
export function requestCoords(request: Request, env: Env): { lat: number; lon: number } | null {
  const cf = request.cf as { latitude?: unknown; longitude?: unknown } | undefined;
  return coarseCoords(cf?.latitude, cf?.longitude) ?? parseCoords(env.FALLBACK_COORDS);
}

/**
 * The one decision after an accepted pulse (every ingest path calls this): its user's object hears of
 * it only while the user's watch lease (reported by the insert) runs, so unwatched users cost no object
 * call (their objects catch up from D1 when read); a public profile's pulse joins this isolate's next
 * batch for the front page. Both happen off the response path.
 */
export function publishPulse(env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }, stored: { ref: StoredPulseRef; pulse: ValidPulse }, request: Request): void {
  if (env.LIVE_NOTIFICATIONS === "off") return;
  const { ref, pulse } = stored;
  const entries = pulse.entries.map((e) => ({ key: e.key, amount: e.xp }));
  const coords = requestCoords(request, env);
  const keepAlive: KeepAlive = (work) => ctx.waitUntil(work);
  if (ref.watchedUntil > Date.now()) {
    const notice: PulseNotice = { userId: ref.userId, pulseId: ref.pulseId, seq: ref.seq, machineId: ref.machineId, codedAt: pulse.instantMs, utcOffset: pulse.utcOffset, entries, coords };
    keepAlive(notifyWithRetry(env, notice));
  }
  if (!ref.private) feedBatcher.add(env, { pulseId: ref.pulseId, codedAt: pulse.instantMs, entries, coords }, keepAlive);
}

const NOTIFY_ATTEMPTS = 3;

function notifyWithRetry(env: Env, notice: PulseNotice): Promise<void> {
  return callWithRetries(NOTIFY_ATTEMPTS, () => userObject(env, notice.userId).applyPulse(notice), "live notification failed; the object's D1 check catches up");
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
  const key = request.headers.get("cf-connecting-ip") ?? crypto.randomUUID();
  const relay = feedRelayFor(env, key);
  const headers = new Headers(request.headers);
  headers.set("x-relay-name", relay.name);
  return relay.stub.fetch(new Request(request.url, { headers }));
}
