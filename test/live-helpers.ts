// Helpers for the live-object tests: waiting, sockets, writing to D1 behind the Worker's back (a
// dropped notification), and the truth recomputed from the raw pulse and XP rows.
import { env, exports } from "cloudflare:workers";
import { localDateAndHour } from "../worker/domain/coded-at";
import { languageKey } from "../worker/domain/language";
import { BASE } from "./helpers";
import { findUserById } from "../worker/db/users";
import { userRef } from "../worker/services/live";
import { shardCount, userObject as userObjectOf } from "../worker/objects/stubs";

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function userObject(userId: number) {
  return userObjectOf(env, userId);
}

/** Waits until the user's object has heard of pulse `seq` by itself (a notification: the user is watched). */
export async function waitForNotifiedSeq(userId: number, seq: number): Promise<void> {
  await waitFor(async () => (await userObject(userId).status()).seq >= seq, `user ${userId} to be told of seq ${seq}`);
}

/**
 * Waits until D1 has the user's pulse `seq`, then reads the profile as a page would: the object,
 * told of the pulses or not, is current after the read.
 */
export async function waitForSeq(userId: number, seq: number): Promise<void> {
  await waitFor(async () => {
    const user = await findUserById(env.DB, userId);
    if (!user || user.pulseSeq < seq) return false;
    await userObject(userId).profile(userRef(user));
    return (await userObject(userId).status()).seq >= seq;
  }, `user ${userId} to reach seq ${seq}`);
}

export interface TestSocket {
  ws: WebSocket;
  messages: any[];
  closed: Promise<CloseEvent>;
  /** Resolves with the first message (from index `from`) matching `match`. */
  next(match: (m: any) => boolean, from?: number, timeoutMs?: number): Promise<any>;
}

export async function openSocket(path: string): Promise<{ status: number; socket: TestSocket | null; body: string }> {
  const res = await exports.default.fetch(`${BASE}${path}`, { headers: { upgrade: "websocket" } });
  if (!res.webSocket) return { status: res.status, socket: null, body: await res.text() };
  const ws = res.webSocket;
  ws.accept();
  const messages: any[] = [];
  const listeners = new Set<() => void>();
  ws.addEventListener("message", (e) => {
    messages.push(JSON.parse(e.data as string));
    for (const l of listeners) l();
  });
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  const next = (match: (m: any) => boolean, from = 0, timeoutMs = 10_000) =>
    new Promise<any>((resolve, reject) => {
      const check = () => {
        const found = messages.slice(from).find(match);
        if (found) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no matching message after ${timeoutMs} ms; got ${messages.length}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return { status: res.status, socket: { ws, messages, closed, next }, body: "" };
}

/**
 * Inserts a pulse straight into D1, as the Worker would, but without telling the user's object:
 * what a lost notification looks like. Triggers keep the rollups and the user's sequence.
 */
export async function insertPulseBehindTheWorkersBack(p: {
  userId: number;
  machineId: number;
  codedAt: number;
  utcOffset?: number;
  xps: { language: string; amount: number }[];
  /** The user's database (default: DB). */
  db?: D1Database;
}): Promise<void> {
  const db = p.db ?? env.DB;
  const total = p.xps.reduce((s, x) => s + x.amount, 0);
  // The XP rows come from the same intake trigger the Worker's writes use.
  const intake = JSON.stringify(p.xps.map((x) => [languageKey(x.language), x.amount]));
  await db.batch([
    ...p.xps.map((x) =>
      db.prepare("INSERT OR IGNORE INTO languages (name, name_key) VALUES (?, ?)").bind(x.language, languageKey(x.language)),
    ),
    db
      .prepare(
        `INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, xps_intake)
       SELECT id, ?, pulse_seq + 1, ?, ?, ?, ?, ?, ? FROM users WHERE id = ?`,
      )
      .bind(p.machineId, p.codedAt, p.utcOffset ?? 0, Date.now(), total, crypto.randomUUID(), intake, p.userId),
  ]);
}

export interface Truth {
  seq: number;
  total: number;
  languages: Record<string, number>;
  machines: Record<string, number>;
  dates: Record<string, number>;
  hours: number[];
}

/** A user's aggregates recomputed from the raw pulses and XP rows (not from the rollups). */
export async function truthFromD1(userId: number, db: D1Database = env.DB): Promise<Truth> {
  const { results } = await db
    .prepare(
      `SELECT p.coded_at AS codedAt, p.utc_offset AS utcOffset, m.name AS machine, m.active, l.name AS language, x.amount
     FROM pulses p JOIN machines m ON m.id = p.machine_id JOIN xps x ON x.pulse_id = p.id JOIN languages l ON l.id = x.language_id
     WHERE p.user_id = ?`,
    )
    .bind(userId)
    .all<{ codedAt: number; utcOffset: number; machine: string; active: number; language: string; amount: number }>();
  const seq = (await db.prepare("SELECT pulse_seq FROM users WHERE id = ?").bind(userId).first<number>("pulse_seq")) ?? 0;
  const truth: Truth = {
    seq,
    total: 0,
    languages: Object.create(null),
    machines: Object.create(null),
    dates: Object.create(null),
    hours: Array(24).fill(0),
  };
  for (const r of results) {
    const { date, hour } = localDateAndHour(r.codedAt, r.utcOffset);
    truth.total += r.amount;
    truth.languages[r.language] = (truth.languages[r.language] ?? 0) + r.amount;
    if (r.active) truth.machines[r.machine] = (truth.machines[r.machine] ?? 0) + r.amount;
    truth.dates[date] = (truth.dates[date] ?? 0) + r.amount;
    truth.hours[hour]! += r.amount;
  }
  return truth;
}

/** The same figures as a user object holds them now (its view, and its API document for the dates). */
export async function objectFigures(userId: number): Promise<Truth> {
  const stub = userObject(userId);
  const [view, document] = await Promise.all([stub.currentView(), stub.currentDocument()]);
  if (!view || !document) throw new Error(`object of user ${userId} is not built`);
  return figuresOf(view, (JSON.parse(document) as { dates: Record<string, number> }).dates);
}

/** The same figures from a profile view and the per-date map of the API document. */
export function figuresOf(
  view: {
    seq: number;
    totalXp: number;
    languages: { name: string; xp: number }[];
    machines: { name: string; xp: number }[];
    hours: number[];
  },
  dates: Record<string, number>,
): Truth {
  return {
    seq: view.seq,
    total: view.totalXp,
    languages: Object.assign(Object.create(null), Object.fromEntries(view.languages.map((l) => [l.name, l.xp]))),
    machines: Object.assign(Object.create(null), Object.fromEntries(view.machines.filter((m) => m.xp > 0).map((m) => [m.name, m.xp]))),
    dates: Object.assign(Object.create(null), dates),
    hours: view.hours,
  };
}

// ---- the front page ----

export const globalFeedStub = () => env.GLOBAL_FEED.getByName("global");
export const feedShards = () => Array.from({ length: shardCount(env) }, (_, i) => env.FEED_SHARD.getByName(`shard:${i}`));

/** Public users' XP summed over every partition's database. */
export async function publicTotalInD1(): Promise<number> {
  let total = 0;
  for (const db of [env.DB, env.DB_1!])
    total += (await db.prepare("SELECT coalesce(SUM(total_xp), 0) AS xp FROM users WHERE private = 0").first<number>("xp")) ?? 0;
  return total;
}

/** Flushes the shards (their alarms also do, every 500 ms) until the feed's total equals D1's. */
export async function settleFeed() {
  return waitFor(async () => {
    for (const s of feedShards()) while ((await s.flush()) > 0);
    const view = await globalFeedStub().view();
    return view.totalXp === (await publicTotalInD1()) ? view : null;
  }, "the feed to reach D1's public total");
}
