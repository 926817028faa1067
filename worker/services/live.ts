// The Worker's side of the live objects: telling a user's object about accepted pulses, reading
// profiles from it, and routing WebSocket viewers.
import type { Env } from "../env";
import type { StoredPulseRef } from "../db/pulses";
import { findActiveMachineByTokenHash, type UserRow } from "../db/users";
import { hashToken } from "../domain/token";
import type { ValidPulse } from "../domain/pulse";
import { coarseCoords, parseCoords } from "../domain/feed";
import type { ProfileView } from "../protocol";
import type { PulseNotice, UserRef, ViewerRole } from "../objects/user-stats";
import { feedRelayFor, userObject } from "../objects/stubs";
import { clientAddress } from "../http/client-address";
import { errorMessage, log } from "../observability/log";

function userRef(user: UserRow): UserRef {
  return { userId: user.id, username: user.username, private: user.private, createdAt: user.createdAt, pulseSeq: user.pulseSeq };
}

/** Coarse location of the request for the front page's map, or the configured fallback. */
function requestCoords(request: Request, env: Env): { lat: number; lon: number } | null {
  const cf = request.cf as { latitude?: unknown; longitude?: unknown } | undefined;
  return coarseCoords(cf?.latitude, cf?.longitude) ?? parseCoords(env.FALLBACK_COORDS);
}

export interface KeepAliveContext {
  waitUntil(promise: Promise<unknown>): void;
}

function pulseNotice(env: Env, stored: { ref: StoredPulseRef; pulse: ValidPulse }, request: Request): PulseNotice {
  const { ref, pulse } = stored;
  return {
    userId: ref.userId,
    pulseId: ref.pulseId,
    seq: ref.seq,
    machineId: ref.machineId,
    codedAt: pulse.instantMs,
    utcOffset: pulse.utcOffset,
    entries: pulse.entries.map((e) => ({ key: e.key, amount: e.xp })),
    coords: requestCoords(request, env),
  };
}

/** Off the response path: the user's object applies the pulse (a lost call is caught up from D1). */
export function publishPulse(env: Env, ctx: KeepAliveContext, stored: { ref: StoredPulseRef; pulse: ValidPulse }, request: Request): void {
  if (env.LIVE_NOTIFICATIONS === "off") return;
  const notice = pulseNotice(env, stored, request);
  ctx.waitUntil(notifyWithRetry(env, notice.userId, (object) => object.applyPulse(notice)));
}

/**
 * The one place heartbeats reach the live objects: the XP slots a heartbeat request booked are
 * pulses, told to the user's object like pulses from Code::Stats plugins, all in one call.
 */
export function publishHeartbeatXp(env: Env, ctx: KeepAliveContext, stored: readonly { ref: StoredPulseRef; pulse: ValidPulse }[], request: Request): void {
  if (env.LIVE_NOTIFICATIONS === "off" || stored.length === 0) return;
  const notices = stored.map((s) => pulseNotice(env, s, request));
  ctx.waitUntil(notifyWithRetry(env, notices[0]!.userId, (object) => object.applyPulses(notices)));
}

const NOTIFY_ATTEMPTS = 3;

/** An object being evicted or restarted fails the call: try again on a fresh stub, then give up. */
async function notifyWithRetry(env: Env, userId: number, call: (object: ReturnType<typeof userObject>) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await call(userObject(env, userId));
      return;
    } catch (error) {
      if (attempt >= NOTIFY_ATTEMPTS) {
        log("error", "live notification failed; the object's alarm will catch up", { error: errorMessage(error), user_id: userId });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/** The profile API document as JSON text, from the user's object. */
export function loadProfileDocument(env: Env, user: UserRow): Promise<string> {
  return userObject(env, user.id).profileDocument(userRef(user));
}

export function loadProfileView(env: Env, user: UserRow): Promise<ProfileView> {
  return userObject(env, user.id).profile(userRef(user));
}

/** Hands a WebSocket upgrade to the user's object (the caller checked privacy). */
export function openProfileSocket(env: Env, request: Request, user: UserRow, role: ViewerRole): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set("x-user-ref", JSON.stringify(userRef(user)));
  headers.set("x-viewer-role", role);
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
