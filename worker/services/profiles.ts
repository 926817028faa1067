// Resolving a profile from a URL segment: case, `+` as a space, and privacy.
import { findUserByName, type UserRow } from "../db/users";
import { usernameFromPath } from "../domain/username";
import type { Env } from "../env";
import { onDatabaseOfName } from "./partitions";

export type PublicProfileLookup =
  | { kind: "found"; user: UserRow }
  | { kind: "redirect"; user: UserRow; canonical: string }
  | { kind: "missing" };

/** Resolves a username from a URL segment; private users are missing unless `viewerId` owns them. */
export async function lookupProfileUser(env: Env, segment: string, viewerId: number | null = null): Promise<PublicProfileLookup> {
  const requested = usernameFromPath(segment);
  const user = await onDatabaseOfName(env, requested, (db) => findUserByName(db, requested));
  if (!user || (user.private && user.id !== viewerId)) return { kind: "missing" };
  if (user.username !== requested) return { kind: "redirect", user, canonical: user.username };
  return { kind: "found", user };
}
