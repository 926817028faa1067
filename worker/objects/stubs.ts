// The one place that names Durable Objects: the stubs of a user's objects (live aggregates, import),
// of the leaderboards, and which aggregator shard and relay a pulse or a viewer goes to. Shard and relay counts come from configuration (FEED_SHARDS,
// FEED_RELAYS in wrangler.toml), so a deployment scales them without code changes.
import type { Env } from "../env";

const GLOBAL_FEED_NAME = "global";
const LEADERBOARD_NAME = "global";

function configured(value: string | undefined, fallback: number): number {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : fallback;
}

export const shardCount = (env: Env) => configured(env.FEED_SHARDS, 2);
const relayCount = (env: Env) => configured(env.FEED_RELAYS, 2);

/** The user's live object (named by user id). */
export function userObject(env: Env, userId: number) {
  return env.USER_STATS.getByName(String(userId));
}

export function feedShardFor(env: Env, userId: number) {
  return env.FEED_SHARD.getByName(`shard:${userId % shardCount(env)}`);
}

/** The relay for a viewer (by a key such as the client address), with the relay's name. */
export function feedRelayFor(env: Env, key: string) {
  let h = 2166136261; // FNV-1a: spreads viewers evenly and keeps one viewer on one relay
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  const name = `relay:${(h >>> 0) % relayCount(env)}`;
  return { name, stub: relayNamed(env, name) };
}

export function relayNamed(env: Env, name: string) {
  return env.FEED_RELAY.getByName(name);
}

export function globalFeed(env: Env) {
  return env.GLOBAL_FEED.getByName(GLOBAL_FEED_NAME);
}

/** The user's import (named by user id): upload chunks, staged rows, progress. */
export function importObject(env: Env, userId: number) {
  return env.IMPORT_JOB.getByName(String(userId));
}

/** The one leaderboards object (every board is a view of its scores). */
export function leaderboardObject(env: Env) {
  return env.LEADERBOARDS.getByName(LEADERBOARD_NAME);
}
