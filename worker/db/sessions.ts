// Browser sessions and their one-time reveals. Only hashes of session ids are stored.
import { and, eq, gt, inArray, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { sessionReveals, sessions, users } from "./schema";

type Session = typeof sessions.$inferSelect;

/** A live session with its user's name; `sessionId` is `sessions.id`. */
export type SessionRow = Pick<Session, "userId" | "persistent" | "expiresAt"> & { sessionId: Session["id"] } & Pick<
    typeof users.$inferSelect,
    "username"
  >;

export type Reveal = Pick<typeof sessionReveals.$inferSelect, "iv" | "ciphertext" | "createdAt">;

export async function insertSession(
  db: D1Database,
  s: { userId: number; tokenHash: string; persistent: boolean; createdAt: number; expiresAt: number },
  replaceTokenHash: string | null,
): Promise<void> {
  const d = drizzle(db);
  await d.batch([
    // Rotation: the session this browser had before (if any) ends with the new one's creation.
    d.delete(sessions).where(eq(sessions.tokenHash, replaceTokenHash ?? "")),
    // Expired sessions of this user go at the same time.
    d.delete(sessions).where(and(eq(sessions.userId, s.userId), lte(sessions.expiresAt, s.createdAt))),
    d.insert(sessions).values(s),
  ]);
}

export async function findSession(db: D1Database, tokenHash: string, now: number): Promise<SessionRow | null> {
  const row = await drizzle(db)
    .select({
      sessionId: sessions.id,
      userId: sessions.userId,
      username: users.username,
      persistent: sessions.persistent,
      expiresAt: sessions.expiresAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .get();
  return row ?? null;
}

export async function deleteSession(db: D1Database, sessionId: number): Promise<void> {
  await drizzle(db).delete(sessions).where(eq(sessions.id, sessionId));
}

export async function deleteSessionByTokenHash(db: D1Database, tokenHash: string): Promise<void> {
  await drizzle(db).delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export async function deleteSessionsOfUser(db: D1Database, userId: number): Promise<void> {
  await drizzle(db).delete(sessions).where(eq(sessions.userId, userId));
}

/** Bounded clean-up of expired sessions of all users (called now and then, on log-in). */
export async function purgeExpiredSessions(db: D1Database, now: number, limit = 100): Promise<void> {
  const d = drizzle(db);
  await d
    .delete(sessions)
    .where(inArray(sessions.id, d.select({ id: sessions.id }).from(sessions).where(lte(sessions.expiresAt, now)).limit(limit)));
}

export async function putReveal(db: D1Database, sessionId: number, iv: string, ciphertext: string, now: number): Promise<void> {
  const reveal = { iv, ciphertext, createdAt: now };
  await drizzle(db)
    .insert(sessionReveals)
    .values({ sessionId, ...reveal })
    .onConflictDoUpdate({ target: sessionReveals.sessionId, set: reveal });
}

/** Reads and deletes the session's reveal in one statement: it can be shown only once. */
export async function takeReveal(db: D1Database, sessionId: number): Promise<Reveal | null> {
  const row = await drizzle(db)
    .delete(sessionReveals)
    .where(eq(sessionReveals.sessionId, sessionId))
    .returning({ iv: sessionReveals.iv, ciphertext: sessionReveals.ciphertext, createdAt: sessionReveals.createdAt })
    .get();
  return row ?? null;
}
