// Group commit: concurrent writers in one isolate share D1 round trips.
//
// A D1 call costs far more than a small statement it carries (a network hop to the database's primary
// in production; a serialized call into the database object locally, about 1 ms of CPU against
// tenths for the SQL), and D1 runs one query at a time anyway. So while one batch is in flight,
// writers that arrive queue up, and when it lands the queue goes out as the next batch. A lone writer
// goes out at once: no writer is held back to wait for company, and batches only form under load,
// where they pay off.
//
// - Each writer's statements stay all-or-nothing: a batch is one transaction, and if it fails, every
//   member runs its own statements again alone (nothing of the failed batch was committed), so one
//   bad write cannot fail its neighbours and each caller sees its own error.
// - No promise crosses requests. The writers are different requests, and a continuation that another
//   request settles is at the runtime's mercy: under sustained load workerd ran some in the wrong
//   request's context ("Cannot perform I/O on behalf of a different request") or judged the waiting
//   request hung and cancelled it, and a cancelled member that had been handed the lead held the pipe
//   shut for everyone. So the sender only writes each member's outcome into the member's record, and
//   every waiter looks at its own record on its own timer, in its own request: a result it finds is
//   its own, and when it finds the pipe idle it takes the queue (itself first) and sends it. No
//   member depends on any other member being alive.
// - Each request sends at most one batch, its own writes included, with its own D1 binding. Callers
//   pass `keepAlive` (their `waitUntil`) so that a member whose client hung up still sends the batch
//   it took.
// - No wait is unbounded: a writer still queued after `maxWaitMs` leaves the queue and sends its
//   statements alone, and a batch out for `maxWaitMs` counts as lost (its sender's request may have
//   been cancelled): it frees the pipe, and its members send their statements alone. That is why the
//   statements must be idempotent: a batch that was slow, not lost, may then have written them too,
//   and the second run must change nothing.
//
// - Several databases (partitions) share the one pipe: a batch carries the writes of one database
//   (that of the writer taking the queue; writers for other databases stay queued, in order), and
//   one batch is in flight per isolate. Locally a round trip is the cost (each is a serialized call
//   into a database object, on the same cores for every database), and in production D1 takes a
//   database's queries one at a time: fewer, larger batches serve both. The price is latency under
//   saturation only: a writer may wait for one in-flight batch per database before its own.
//   Measured (`npm run bench`, partitions): with a pipe per database, two databases took 3.3
//   statements per round trip against 5.5 for one, and ingested 6-10% less; with the shared pipe,
//   5.4 per round trip and no slower than one.
//
// The batches are D1's own `batch` of prepared statements, not drizzle's: the members' statements are
// raw SQL with parameters (drizzle `sql` rendered by their modules, see raw-sql.ts), which drizzle's
// D1 batch cannot bind, and each member gets back its own slice of the raw results.
import type { Query } from "drizzle-orm";
import { log } from "../observability/log";

/** Keeps the calling request alive until `work` settles (its `waitUntil`). */
export type KeepAlive = (work: Promise<unknown>) => void;

/** One statement as drizzle renders it: SQL text with `?` parameters and their values. */
export type Statement = Query;

type Outcome =
  | { kind: "done"; results: D1Result[] } // committed as part of a shared batch
  | { kind: "alone" }; // the shared batch failed: run your statements by themselves

/** A batch in flight: when it left. */
interface Batch {
  readonly since: number;
}

interface Member {
  readonly db: D1Database;
  readonly statements: readonly Statement[];
  /** The batch the member was taken into, once it was. */
  batch: Batch | null;
  /** Written by the sender of that batch; read only by the member itself. */
  outcome: Outcome | null;
}

/** How often a waiting writer looks at its record and at the pipe. */
const POLL_MS = 1;

export class GroupCommit {
  #waiting: Member[] = [];
  /** The batch in flight, or null when the pipe is idle. */
  #inFlight: Batch | null = null;
  #batchesSent = 0;
  #statementsSent = 0;

  /**
   * `maxStatements` bounds a shared batch (D1 counts every statement against the sender's query
   * limit); `maxWaitMs` bounds how long a writer waits for others before sending alone.
   */
  constructor(
    readonly maxStatements: number,
    readonly maxWaitMs = 5_000,
  ) {}

  /** Round trips to D1 so far: how many batches the writes took. */
  get batchesSent(): number {
    return this.#batchesSent;
  }

  /** Statements those round trips carried. */
  get statementsSent(): number {
    return this.#statementsSent;
  }

  /**
   * Runs idempotent statements as one transaction, possibly inside a batch shared with other
   * writers; returns their results.
   */
  run(db: D1Database, statements: readonly Statement[], keepAlive?: KeepAlive): Promise<D1Result[]> {
    const work = this.#run(db, { db, statements, batch: null, outcome: null });
    keepAlive?.(work.catch(() => undefined));
    return work;
  }

  async #run(db: D1Database, self: Member): Promise<D1Result[]> {
    // An idle pipe: go at once, taking along whoever is still queued from the batch before.
    if (!this.#pipeBusy()) return this.#lead(db, this.#groupOf(self));
    this.#waiting.push(self);
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const outcome = self.outcome;
      if (outcome?.kind === "done") return outcome.results;
      if (outcome?.kind === "alone") return this.#send(db, self.statements);
      if (self.batch) {
        // Taken into a batch: wait for it, unless it counts as lost.
        if (this.#inFlight === self.batch && Date.now() - self.batch.since < this.maxWaitMs) continue;
        log("warn", `group commit: a shared batch did not come back in ${this.maxWaitMs} ms; writing alone`);
        return this.#send(db, self.statements);
      }
      if (!this.#pipeBusy()) return this.#lead(db, this.#groupOf(self));
      if (Date.now() >= deadline) {
        this.#waiting.splice(this.#waiting.indexOf(self), 1);
        log("warn", `group commit: gave up waiting after ${this.maxWaitMs} ms; writing alone`);
        return this.#send(db, self.statements);
      }
    }
  }

  /** Whether a batch is in flight; one out for longer than `maxWaitMs` counts as lost and frees the pipe. */
  #pipeBusy(): boolean {
    return this.#inFlight !== null && Date.now() - this.#inFlight.since < this.maxWaitMs;
  }

  /** `self` first, then queued writers in arrival order, within `maxStatements`; all leave the queue. */
  #groupOf(self: Member): Member[] {
    const queued = this.#waiting.indexOf(self);
    if (queued >= 0) this.#waiting.splice(queued, 1);
    const group = [self];
    let size = self.statements.length;
    for (let i = 0; i < this.#waiting.length; ) {
      const next = this.#waiting[i]!;
      if (next.db !== self.db) {
        i++;
        continue;
      }
      if (size + next.statements.length > this.maxStatements) break;
      this.#waiting.splice(i, 1);
      size += next.statements.length;
      group.push(next);
    }
    return group;
  }

  /** Sends `group` (whose first member is the caller) as one batch and records each member's outcome. */
  async #lead(db: D1Database, group: Member[]): Promise<D1Result[]> {
    const batch: Batch = { since: Date.now() };
    this.#inFlight = batch;
    for (const member of group) member.batch = batch;
    // A batch given up for lost that lands after all must not free the pipe of the one after it.
    const landed = () => {
      if (this.#inFlight === batch) this.#inFlight = null;
    };
    let results: D1Result[];
    try {
      results = await this.#send(
        db,
        group.flatMap((m) => m.statements),
      );
    } catch (error) {
      landed();
      if (group.length === 1) throw error;
      for (const member of group.slice(1)) member.outcome = { kind: "alone" };
      return this.#send(db, group[0]!.statements);
    }
    landed();
    let offset = group[0]!.statements.length;
    for (const member of group.slice(1)) {
      const end = offset + member.statements.length;
      member.outcome = { kind: "done", results: results.slice(offset, end) };
      offset = end;
    }
    return results.slice(0, group[0]!.statements.length);
  }

  #send(db: D1Database, statements: readonly Statement[]): Promise<D1Result[]> {
    this.#batchesSent++;
    this.#statementsSent += statements.length;
    return runInOneTransaction(db, statements);
  }
}

/** One round trip and one transaction for the statements, without waiting for anyone. */
export async function runInOneTransaction(db: D1Database, statements: readonly Statement[]): Promise<D1Result[]> {
  const prepared = statements.map((s) => db.prepare(s.sql).bind(...s.params));
  // A lone statement needs no batch (a batch only adds the transaction it already is).
  return prepared.length === 1 ? [await prepared[0]!.all()] : db.batch(prepared);
}
