// The profile API's document: the Code::Stats fields byte for byte as the user's object serves them,
// then this service's extra fields (streaks; coding time for users who send WakaTime heartbeats).
import type { Env } from "../env";
import { findActiveMachineByTokenHash, type UserRow } from "../db/users";
import { hashToken } from "../domain/token";
import { profileCodingTime } from "./coding-time";
import { loadProfileDocument } from "./live";
import { loadStreaks } from "./streaks";
import { databaseForToken } from "./partitions";
import { databaseOf } from "../db/partitions";

export async function profileDocument(env: Env, user: UserRow, viewerIsOwner: boolean): Promise<string> {
  const [document, streaks, codingTime] = await Promise.all([
    loadProfileDocument(env, user),
    loadStreaks(databaseOf(env, user.id), user),
    profileCodingTime(databaseOf(env, user.id), user.id, viewerIsOwner, Date.now()),
  ]);
  return withFields(document, {
    current_streak: streaks.current,
    longest_streak: streaks.longest,
    ...(codingTime ? { coding_time: codingTime } : {}),
  });
}

/** `fields` appended to a JSON object's text, without re-serialising what it holds (clients ignore unknown fields). */
function withFields(documentJson: string, fields: Record<string, unknown>): string {
  const extra = Object.entries(fields).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  if (extra.length === 0) return documentJson;
  const end = documentJson.lastIndexOf("}");
  const separator = documentJson.slice(0, end).trim().endsWith("{") ? "" : ",";
  return `${documentJson.slice(0, end)}${separator}${extra.join(",")}}`;
}

/** The document of the token's user (the plugins' own-profile call), or null for an unknown or inactive token. */
export async function ownProfileDocument(env: Env, token: string): Promise<string | null> {
  const tokenHash = await hashToken(token);
  const auth = await findActiveMachineByTokenHash(await databaseForToken(env, tokenHash), tokenHash);
  return auth ? profileDocument(env, auth.user, true) : null;
}
