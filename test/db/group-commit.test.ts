// Group commit on real D1: concurrent writers share round trips, and still each see their own
// results and their own failures.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { GroupCommit, type Statement } from "../../worker/db/group-commit";
import { isConstraintError } from "../../worker/db/sql";

beforeAll(async () => {
  for (const db of [env.DB, env.DB_1!])
    await db
      .prepare("CREATE TABLE IF NOT EXISTS group_commit_probe (id INTEGER PRIMARY KEY, tag TEXT NOT NULL CHECK (tag <> 'bad'))")
      .run();
});

const insert = (tag: string): Statement => ({ sql: "INSERT INTO group_commit_probe (tag) VALUES (?) RETURNING id, tag", params: [tag] });
const rowsTagged = async (prefix: string, db: D1Database = env.DB) =>
  (
    await db.prepare("SELECT tag FROM group_commit_probe WHERE tag LIKE ? ORDER BY id").bind(`${prefix}%`).all<{ tag: string }>()
  ).results.map((r) => r.tag);

describe("GroupCommit", () => {
  it("sends a lone writer at once, in one round trip", async () => {
    const writes = new GroupCommit(40);
    const [result] = await writes.run(env.DB, [insert("lone")]);
    expect(result!.results).toEqual([{ id: expect.any(Number), tag: "lone" }]);
    expect(writes.batchesSent).toBe(1);
  });

  it("sends writers that arrive while a batch is in flight together, each getting its own results", async () => {
    const writes = new GroupCommit(40);
    const tags = Array.from({ length: 20 }, (_, i) => `shared-${i}`);
    const results = await Promise.all(tags.map((tag) => writes.run(env.DB, [insert(tag)])));
    // The first goes alone; the other 19 queue behind it and go out as one batch.
    expect(writes.batchesSent).toBe(2);
    expect(results.map(([r]) => (r!.results[0] as { tag: string }).tag)).toEqual(tags);
    expect(await rowsTagged("shared-")).toEqual(tags);
  });

  it("shares one pipe between databases, each batch going to one database with only its writers", async () => {
    const writes = new GroupCommit(40);
    const tags = Array.from({ length: 20 }, (_, i) => `two-${i}`);
    const dbOf = (i: number) => (i % 2 === 0 ? env.DB : env.DB_1!);
    const results = await Promise.all(tags.map((tag, i) => writes.run(dbOf(i), [insert(tag)])));
    expect(results.map(([r]) => (r!.results[0] as { tag: string }).tag)).toEqual(tags);
    expect(await rowsTagged("two-", env.DB)).toEqual(tags.filter((_, i) => i % 2 === 0));
    expect(await rowsTagged("two-", env.DB_1)).toEqual(tags.filter((_, i) => i % 2 === 1));
    // The first alone, then one batch per database for the writers queued behind it.
    expect(writes.batchesSent).toBe(3);
  });

  it("keeps a shared batch within maxStatements", async () => {
    const writes = new GroupCommit(5);
    await Promise.all(Array.from({ length: 20 }, (_, i) => writes.run(env.DB, [insert(`bounded-${i}`)])));
    expect(writes.batchesSent).toBe(5); // 1 alone, then 5 + 5 + 5 + 4
    expect(await rowsTagged("bounded-")).toHaveLength(20);
  });

  it("fails only the writer whose statements fail: its neighbours are committed, it leaves nothing", async () => {
    const writes = new GroupCommit(40);
    const settled = await Promise.allSettled([
      writes.run(env.DB, [insert("isolated-first")]),
      writes.run(env.DB, [insert("isolated-a")]),
      // One writer's two statements: the second breaks a constraint, so the first must not stay either.
      writes.run(env.DB, [insert("isolated-half"), insert("bad")]),
      writes.run(env.DB, [insert("isolated-b")]),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(isConstraintError((settled[2] as PromiseRejectedResult).reason, "CHECK constraint failed")).toBe(true);
    expect(await rowsTagged("isolated-")).toEqual(["isolated-first", "isolated-a", "isolated-b"]);
    // 1 alone, the shared batch that failed, then each of its three members alone.
    expect(writes.batchesSent).toBe(5);
  });

  it("goes idle after a batch, so the next lone writer is sent at once again", async () => {
    const writes = new GroupCommit(40);
    await Promise.all([writes.run(env.DB, [insert("idle-1")]), writes.run(env.DB, [insert("idle-2")])]);
    await writes.run(env.DB, [insert("idle-3")]);
    expect(writes.batchesSent).toBe(3);
    expect(await rowsTagged("idle-")).toEqual(["idle-1", "idle-2", "idle-3"]);
  });
});
