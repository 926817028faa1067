// A user's own language aliases (preferences): validation, the re-pointing of past XP, and the live
// object's rebuild afterwards, so profile, API and everything reading the rollups agree exactly.
import type { Env } from "../env";
import { ensureLanguage, findUserAliasesOf, listUserAliases, repointUserAlias, type UserAlias } from "../db/language-aliases";
import { languageKey, normalizeLanguageName } from "../domain/language";
import { MAX_LANGUAGE_LENGTH } from "../domain/pulse";
import { publishAccountEvent } from "./account-events";
import { databaseOf } from "../db/partitions";

const MAX_USER_ALIASES = 100;

export type AliasResult = { kind: "ok"; source: string; target: string } | { kind: "invalid"; message: string };

export function aliasesOf(db: D1Database, userId: number): Promise<UserAlias[]> {
  return listUserAliases(db, userId);
}

function languageName(raw: string, what: string): string | { message: string } {
  const name = normalizeLanguageName(raw);
  if (raw.trim() === "") return { message: `Enter the ${what}.` };
  if (name === null) return { message: `The ${what} must be plain text.` };
  if (name.length > MAX_LANGUAGE_LENGTH) return { message: `The ${what} must be at most ${MAX_LANGUAGE_LENGTH} characters.` };
  return name;
}

/** Books the user's XP sent as `rawSource` (past and future) on `rawTarget`. */
export async function setAlias(env: Env, userId: number, rawSource: string, rawTarget: string): Promise<AliasResult> {
  const sourceName = languageName(rawSource, "language name");
  if (typeof sourceName !== "string") return { kind: "invalid", ...sourceName };
  const targetName = languageName(rawTarget, "language to book it on");
  if (typeof targetName !== "string") return { kind: "invalid", ...targetName };
  if (languageKey(sourceName) === languageKey(targetName)) return { kind: "invalid", message: "A language cannot be an alias of itself." };
  const db = databaseOf(env, userId);

  const source = await ensureLanguage(db, sourceName);
  const target = await ensureLanguage(db, targetName);
  const existing = await findUserAliasesOf(db, userId);
  if (existing.some((a) => a.languageId === target.id)) {
    return { kind: "invalid", message: `${target.name} is itself an alias in your list; book ${source.name} on its target instead.` };
  }
  if (existing.some((a) => a.targetId === source.id)) {
    return { kind: "invalid", message: `Other names are booked on ${source.name}; remove those aliases first.` };
  }
  if (existing.length >= MAX_USER_ALIASES && !existing.some((a) => a.languageId === source.id)) {
    return { kind: "invalid", message: `At most ${MAX_USER_ALIASES} aliases.` };
  }
  await repointUserAlias(db, userId, source, target, Date.now());
  await publishAccountEvent(env, { type: "history-changed", userId });
  return { kind: "ok", source: source.name, target: target.name };
}

/** Books the user's XP sent as `rawSource` on the language itself again (or its global alias). */
export async function removeAlias(env: Env, userId: number, rawSource: string): Promise<AliasResult> {
  const sourceName = languageName(rawSource, "language name");
  if (typeof sourceName !== "string") return { kind: "invalid", ...sourceName };
  const db = databaseOf(env, userId);
  const source = await ensureLanguage(db, sourceName);
  const existing = (await findUserAliasesOf(db, userId)).find((a) => a.languageId === source.id);
  if (!existing) return { kind: "invalid", message: `${source.name} has no alias.` };
  await repointUserAlias(db, userId, source, null, Date.now());
  await publishAccountEvent(env, { type: "history-changed", userId });
  return { kind: "ok", source: source.name, target: source.name };
}
