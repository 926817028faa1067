// Users on two D1 databases (bindings DB and DB_1): ingest, the global features, deletion, the live
// objects, and the move of a one-database deployment to two while pulses keep arriving.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/app-entry";
import type { Env } from "../../worker/env";
import { PARTITION_ID_SPAN, partitionOfId } from "../../worker/domain/partition";
import { hashPassword } from "../../worker/domain/password-hash";
import { createAccount, deleteAccount } from "../../worker/services/accounts";
import { addMachine } from "../../worker/services/machines";
import { mergedPage, searchUsers } from "../../worker/services/fan-out";
import { BASE, codedAt, uniqueName } from "../helpers";
import { Browser, PASSWORD } from "../accounts/browser";
import { basic, hb, secondsAgo } from "../wakatime/wk-helpers";
import { importFile } from "../import/import-helpers";
import { insertPulseBehindTheWorkersBack, objectFigures, openSocket, settleFeed, truthFromD1 } from "../live-helpers";

const DB_1 = env.DB_1!;
/** The test runner's Worker with sign-ups placed on the second database. */
const onSecond: Env = { ...env, NEW_USER_PARTITIONS: "1" };
const onFirst: Env = { ...env, NEW_USER_PARTITIONS: "0" };

/** A request to the Worker as an isolate with these bindings runs it. */
async function call(e: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, init) as Request<unknown, IncomingRequestCfProperties>, e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

interface Account {
  userId: number;
  username: string;
  token: string;
}

async function account(e: Env, options: { username?: string; private?: boolean } = {}): Promise<Account> {
  const username = options.username ?? uniqueName("part");
  const created = await createAccount(e, { username, email: null, passwordHash: await hashPassword(PASSWORD), createdAt: Date.now() });
  if (!created.ok) throw new Error(`${username} is taken`);
  const machine = await addMachine(e, created.userId, "Laptop", Date.now());
  if (machine.kind !== "token") throw new Error("no token");
  if (options.private)
    await (partitionOfId(created.userId) === 0 ? env.DB : DB_1)
      .prepare("UPDATE users SET private = 1 WHERE id = ?")
      .bind(created.userId)
      .run();
  return { userId: created.userId, username, token: machine.token };
}

function pulseBody(xp: number, language = "Go", at = Date.now() - 60_000) {
  return JSON.stringify({ coded_at: codedAt(at), xps: [{ language, xp }] });
}

function sendPulse(e: Env, token: string, body: string): Promise<Response> {
  return call(e, "/api/my/pulses", { method: "POST", headers: { "content-type": "application/json", "x-api-token": token }, body });
}

async function totalXp(e: Env, username: string): Promise<number> {
  const res = await call(e, `/api/users/${encodeURIComponent(username)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { total_xp: number }).total_xp;
}

const rows = async (db: D1Database, sql: string, ...params: unknown[]) =>
  (await db
    .prepare(sql)
    .bind(...params)
    .first<number>("n"))!;

describe("users on two databases", () => {
  it("places new accounts on the open database, with ids from its range, and claims every name in the directory", async () => {
    const second = await account(onSecond);
    const first = await account(onFirst);
    expect(partitionOfId(second.userId)).toBe(1);
    expect(second.userId).toBeGreaterThan(PARTITION_ID_SPAN);
    expect(partitionOfId(first.userId)).toBe(0);
    expect(await rows(DB_1, "SELECT count(*) AS n FROM users WHERE id = ?", second.userId)).toBe(1);
    expect(await rows(env.DB, "SELECT count(*) AS n FROM users WHERE id = ?", second.userId)).toBe(0);
    const homes = await env.DB.prepare("SELECT username_key, partition FROM user_homes WHERE user_id IN (?, ?) ORDER BY partition")
      .bind(first.userId, second.userId)
      .all();
    expect(homes.results.map((r) => r.partition)).toEqual([0, 1]);
    // Only the second database's tokens are listed (a token not listed is the default database's).
    expect(await rows(env.DB, "SELECT count(*) AS n FROM token_homes WHERE user_id = ?", second.userId)).toBe(1);
    expect(await rows(env.DB, "SELECT count(*) AS n FROM token_homes WHERE user_id = ?", first.userId)).toBe(0);
    // Without a setting, the open database with the fewest accounts gets the next one.
    const counts = await env.DB.prepare("SELECT partition, count(*) AS n FROM user_homes GROUP BY partition").all<{
      partition: number;
      n: number;
    }>();
    const fewest = [...counts.results].sort((a, b) => a.n - b.n || a.partition - b.partition)[0]!.partition;
    const next = await account({ ...env, NEW_USER_PARTITIONS: undefined });
    expect(partitionOfId(next.userId)).toBe(fewest);
  });

  it("keeps usernames unique across databases, in any letter case", async () => {
    const name = uniqueName("Same");
    await account(onSecond, { username: name });
    const clash = await createAccount(onFirst, { username: name.toUpperCase(), email: null, passwordHash: "", createdAt: Date.now() });
    expect(clash).toEqual({ ok: false, reason: "taken" });
    const other = uniqueName("Other");
    await account(onFirst, { username: other });
    expect(await createAccount(onSecond, { username: other.toLowerCase(), email: null, passwordHash: "", createdAt: Date.now() })).toEqual({
      ok: false,
      reason: "taken",
    });
    // The web form says so too.
    const browser = new Browser(undefined, (url, init) => call(onSecond, new URL(url).pathname, init));
    const res = await browser.post("/signup", { username: name.toLowerCase(), password: PASSWORD, email: "" });
    expect(res.status).toBe(303);
    expect(browser.takeFlash()?.message).toMatch(/already taken/);
  });

  it("ingests pulses and heartbeats of users on either database, exactly once, and refuses a revoked token at once", async () => {
    const a = await account(onFirst);
    const b = await account(onSecond);
    for (const u of [a, b]) {
      const body = pulseBody(7);
      expect((await sendPulse(env, u.token, body)).status).toBe(201);
      expect((await sendPulse(env, u.token, body)).status).toBe(201); // a retry
      expect((await sendPulse(env, u.token, pulseBody(5, "Rust"))).status).toBe(201);
      expect(await totalXp(env, u.username)).toBe(12);
      const t = secondsAgo(600);
      const hbRes = await call(env, "/api/v1/users/current/heartbeats.bulk", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basic(u.token), timezone: "UTC" },
        body: JSON.stringify([hb(t), hb(t + 60), hb(t + 120)]),
      });
      expect(hbRes.status).toBe(201);
      const today = await call(env, "/api/v1/users/current/statusbar/today", {
        headers: { authorization: basic(u.token), timezone: "UTC" },
      });
      expect(today.status).toBe(200);
      expect(((await today.json()) as { data: { grand_total: { total_seconds: number } } }).data.grand_total.total_seconds).toBe(120);
    }
    // Heartbeats book XP slots too; from here on the total must not move.
    const before = await totalXp(env, b.username);
    expect(before).toBeGreaterThan(12);
    // Every row is on the user's own database.
    expect(await rows(DB_1, "SELECT count(*) AS n FROM pulses WHERE user_id = ?", b.userId)).toBeGreaterThan(0);
    expect(await rows(env.DB, "SELECT count(*) AS n FROM pulses WHERE user_id = ?", b.userId)).toBe(0);
    expect(await rows(DB_1, "SELECT count(*) AS n FROM heartbeats WHERE user_id = ?", b.userId)).toBe(3);
    // Revoking: the isolate remembers where the token lives, but the write checks the token itself.
    await DB_1.prepare("UPDATE machines SET active = 0 WHERE user_id = ?").bind(b.userId).run();
    expect((await sendPulse(env, b.token, pulseBody(3))).status).toBe(403);
    expect(await totalXp(env, b.username)).toBe(before);
  });

  it("logs in, keeps sessions and logs out a user on the second database", async () => {
    const b = await account(onSecond);
    const browser = new Browser(undefined, (url, init) => call(env, new URL(url).pathname, init));
    const res = await browser.logIn(b.username);
    expect(res.status).toBe(303);
    const cookie = [...browser.jar].find(([k]) => k.includes("session"))?.[1];
    expect(cookie).toMatch(/\.1$/);
    const profile = await browser.get("/my/profile");
    expect(profile.status).toBe(303);
    expect(profile.headers.get("location")).toBe(`/users/${b.username}`);
    expect(await rows(DB_1, "SELECT count(*) AS n FROM sessions WHERE user_id = ?", b.userId)).toBe(1);
    // A forged suffix only looks in another database, where the session does not exist.
    const forged = new Browser(undefined, (url, init) => call(env, new URL(url).pathname, init));
    forged.jar.set([...browser.jar].find(([k]) => k.includes("session"))![0], cookie!.replace(/\.1$/, ""));
    expect((await forged.get("/my/profile")).headers.get("location")).not.toBe(`/users/${b.username}`);
    await browser.post("/logout");
    expect(await rows(DB_1, "SELECT count(*) AS n FROM sessions WHERE user_id = ?", b.userId)).toBe(0);
  });

  it("signs up through the form onto the second database and imports a pulses.csv into it", async () => {
    const browser = new Browser(undefined, (url, init) => call(onSecond, new URL(url).pathname, init));
    const username = await browser.signUp();
    const userId = (await DB_1.prepare("SELECT id FROM users WHERE username = ?").bind(username).first<number>("id"))!;
    expect(partitionOfId(userId)).toBe(1);
    const csv =
      "sent_at;sent_at_local;tz_offset;language;machine;amount\n" +
      "2018-03-01 12:30:15Z;2018-03-01 07:30:15;-300;JavaScript;old box;25\n" +
      "2018-03-02 12:30:15Z;2018-03-02 07:30:15;-300;Go;old box;5\n";
    expect(await importFile(browser, csv)).toMatchObject({ phase: "done", pulsesAdded: 2, machinesCreated: 1 });
    expect(await rows(DB_1, "SELECT coalesce(sum(xp), 0) AS n FROM pulses WHERE user_id = ?", userId)).toBe(30);
    expect(await totalXp(env, username)).toBe(30);
  });

  it("ranks users of both databases on one leaderboard, a language's XP together whichever database numbered it", async () => {
    const lang = `Lang${uniqueName("x")}`;
    const a = await account(onFirst);
    const b = await account(onSecond);
    // The first database learns the language later than the second: ids differ, the board does not split.
    expect((await sendPulse(env, b.token, pulseBody(40, lang))).status).toBe(201);
    expect((await sendPulse(env, a.token, pulseBody(30, lang))).status).toBe(201);
    const res = await call(env, `/api/leaderboards?range=all&language=${encodeURIComponent(lang)}`);
    expect(res.status).toBe(200);
    const board = (await res.json()) as { total_users: number; users: { username: string; xp: number }[] };
    expect(board.users.map((e) => [e.username, e.xp])).toEqual([
      [b.username, 40],
      [a.username, 30],
    ]);
    expect(board.total_users).toBe(2);
  });

  it("counts public pulses of both databases on the front page, never a private user's", async () => {
    const a = await account(onFirst);
    const b = await account(onSecond);
    const hidden = await account(onSecond, { private: true });
    for (const u of [a, b, hidden]) expect((await sendPulse(env, u.token, pulseBody(11))).status).toBe(201);
    await settleFeed();
    await env.GLOBAL_FEED.getByName("global").reconcile({ windows: true });
    const view = await settleFeed();
    let publicTotal = 0;
    for (const db of [env.DB, DB_1]) publicTotal += await rows(db, "SELECT coalesce(sum(total_xp), 0) AS n FROM users WHERE private = 0");
    expect(view.totalXp).toBe(publicTotal);
  });

  it("finds users of both databases in one sorted search, a page at a time", async () => {
    const prefix = uniqueName("srch");
    const names = ["b", "d", "a", "c", "e"].map((s) => `${prefix}${s}`);
    for (const [i, name] of names.entries()) await account(i % 2 === 0 ? onFirst : onSecond, { username: name });
    await account(onSecond, { username: `${prefix}f`, private: true });
    const found = await searchUsers(env, prefix, 1);
    expect(found).toEqual({ usernames: [...names].sort(), hasNext: false });
    // The merge pages like one database would.
    const source = (items: string[]) => async (page: number) => ({
      items: items.slice((page - 1) * 2, page * 2),
      hasNext: items.length > page * 2,
    });
    const merged = (page: number) =>
      mergedPage(
        [source(["a", "c", "e", "g"]), source(["b", "c", "d"])],
        (s) => s,
        (x) => x,
        page,
        2,
      );
    expect(await merged(1)).toEqual({ items: ["a", "b"], hasNext: true });
    expect(await merged(2)).toEqual({ items: ["c", "d"], hasNext: true });
    expect(await merged(3)).toEqual({ items: ["e", "g"], hasNext: false });
  });

  it("deletes an account on the second database with everything it owns, its directory rows and its board entries", async () => {
    const b = await account(onSecond);
    expect((await sendPulse(env, b.token, pulseBody(9))).status).toBe(201);
    expect(await totalXp(env, b.username)).toBe(9);
    const counted = (await settleFeed()).totalXp; // the front page has the 9 XP
    const result = await deleteAccount(
      env,
      { sessionId: 0, userId: b.userId, username: b.username, persistent: false, secret: "" },
      "DELETE",
    );
    expect(result).toEqual({ kind: "deleted" });
    expect(await rows(DB_1, "SELECT count(*) AS n FROM pulses WHERE user_id = ?", b.userId)).toBe(0);
    expect(await rows(DB_1, "SELECT count(*) AS n FROM users WHERE id = ?", b.userId)).toBe(0);
    expect(await rows(env.DB, "SELECT count(*) AS n FROM user_homes WHERE user_id = ?", b.userId)).toBe(0);
    expect(await rows(env.DB, "SELECT count(*) AS n FROM token_homes WHERE user_id = ?", b.userId)).toBe(0);
    expect((await call(env, `/api/users/${b.username}`)).status).toBe(404);
    expect((await sendPulse(env, b.token, pulseBody(1))).status).toBe(403);
    // Its XP leaves the front page with it (the deletion reconciles the feed with every database).
    expect((await settleFeed()).totalXp).toBe(counted - 9);
    // The name is free again, on any database.
    expect((await createAccount(onFirst, { username: b.username, email: null, passwordHash: "", createdAt: Date.now() })).ok).toBe(true);
  });

  it("lets the live object of a second-database user catch up from that database and rebuild from its rollups", async () => {
    const b = await account(onSecond);
    let sent = 0;
    for (let i = 1; i <= 5; i++) {
      expect((await sendPulse(env, b.token, pulseBody(i))).status).toBe(201);
      sent += i;
    }
    // A pulse written behind the Worker's back (no notification): the next read syncs it from DB_1.
    const machineId = await rows(DB_1, "SELECT id AS n FROM machines WHERE user_id = ?", b.userId);
    await insertPulseBehindTheWorkersBack({
      userId: b.userId,
      machineId,
      codedAt: Date.now() - 30_000,
      xps: [{ language: "Go", amount: 100 }],
      db: DB_1,
    });
    const truth = await rows(DB_1, "SELECT total_xp AS n FROM users WHERE id = ?", b.userId);
    expect(truth).toBe(sent + 100);
    expect(await totalXp(env, b.username)).toBe(truth);
    // A rebuild reads the rollups of the user's own database.
    await env.USER_STATS.getByName(String(b.userId)).rebuild(b.userId);
    expect(await totalXp(env, b.username)).toBe(truth);
  });
});

describe("a watched user on the second database", () => {
  it("takes the watch lease there, and the viewer gets each pulse after its snapshot, none twice", async () => {
    const b = await account(onSecond);
    expect((await sendPulse(env, b.token, pulseBody(4))).status).toBe(201);
    const { socket } = await openSocket(`/live/users/${b.username}`);
    const snapshot = await socket!.next((m) => m.type === "profile.snapshot");
    expect(snapshot.profile).toMatchObject({ seq: 1, totalXp: 4 });
    expect(await rows(DB_1, "SELECT watched_until AS n FROM users WHERE id = ?", b.userId)).toBeGreaterThan(Date.now());
    for (const xp of [5, 6]) expect((await sendPulse(env, b.token, pulseBody(xp))).status).toBe(201);
    await socket!.next((m) => m.type === "profile.pulses" && m.toSeq >= 3);
    const delivered = socket!.messages.filter((m) => m.type === "profile.pulses").flatMap((m) => m.pulses);
    expect(delivered.map((p: { seq: number; xps: { amount: number }[] }) => [p.seq, p.xps[0]!.amount])).toEqual([
      [2, 5],
      [3, 6],
    ]);
    expect(await objectFigures(b.userId)).toEqual(await truthFromD1(b.userId, DB_1));
    socket!.ws.close(1000);
  });
});

describe("moving a one-database deployment to two", () => {
  it("loses and doubles no pulse while isolates of the old and the new configuration serve side by side", async () => {
    // Before: only DB is bound. Step 1: DB_1 bound but closed to new users (NEW_USER_PARTITIONS = "0"),
    // rolled out while old isolates still serve. Step 2: DB_1 opened.
    const one: Env = { ...env, DB_1: undefined, NEW_USER_PARTITIONS: undefined };
    const twoClosed: Env = { ...env, NEW_USER_PARTITIONS: "0" };
    const twoOpen: Env = { ...env, NEW_USER_PARTITIONS: "1" };
    const sentXp = new Map<string, number>();
    const users: Account[] = [];
    let n = 0;
    /** Each user sends a pulse to each given isolate configuration in turn; every tenth is retried on another one. */
    async function round(isolates: Env[]) {
      await Promise.all(
        users.map(async (u) => {
          for (const e of isolates) {
            const xp = (++n % 17) + 1;
            const body = pulseBody(xp, "Go", Date.now() - 60_000 - n * 1000);
            const res = await sendPulse(e, u.token, body);
            expect(res.status).toBe(201);
            sentXp.set(u.username, (sentXp.get(u.username) ?? 0) + xp);
            if (n % 10 === 0) expect((await sendPulse(isolates.at(-1)!, u.token, body)).status).toBe(201);
          }
        }),
      );
    }

    for (let i = 0; i < 3; i++) users.push(await account(one));
    await round([one, one]);
    // Rolling out step 1: old and new isolates side by side; sign-ups still land on DB.
    for (let i = 0; i < 2; i++) users.push(await account(i === 0 ? one : twoClosed));
    await round([one, twoClosed, one, twoClosed]);
    expect(users.every((u) => partitionOfId(u.userId) === 0)).toBe(true);
    // Step 2, once every isolate has DB_1: new users go to it; nobody moves.
    for (let i = 0; i < 3; i++) users.push(await account(twoOpen));
    expect(users.slice(5).every((u) => partitionOfId(u.userId) === 1)).toBe(true);
    await round([twoClosed, twoOpen, twoOpen]);

    for (const u of users) {
      expect(await totalXp(env, u.username)).toBe(sentXp.get(u.username));
      const db = partitionOfId(u.userId) === 0 ? env.DB : DB_1;
      expect(
        await rows(
          db,
          "SELECT coalesce(sum(x.amount), 0) AS n FROM xps x JOIN pulses p ON p.id = x.pulse_id WHERE p.user_id = ?",
          u.userId,
        ),
      ).toBe(sentXp.get(u.username));
    }
    const board = await call(env, "/api/leaderboards?range=all");
    expect(board.status).toBe(200);
  });
});
