// A Durable Object's `meta` table (key → value) behind a write-through cache, read once per object
// start: the objects read several of its values on every pulse.

export class MetaTable<M extends { [K in keyof M]: SqlStorageValue }> {
  private cache: Map<keyof M, SqlStorageValue> | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)");
  }

  get<K extends keyof M & string>(key: K): M[K] | null {
    this.cache ??= new Map(
      this.sql
        .exec<{ key: string; value: SqlStorageValue }>("SELECT key, value FROM meta")
        .toArray()
        .map((r) => [r.key as keyof M, r.value]),
    );
    return (this.cache.get(key) as M[K] | undefined) ?? null;
  }

  /** Writes only when the value changes. */
  set<K extends keyof M & string>(key: K, value: M[K]): void {
    if (this.get(key) === value) return;
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.cache!.set(key, value);
  }

  clear(): void {
    this.sql.exec("DELETE FROM meta");
    this.cache = new Map();
  }
}
