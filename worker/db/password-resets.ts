// Password-reset links: stored as SHA-256 hashes, valid while `created_at` is within the validity window.
import { and, eq, gt, inArray, lte } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { passwordResets, sessions, users } from "./schema";

/** A valid link's user. */
export type ResetOwner = Pick<typeof passwordResets.$inferSelect, "userId"> & Pick<typeof users.$inferSelect, "username">;

export async function insertReset(db: D1Database, userId: number, tokenHash: string, now: number, validityMs: number): Promise<void> {
  const d = drizzle(db);
  const expired = d
    .select({ id: passwordResets.id })
    .from(passwordResets)
    .where(lte(passwordResets.createdAt, now - validityMs))
    .limit(100);
  await d.batch([
    d.delete(passwordResets).where(inArray(passwordResets.id, expired)),
    d.insert(passwordResets).values({ userId, tokenHash, createdAt: now }),
  ]);
}

/** The owner of a reset link issued after `issuedAfter`, if it exists. */
export async function findValidReset(db: D1Database, tokenHash: string, issuedAfter: number): Promise<ResetOwner | null> {
  const row = await drizzle(db)
    .select({ userId: passwordResets.userId, username: users.username })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(and(eq(passwordResets.tokenHash, tokenHash), gt(passwordResets.createdAt, issuedAfter)))
    .get();
  return row ?? null;
}

/**
 * Uses a reset link, in one transaction: sets the new password hash, ends all sessions of the user and
 * deletes every reset link of the user. Concurrent uses of one link are serialized by D1, and only the
 * first finds the link; the result tells whether this call was it. A link is valid if issued after `issuedAfter`.
 */
export async function consumeReset(db: D1Database, tokenHash: string, issuedAfter: number, passwordHash: string): Promise<number | null> {
  const d = drizzle(db);
  const owner = (validOnly: boolean) =>
    d
      .select({ userId: passwordResets.userId })
      .from(passwordResets)
      .where(and(eq(passwordResets.tokenHash, tokenHash), validOnly ? gt(passwordResets.createdAt, issuedAfter) : undefined));
  const [updated] = await d.batch([
    d
      .update(users)
      .set({ passwordHash })
      .where(eq(users.id, owner(true)))
      .returning({ id: users.id }),
    d.delete(sessions).where(eq(sessions.userId, owner(true))),
    d.delete(passwordResets).where(eq(passwordResets.userId, owner(false))),
  ]);
  return updated[0]?.id ?? null;
}
