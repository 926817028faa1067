// Reading public profiles: name resolution (case, `+`), privacy, and the aggregates.
import { loadProfileTotals } from "../db/profile";
import { findUserByName, type UserRow } from "../db/users";
import { buildProfileDocument, RECENT_WINDOW_MS, type ProfileDocument } from "../domain/profile";
import { usernameFromPath } from "../domain/username";

export type PublicProfileLookup =
  | { kind: "found"; user: UserRow }
  | { kind: "redirect"; canonical: string }
  | { kind: "missing" };

/** Resolves a username from a URL segment; private and unknown users look the same. */
export async function lookupPublicUser(db: D1Database, segment: string): Promise<PublicProfileLookup> {
  const requested = usernameFromPath(segment);
  const user = await findUserByName(db, requested);
  if (!user || user.private) return { kind: "missing" };
  if (user.username !== requested) return { kind: "redirect", canonical: user.username };
  return { kind: "found", user };
}

export async function profileDocument(db: D1Database, user: UserRow, now: number): Promise<ProfileDocument> {
  return buildProfileDocument(user.username, await loadProfileTotals(db, user.id, now - RECENT_WINDOW_MS));
}
