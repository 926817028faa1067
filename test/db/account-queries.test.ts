// The account side of the data layer, called directly: NULL handling, booleans stored as 0/1,
// constraint detection, replace-on-put, single use, bounded purges and chunked deletes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  DELETE_CHUNK,
  deletePulsesInChunks,
  findAccount,
  findCredentialsByName,
  findResetTargets,
  insertUser,
  replacePassword,
  updatePrivacy,
} from "../../worker/db/accounts";
import { consumeReset, findValidReset, insertReset } from "../../worker/db/password-resets";
import { hitCounters } from "../../worker/db/rate-limits";
import { findSession, insertSession, putReveal, takeReveal } from "../../worker/db/sessions";
import { findActiveMachineByTokenHash, findUserById } from "../../worker/db/users";
import { hashToken } from "../../worker/domain/token";
import { addMachine, count, createUser, uniqueName } from "../helpers";

const HOUR = 3_600_000;

async function newAccount(email: string | null = null) {
  const username = uniqueName("Acct");
  const created = await insertUser(env.DB, { username, email, passwordHash: "hash-1", createdAt: Date.now() });
  if (!created.ok) throw new Error("name taken");
  return { username, userId: created.userId };
}

async function newSession(userId: number, expiresAt = Date.now() + HOUR) {
  const tokenHash = uniqueName("session");
  await insertSession(env.DB, { userId, tokenHash, persistent: false, createdAt: Date.now(), expiresAt }, null);
  return (await findSession(env.DB, tokenHash, Date.now()))!;
}

describe("accounts", () => {
  it("refuses a name taken in another letter case and leaves the first account as it was", async () => {
    const { username, userId } = await newAccount();
    expect(await insertUser(env.DB, { username: username.toUpperCase(), email: null, passwordHash: "x", createdAt: 1 })).toEqual({
      ok: false,
      reason: "taken",
    });
    expect(await findCredentialsByName(env.DB, username.toLowerCase())).toEqual({ id: userId, username, passwordHash: "hash-1" });
    expect(await count("users", "username_key = ?", username.toLowerCase())).toBe(1);
  });

  it("reads privacy as a boolean both ways, and an unknown id as null", async () => {
    const { username, userId } = await newAccount("a@example.com");
    expect(await findAccount(env.DB, userId)).toEqual({
      id: userId,
      username,
      email: "a@example.com",
      private: false,
      createdAt: expect.any(Number),
    });
    await updatePrivacy(env.DB, userId, true);
    expect((await findAccount(env.DB, userId))!.private).toBe(true);
    expect((await findUserById(env.DB, userId))!.private).toBe(true);
    await updatePrivacy(env.DB, userId, false);
    expect((await findUserById(env.DB, userId))!.private).toBe(false);
    expect(await findAccount(env.DB, 2 ** 31)).toBeNull();
  });

  it("finds reset targets by name (only with an address) or by address in any case, once each, within the limit", async () => {
    const address = `${uniqueName("Mail")}@Example.com`;
    const withMail = await newAccount(address);
    const withoutMail = await newAccount(null);
    const target = { id: withMail.userId, username: withMail.username, email: address };
    expect(await findResetTargets(env.DB, withMail.username.toUpperCase(), 5)).toEqual([target]);
    expect(await findResetTargets(env.DB, address.toLowerCase(), 5)).toEqual([target]);
    expect(await findResetTargets(env.DB, withoutMail.username, 5)).toEqual([]);
    // A second account naming the first one's address as its own name is found by both halves.
    const { userId: namedLikeAddress } = await newAccount(address.toUpperCase());
    await env.DB.prepare("UPDATE users SET username = ?, username_key = ? WHERE id = ?")
      .bind(address, address.toLowerCase(), namedLikeAddress)
      .run();
    const both = await findResetTargets(env.DB, address, 5);
    expect(both.map((t) => t.id).sort((a, b) => a - b)).toEqual([withMail.userId, namedLikeAddress]);
    expect(await findResetTargets(env.DB, address, 1)).toHaveLength(1);
  });

  it("a new password ends every other session, or all of them when none is kept", async () => {
    const { userId } = await newAccount();
    const kept = await newSession(userId);
    await newSession(userId);
    await replacePassword(env.DB, userId, "hash-2", kept.sessionId);
    expect(await count("sessions", "user_id = ?", userId)).toBe(1);
    expect(await count("sessions", "id = ?", kept.sessionId)).toBe(1);
    await replacePassword(env.DB, userId, "hash-3", null);
    expect(await count("sessions", "user_id = ?", userId)).toBe(0);
    expect((await findCredentialsByName(env.DB, (await findAccount(env.DB, userId))!.username))!.passwordHash).toBe("hash-3");
  });

  it(`deletes more than ${DELETE_CHUNK} pulses a chunk at a time, with their XP rows, only of the machine or user named`, async () => {
    const u = await createUser();
    await addMachine(u.userId, "Desktop");
    const other = (await env.DB.prepare("SELECT id FROM machines WHERE user_id = ? AND name = 'Desktop'")
      .bind(u.userId)
      .first<number>("id"))!;
    const seed = (machineId: number, from: number, n: number) =>
      env.DB.prepare(
        `WITH RECURSIVE k(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1 + ?2 - 1)
         INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint)
         SELECT ?3, ?4, i, 1764000000000 + i, 0, 1764000000000, 1, 'f' || i FROM k`,
      )
        .bind(from, n, u.userId, machineId)
        .run();
    await seed(u.machineId, 1, DELETE_CHUNK + 1);
    await seed(other, DELETE_CHUNK + 2, 3);
    await env.DB.prepare("INSERT INTO languages (name, name_key) VALUES (?1, lower(?1)) ON CONFLICT DO NOTHING").bind("Chunked").run();
    await env.DB.prepare(
      `INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
       SELECT p.id, l.id, l.id, 1 FROM pulses p, languages l WHERE p.user_id = ? AND l.name_key = 'chunked'`,
    )
      .bind(u.userId)
      .run();
    expect(await count("xps JOIN pulses p ON p.id = xps.pulse_id", "p.user_id = ?", u.userId)).toBe(DELETE_CHUNK + 4);

    await deletePulsesInChunks(env.DB, "machine_id", u.machineId);
    expect(await count("pulses", "machine_id = ?", u.machineId)).toBe(0);
    expect(await count("pulses", "machine_id = ?", other)).toBe(3);
    expect(await count("xps JOIN pulses p ON p.id = xps.pulse_id", "p.user_id = ?", u.userId)).toBe(3);
    await deletePulsesInChunks(env.DB, "user_id", u.userId);
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
  });
});

describe("machines", () => {
  it("authenticates only active machines, with the user's row", async () => {
    const u = await createUser({ private: true });
    const auth = await findActiveMachineByTokenHash(env.DB, await hashToken(u.token));
    expect(auth).toEqual({ machineId: u.machineId, user: await findUserById(env.DB, u.userId) });
    expect(auth!.user).toMatchObject({ id: u.userId, username: u.username, private: true, streakMinXp: 1 });
    await env.DB.prepare("UPDATE machines SET active = 0 WHERE id = ?").bind(u.machineId).run();
    expect(await findActiveMachineByTokenHash(env.DB, await hashToken(u.token))).toBeNull();
  });
});

describe("sessions", () => {
  it("a second reveal replaces the first, and a reveal is taken once", async () => {
    const { userId } = await newAccount();
    const { sessionId } = await newSession(userId);
    await putReveal(env.DB, sessionId, "iv-1", "c-1", 10);
    await putReveal(env.DB, sessionId, "iv-2", "c-2", 20);
    expect(await takeReveal(env.DB, sessionId)).toEqual({ iv: "iv-2", ciphertext: "c-2", createdAt: 20 });
    expect(await takeReveal(env.DB, sessionId)).toBeNull();
  });

  it("reads persistence as a boolean and never an expired session", async () => {
    const { userId, username } = await newAccount();
    const tokenHash = uniqueName("persistent");
    const now = Date.now();
    await insertSession(env.DB, { userId, tokenHash, persistent: true, createdAt: now, expiresAt: now + HOUR }, null);
    expect(await findSession(env.DB, tokenHash, now)).toEqual({
      sessionId: expect.any(Number),
      userId,
      username,
      persistent: true,
      expiresAt: now + HOUR,
    });
    expect(await findSession(env.DB, tokenHash, now + HOUR)).toBeNull();
  });
});

describe("password resets", () => {
  it("a link works once and only while valid; using it ends the sessions and every link of the user", async () => {
    const { userId, username } = await newAccount("r@example.com");
    const now = Date.now();
    await insertReset(env.DB, userId, "old-link", now - 5 * HOUR, 4 * HOUR);
    await insertReset(env.DB, userId, "new-link", now, 4 * HOUR);
    await newSession(userId);
    expect(await findValidReset(env.DB, "old-link", now - 4 * HOUR)).toBeNull();
    expect(await consumeReset(env.DB, "old-link", now - 4 * HOUR, "from-old")).toBeNull();
    expect(await count("sessions", "user_id = ?", userId)).toBe(1);
    expect(await findValidReset(env.DB, "new-link", now - 4 * HOUR)).toEqual({ userId, username });
    expect(await consumeReset(env.DB, "new-link", now - 4 * HOUR, "from-new")).toBe(userId);
    expect(await consumeReset(env.DB, "new-link", now - 4 * HOUR, "again")).toBeNull();
    expect((await findCredentialsByName(env.DB, username))!.passwordHash).toBe("from-new");
    expect(await count("sessions", "user_id = ?", userId)).toBe(0);
    expect(await count("password_resets", "user_id = ?", userId)).toBe(0);
  });
});

describe("rate-limit counters", () => {
  it("counts each key per window, in order, and drops at most 50 expired windows per call", async () => {
    const a = uniqueName("key");
    const b = uniqueName("key");
    const now = Date.now();
    const hit = (key: string, windowStart = now) => ({ key, windowStart, expiresAt: now + HOUR });
    expect(await hitCounters(env.DB, [hit(a), hit(b)], now)).toEqual([1, 1]);
    expect(await hitCounters(env.DB, [hit(b), hit(a), hit(a, now + 1)], now)).toEqual([2, 2, 1]);

    const stale = uniqueName("stale");
    await env.DB.prepare(
      `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 60)
       INSERT INTO rate_limits (key, window_start, expires_at, count) SELECT ? || i, 0, 1, 1 FROM k`,
    )
      .bind(stale)
      .run();
    const expired = await count("rate_limits", "expires_at <= ?", now);
    expect(expired).toBeGreaterThanOrEqual(60);
    expect(await hitCounters(env.DB, [hit(a)], now)).toEqual([3]);
    expect(await count("rate_limits", "expires_at <= ?", now)).toBe(expired - 50);
    expect(await count("rate_limits", "key IN (?, ?)", a, b)).toBe(3);
  });
});
