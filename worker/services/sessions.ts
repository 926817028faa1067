// Browser sessions, shared by the Hono web app (form posts) and the Astro middleware (pages).
//
// The cookie carries a random 256-bit id (followed by ".k" for an account on partition k > 0, so the
// session is found without a directory read; a forged suffix only sends the lookup to a database
// where that hash does not exist); D1 stores only its SHA-256. The CSRF token of a session is
// an HMAC of the session id (so it needs no storage and cannot be derived without the HttpOnly cookie),
// and a one-time reveal (a new machine token) is encrypted with another key derived from the id.
import { CSRF_COOKIE, parseCookies, serializeCookie, SESSION_COOKIE } from "../domain/cookies";
import { base64UrlDecode, base64UrlEncode, constantTimeEqual, hmacSha256, randomSecret } from "../domain/secrets";
import { sha256Hex } from "../domain/token";
import {
  deleteSession,
  deleteSessionByTokenHash,
  findSession,
  insertSession,
  purgeExpiredSessions,
  putReveal,
  takeReveal,
} from "../db/sessions";
import type { Env } from "../env";
import { isPartitionedSecret, partitionOfId, partitionOfSecret, withPartition } from "../domain/partition";
import { databaseAt, databaseOf } from "../db/partitions";

export { CSRF_COOKIE, FLASH_COOKIE, SESSION_COOKIE } from "../domain/cookies";

/** "Remember me": the cookie and the server-side session last 30 days. */
export const PERSISTENT_SESSION_MS = 30 * 24 * 60 * 60 * 1000;
/** Otherwise a browser-session cookie, and the server forgets the session after 12 hours. */
export const BROWSER_SESSION_MS = 12 * 60 * 60 * 1000;
/** A new token is shown on the page right after it was made, or never. */
const REVEAL_TTL_MS = 10 * 60 * 1000;

export interface ActiveSession {
  sessionId: number;
  userId: number;
  username: string;
  persistent: boolean;
  /** The cookie value (the session id itself): never logged, never rendered. */
  secret: string;
}

export interface Viewer {
  id: number;
  username: string;
  csrfToken: string;
}

/** A session id has the shape of `randomSecret()`; anything else is not looked up. */
function plausibleSecret(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);
}

async function sessionTokenHash(secret: string): Promise<string> {
  return sha256Hex(secret);
}

/** The live session named by the request's cookies, or null. */
export async function resolveSession(env: Env, cookieHeader: string | null, now: number): Promise<ActiveSession | null> {
  const secret = parseCookies(cookieHeader).get(SESSION_COOKIE);
  if (!isPartitionedSecret(secret)) return null;
  const db = databaseAt(env, partitionOfSecret(secret));
  if (!db) return null;
  const row = await findSession(db, await sessionTokenHash(secret), now);
  if (!row) return null;
  return { sessionId: row.sessionId, userId: row.userId, username: row.username, persistent: row.persistent, secret };
}

export async function viewerOf(session: ActiveSession): Promise<Viewer> {
  return { id: session.userId, username: session.username, csrfToken: await csrfTokenFor(session.secret) };
}

/** Starts a session with a new id (rotation: the browser's previous session, if any, is deleted). Returns the Set-Cookie value. */
export async function startSession(
  env: Env,
  userId: number,
  persistent: boolean,
  now: number,
  cookieHeader: string | null,
): Promise<string> {
  const partition = partitionOfId(userId);
  const db = databaseAt(env, partition)!;
  const secret = withPartition(randomSecret(), partition);
  let previous = parseCookies(cookieHeader).get(SESSION_COOKIE);
  if (isPartitionedSecret(previous) && partitionOfSecret(previous) !== partition) {
    // The browser's previous session is on another database: it ends there.
    const other = databaseAt(env, partitionOfSecret(previous));
    if (other) await deleteSessionByTokenHash(other, await sessionTokenHash(previous));
    previous = undefined;
  }
  await insertSession(
    db,
    {
      userId,
      tokenHash: await sessionTokenHash(secret),
      persistent,
      createdAt: now,
      expiresAt: now + (persistent ? PERSISTENT_SESSION_MS : BROWSER_SESSION_MS),
    },
    isPartitionedSecret(previous) ? await sessionTokenHash(previous) : null,
  );
  if (Math.random() < 0.1) await purgeExpiredSessions(db, now);
  return serializeCookie(SESSION_COOKIE, secret, persistent ? { maxAge: PERSISTENT_SESSION_MS / 1000 } : {});
}

export async function endSession(db: D1Database, session: ActiveSession): Promise<void> {
  await deleteSession(db, session.sessionId);
}

export function clearSessionCookie(): string {
  return serializeCookie(SESSION_COOKIE, "", { maxAge: 0 });
}

// --- CSRF -----------------------------------------------------------------------------------------

export async function csrfTokenFor(sessionSecret: string): Promise<string> {
  return base64UrlEncode(await hmacSha256(sessionSecret, "pulse-edge csrf v1"));
}

/** A fresh double-submit token and its cookie (browser-session lifetime, readable only by the server). */
export function newAnonymousCsrf(): { token: string; cookie: string } {
  const token = randomSecret();
  return { token, cookie: serializeCookie(CSRF_COOKIE, token) };
}

/** The double-submit token a signed-out page should put in its forms (null when the browser has none yet). */
export function anonymousCsrfToken(cookieHeader: string | null): string | null {
  const token = parseCookies(cookieHeader).get(CSRF_COOKIE);
  return plausibleSecret(token) ? token : null;
}

/** Does the submitted token match the session's HMAC (or, when allowed, the double-submit cookie)? */
export async function csrfTokenValid(
  submitted: string | null,
  session: ActiveSession | null,
  cookieHeader: string | null,
  allowAnonymous: boolean,
): Promise<boolean> {
  if (!submitted || submitted.length > 100) return false;
  if (session && constantTimeEqual(submitted, await csrfTokenFor(session.secret))) return true;
  if (!allowAnonymous) return false;
  const cookie = anonymousCsrfToken(cookieHeader);
  return cookie !== null && constantTimeEqual(submitted, cookie);
}

// --- One-time reveals -----------------------------------------------------------------------------

export interface TokenReveal {
  machineId: number;
  machineName: string;
  token: string;
}

async function revealKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", await hmacSha256(secret, "pulse-edge reveal v1"), "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** Keeps a new machine token for the next page view of this session only (encrypted at rest). */
export async function putTokenReveal(env: Env, session: ActiveSession, reveal: TokenReveal, now: number): Promise<void> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(reveal));
  const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await revealKey(session.secret), plain));
  await putReveal(databaseOf(env, session.userId), session.sessionId, base64UrlEncode(iv), base64UrlEncode(cipher), now);
}

/** The session's pending reveal, deleted as it is read; null when there is none or it is stale. */
export async function takeTokenReveal(env: Env, session: ActiveSession, now: number): Promise<TokenReveal | null> {
  const row = await takeReveal(databaseOf(env, session.userId), session.sessionId);
  if (!row || row.createdAt < now - REVEAL_TTL_MS) return null;
  const iv = base64UrlDecode(row.iv);
  const cipher = base64UrlDecode(row.ciphertext);
  if (!iv || !cipher) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, await revealKey(session.secret), cipher);
    return JSON.parse(new TextDecoder().decode(plain)) as TokenReveal;
  } catch {
    return null;
  }
}
