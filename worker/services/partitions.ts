// Finding the database of the user a request is about. An id names its partition; a username or a
// machine token is looked up in the directory (default database) and remembered by the isolate: the
// map never changes for a token, and a cached name is re-checked when the account is not found there.
// A deployment with one database never reads the directory.
import type { Env } from "../env";
import { choosePartition, openPartitions, partitionOfId } from "../domain/partition";
import { usernameKey } from "../domain/username";
import { accountsPerPartition, findNameHome, findTokenHome, putTokenHome } from "../db/directory";
import { databaseAt, partitionCount } from "../db/partitions";

const MAX_CACHED = 50_000;
/** Token hash → partition (0 for tokens the directory does not list, which includes unknown ones). */
const tokenHomes = new Map<string, number>();
/** Username key → partition. */
const nameHomes = new Map<string, number>();

function remember(cache: Map<string, number>, key: string, partition: number): void {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, partition);
}

/**
 * The database a machine token's user is on. Steady state: no D1 read (the isolate remembers it);
 * the first use in an isolate costs one indexed read of the directory. The write itself still checks
 * the token there, so a revoked token is refused at once.
 */
export async function databaseForToken(env: Env, tokenHash: string): Promise<D1Database> {
  if (partitionCount(env) === 1) return env.DB;
  let partition = tokenHomes.get(tokenHash);
  if (partition === undefined) {
    const owner = await findTokenHome(env.DB, tokenHash);
    partition = owner === null ? 0 : partitionOfId(owner);
    remember(tokenHomes, tokenHash, partition);
  }
  return databaseAt(env, partition) ?? env.DB;
}

/**
 * Runs `read` on the database of the account named `name`; a null answer from a remembered partition
 * is checked once more against the directory (the name may have been freed and claimed elsewhere).
 */
export async function onDatabaseOfName<T>(env: Env, name: string, read: (db: D1Database) => Promise<T | null>): Promise<T | null> {
  if (partitionCount(env) === 1) return read(env.DB);
  const key = usernameKey(name);
  const cached = nameHomes.get(key);
  if (cached !== undefined) {
    const db = databaseAt(env, cached);
    const found = db ? await read(db) : null;
    if (found !== null) return found;
  }
  const partition = (await findNameHome(env.DB, key)) ?? 0;
  remember(nameHomes, key, partition);
  if (partition === cached) return null;
  const db = databaseAt(env, partition);
  return db ? read(db) : null;
}

/** The partition a new account goes to: the open one (NEW_USER_PARTITIONS) with the fewest accounts. */
export async function partitionForNewAccount(env: Env): Promise<number> {
  const count = partitionCount(env);
  if (count === 1) return 0;
  const open = openPartitions(env.NEW_USER_PARTITIONS, count);
  if (open.length === 1) return open[0]!;
  return choosePartition(open, await accountsPerPartition(env.DB));
}

/**
 * Lists a new machine token of a user outside the default database in the directory, before the
 * machine row holds it: an isolate that finds a token unlisted may remember that for good.
 */
export async function listToken(env: Env, tokenHash: string, userId: number): Promise<void> {
  if (partitionOfId(userId) !== 0) await putTokenHome(env.DB, tokenHash, userId);
}
