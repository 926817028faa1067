// Partitions: which of a deployment's D1 databases holds a user. Partition k hands out ids (of users and
// of everything they own) from k·2^40 on, so an id names its database without a lookup, and ids stay
// unique across databases (the front page counts pulses by id, the leaderboard follows them by id).

/** Ids of partition k are in [k·SPAN, (k+1)·SPAN): 2^40 rows per table per partition, 8,191 partitions below 2^53. */
export const PARTITION_ID_SPAN = 2 ** 40;
/** Bindings DB (partition 0), DB_1 ... DB_63. */
export const MAX_PARTITIONS = 64;

export function partitionOfId(id: number): number {
  return Math.floor(id / PARTITION_ID_SPAN);
}

/** The counter every AUTOINCREMENT table of partition k starts from (its first id is this plus one). */
export function idFloorOf(partition: number): number {
  return partition * PARTITION_ID_SPAN;
}

/**
 * The partitions that take new accounts: `setting` lists partition numbers ("0,1"), empty or absent
 * means every bound one. Unknown or unbound numbers are ignored; if nothing is left, partition 0.
 */
export function openPartitions(setting: string | undefined, bound: number): number[] {
  const all = Array.from({ length: bound }, (_, k) => k);
  if (setting === undefined || setting.trim() === "") return all;
  const listed = setting
    .split(",")
    .map((s) => Number(s.trim()))
    .filter((k) => Number.isInteger(k) && k >= 0 && k < bound);
  return listed.length > 0 ? [...new Set(listed)].sort((a, b) => a - b) : [0];
}

/** Where a new account goes: the open partition with the fewest accounts (the lowest number on a tie). */
export function choosePartition(open: readonly number[], accounts: ReadonlyMap<number, number>): number {
  let best = open[0] ?? 0;
  for (const k of open) if ((accounts.get(k) ?? 0) < (accounts.get(best) ?? 0)) best = k;
  return best;
}

/**
 * Secrets that name their account's partition (session cookies, reset links): a `randomSecret()`
 * (43 base64url characters), then ".k" for partition k > 0. A forged suffix only sends the lookup to
 * a database where that secret's hash does not exist.
 */
const PARTITIONED_SECRET = /^[A-Za-z0-9_-]{43}(?:\.[1-9][0-9]?)?$/;

export function isPartitionedSecret(value: string | undefined): value is string {
  return value !== undefined && PARTITIONED_SECRET.test(value);
}

/** `secret` marked with `partition` (unchanged for partition 0). */
export function withPartition(secret: string, partition: number): string {
  return partition === 0 ? secret : `${secret}.${partition}`;
}

/** The partition a partitioned secret names (0 without a suffix). */
export function partitionOfSecret(value: string): number {
  const dot = value.indexOf(".");
  return dot < 0 ? 0 : Number(value.slice(dot + 1));
}
