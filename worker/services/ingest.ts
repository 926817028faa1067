// Accepting a pulse: body limits, the original's validation order, the atomic write.
import { MAX_BODY_BYTES, parseJsonBody, validatePulse, type ValidPulse } from "../domain/pulse";
import type { Env } from "../env";
import { hashToken, sha256Hex } from "../domain/token";
import { RATE_POLICIES, retryAfterSeconds, WindowCounters } from "../domain/rate-limits";
import { recordPulse, type PulseWrite, type StoredPulseRef } from "../db/pulses";
import { isConstraintError } from "../db/sql";
import { findActiveMachineByTokenHash } from "../db/users";
import { readTextBody } from "../http/body";
import { clientAddress } from "../http/client-address";
import { isJsonContentType } from "../http/negotiation";
import { publishPulse, type KeepAliveContext } from "./live";
import { databaseForToken } from "./partitions";

export type IngestResult =
  | { kind: "created"; stored: { ref: StoredPulseRef; pulse: ValidPulse } | null }
  | { kind: "unauthenticated" }
  | { kind: "rejected"; status: 400 | 413; message: string };

// Language keys known to exist in D1 in this isolate (rows are never deleted): their upsert is skipped.
const knownLanguages = new Set<string>();
const MAX_KNOWN_LANGUAGES = 10_000;

const limits = new WindowCounters();

// Token hashes this isolate has seen authenticate: they pass an address's unknown-token limit unread.
const knownTokens = new Set<string>();
const MAX_KNOWN_TOKENS = 10_000;

export type AcceptResult = IngestResult | { kind: "limited"; retryAfter: number };
/** Whether this isolate has seen every one of these language keys stored (the upsert can be skipped). */
export function languagesKnown(keys: readonly string[]): boolean {
  return keys.every((k) => knownLanguages.has(k));
}

export function rememberLanguages(keys: readonly string[]): void {
  if (knownLanguages.size > MAX_KNOWN_LANGUAGES) knownLanguages.clear();
  for (const k of keys) knownLanguages.add(k);
}

/**
 * Runs a write that skips the language upsert when the languages are known; if a language this isolate
 * believed stored is missing (the database was reset), forgets them all and writes again with the upsert.
 */
export async function withKnownLanguages<T>(keys: readonly string[], write: (known: boolean) => Promise<T>): Promise<T> {
  return write(languagesKnown(keys)).catch((error: unknown) => {
    if (!isConstraintError(error, "NOT NULL constraint failed: xps.")) throw error;
    knownLanguages.clear();
    return write(false);
  });
}

/**
 * The pulse use case: the token's rate limit, the address's limit for unknown tokens (which a valid
 * token passes: a neighbour's guessing must not lock it out), the write (sharing D1 round trips with
 * concurrent pulses unless PULSE_GROUP_COMMIT is "off") and the live notification.
 */
export async function acceptPulse(env: Env, ctx: KeepAliveContext, token: string, request: Request, now: number): Promise<AcceptResult> {
  const tokenHash = await hashToken(token);
  const client = clientAddress(request);
  const refusal = await ingestRefusal(env, tokenHash, client, now);
  if (refusal !== null) return { kind: "limited", retryAfter: refusal };
  const db = await databaseForToken(env, tokenHash);
  const share = env.PULSE_GROUP_COMMIT === "off" ? undefined : { keepAlive: (work: Promise<unknown>) => ctx.waitUntil(work) };
  const result = await ingestPulse(db, tokenHash, request, now, share);
  if (result.kind === "unauthenticated") noteFailedAuthentication(client, now);
  if (result.kind === "created") {
    rememberToken(tokenHash); // a write authenticated it (a rejected body may not have been checked)
    if (result.stored) publishPulse(env, ctx, result.stored, request);
  }
  return result;
}

/**
 * Rate limits of the pulse path: per machine token, then per client address for tokens that turned
 * out not to exist. Over the address's limit, unknown tokens are refused before any write; a token
 * this isolate knows passes at once, any other costs one indexed read. Returns Retry-After seconds.
 */
export async function ingestRefusal(env: Env, tokenHash: string, client: string, now: number): Promise<number | null> {
  if (!limits.hit(RATE_POLICIES.ingestByToken, tokenHash, now)) return retryAfterSeconds(now, RATE_POLICIES.ingestByToken);
  if (!limits.exceeded(RATE_POLICIES.ingestFailuresByIp, client, now) || knownTokens.has(tokenHash)) return null;
  if (await findActiveMachineByTokenHash(await databaseForToken(env, tokenHash), tokenHash)) {
    rememberToken(tokenHash);
    return null;
  }
  noteFailedAuthentication(client, now);
  return retryAfterSeconds(now, RATE_POLICIES.ingestFailuresByIp);
}

export function rememberToken(tokenHash: string): void {
  if (knownTokens.size >= MAX_KNOWN_TOKENS) knownTokens.clear();
  knownTokens.add(tokenHash);
}

export function noteFailedAuthentication(clientAddress: string, now: number): void {
  limits.hit(RATE_POLICIES.ingestFailuresByIp, clientAddress, now);
}

/**
 * `tokenHash` is the hash of the canonical token from the header. With `share`, the write may share
 * its D1 round trip with concurrent pulses; `keepAlive` (the request's `waitUntil`) then lets a write
 * that others' pulses ride on finish even if this client hangs up.
 */
async function ingestPulse(
  db: D1Database,
  tokenHash: string,
  request: Request,
  now: number,
  share?: PulseWrite["share"],
): Promise<IngestResult> {
  // The original decodes the body before authenticating: size and syntax errors come first.
  let body: unknown = null;
  if (isJsonContentType(request.headers.get("content-type"))) {
    const read = await readTextBody(request, MAX_BODY_BYTES);
    if (!read.ok) return { kind: "rejected", status: read.status, message: read.message };
    try {
      body = read.text === "" ? null : parseJsonBody(read.text);
    } catch {
      return { kind: "rejected", status: 400, message: "Malformed JSON in request body." };
    }
  }

  const validation = validatePulse(body, now);
  if (!validation.ok) {
    // Authentication comes before validation in the original: an unknown token is a 403 whatever the body.
    const auth = await findActiveMachineByTokenHash(db, tokenHash);
    return auth ? { kind: "rejected", status: 400, message: validation.message } : { kind: "unauthenticated" };
  }

  const pulse = validation.pulse;
  const write = { tokenHash, pulse, fingerprint: await fingerprint(pulse), receivedAt: now, share };
  const keys = pulse.entries.map((e) => e.key);
  const outcome = await withKnownLanguages(keys, (languagesKnown) => recordPulse(db, { ...write, languagesKnown }));
  switch (outcome.status) {
    case "stored":
      rememberLanguages(keys);
      return { kind: "created", stored: { ref: outcome.ref, pulse } };
    case "duplicate":
      return { kind: "created", stored: null };
    case "unauthenticated":
      return { kind: "unauthenticated" };
  }
}

/** Identifies a retry: the same coded_at as sent and the same entries, on the same machine. */
async function fingerprint(pulse: ValidPulse): Promise<string> {
  const entries = pulse.entries.map((e) => `${e.language}\u0000${e.xp}`).join("\u0001");
  return (await sha256Hex(`${pulse.sentMicros}|${pulse.utcOffset}|${entries}`)).slice(0, 32);
}
