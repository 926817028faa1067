// Users and machines: lookups by name and by token, and account creation.
import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { usernameKey } from "../domain/username";
import { machines, users } from "./schema";

/** What the API and pages read of a user; `totalXp` changes with every pulse and machine deletion (streaks are cached by it). */
export type UserRow = Pick<typeof users.$inferSelect, "id" | "username" | "private" | "pulseSeq" | "createdAt" | "streakMinXp" | "totalXp">;

const USER_COLUMNS = {
  id: users.id,
  username: users.username,
  private: users.private,
  pulseSeq: users.pulseSeq,
  createdAt: users.createdAt,
  streakMinXp: users.streakMinXp,
  totalXp: users.totalXp,
};

export async function findUserById(db: D1Database, id: number): Promise<UserRow | null> {
  return (await drizzle(db).select(USER_COLUMNS).from(users).where(eq(users.id, id)).get()) ?? null;
}

/** The condition that finds a user by name: names are unique case-insensitively. */
export const hasUsername = (name: string) => eq(users.usernameKey, usernameKey(name));

export async function findUserByName(db: D1Database, name: string): Promise<UserRow | null> {
  return (await drizzle(db).select(USER_COLUMNS).from(users).where(hasUsername(name)).get()) ?? null;
}

export interface MachineAuth {
  user: UserRow;
  machineId: number;
}

/** The active machine (and its user) that a token hash belongs to. */
export async function findActiveMachineByTokenHash(db: D1Database, tokenHash: string): Promise<MachineAuth | null> {
  const row = await drizzle(db)
    .select({ machineId: machines.id, user: USER_COLUMNS })
    .from(machines)
    .innerJoin(users, eq(users.id, machines.userId))
    .where(and(eq(machines.tokenHash, tokenHash), eq(machines.active, true)))
    .get();
  return row ?? null;
}

/** Creates a user with one machine in one transaction; returns their ids. */
export async function createUserWithMachine(
  db: D1Database,
  user: { username: string; email?: string | null; passwordHash?: string; private?: boolean; createdAt: number },
  machine: { name: string; tokenHash: string },
): Promise<{ userId: number; machineId: number }> {
  const d = drizzle(db);
  const key = usernameKey(user.username);
  const [, ids] = await d.batch([
    d.insert(users).values({
      username: user.username,
      usernameKey: key,
      email: user.email ?? null,
      passwordHash: user.passwordHash ?? "",
      private: user.private ?? false,
      createdAt: user.createdAt,
    }),
    d
      .insert(machines)
      .values({
        // The new user's id within the same batch; sql wraps the subquery because values take SQL, not a query builder.
        userId: sql`${d.select({ id: users.id }).from(users).where(eq(users.usernameKey, key))}`,
        name: machine.name,
        tokenHash: machine.tokenHash,
        createdAt: user.createdAt,
      })
      .returning({ userId: machines.userId, machineId: machines.id }),
  ]);
  return ids[0]!;
}
