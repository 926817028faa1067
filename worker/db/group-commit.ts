// Group commit: concurrent writers in one isolate share D1 round trips.
//
// A D1 call costs far more than a small statement it carries (a network hop to the database's primary
// in production; a serialized call into the database object locally, about 1 ms of CPU against
// tenths for the SQL), and D1 runs one query at a time anyway. So while one batch is in flight,
// writers that arrive queue up, and when it lands the queue goes out as the next batch, sent by its
// first member. A lone writer goes out at once: no writer is held back to wait for company, and
// batches only form under load, where they pay off.
//
// - Each writer's statements stay all-or-nothing: a batch is one transaction, and if it fails, every
//   member runs its own statements again alone (nothing of the failed batch was committed), so one
//   bad write cannot fail its neighbours and each caller sees its own error.
// - Each request sends at most one batch, its own writes included. The waits and the hand-over are
//   promises settled from another request's context, which the runtime supports (the default
//   `handle_cross_request_promise_resolution` behaviour). Callers pass `keepAlive` (their
//   `waitUntil`) so that a member whose client hung up still sends the batch it is handed.
// - No wait is unbounded: a writer that has waited `maxWaitMs` (a lost hand-over, a stuck batch)
//   stops waiting, reopens the pipe and sends its statements alone. That is why the statements must
//   be idempotent: they may then run twice, and the second run must change nothing.
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

type Turn =
  | { kind: "done"; results: D1Result[] } // committed as part of a shared batch
  | { kind: "lead"; group: Member[] } // the batch before finished: send this group (you are its first)
  | { kind: "alone" }; // the shared batch failed, or the wait timed out: run your statements by themselves

interface Member {
  statements: readonly Statement[];
  settle(turn: Turn): void;
}

export class GroupCommit {
  #waiting: Member[] = [];
  #inFlight = false;
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
    const work = this.#run(db, statements);
    keepAlive?.(work.catch(() => undefined));
    return work;
  }

  async #run(db: D1Database, statements: readonly Statement[]): Promise<D1Result[]> {
    if (!this.#inFlight) {
      this.#inFlight = true;
      return this.#lead(db, [{ statements, settle: () => undefined }]);
    }
    const turn = await this.#wait(statements);
    switch (turn.kind) {
      case "done":
        return turn.results;
      case "alone":
        return this.#send(db, statements);
      case "lead":
        return this.#lead(db, turn.group);
    }
  }

  #wait(statements: readonly Statement[]): Promise<Turn> {
    return new Promise<Turn>((resolve) => {
      const member: Member = {
        statements,
        settle: (turn) => {
          clearTimeout(timer);
          resolve(turn);
        },
      };
      const timer = setTimeout(() => {
        const queued = this.#waiting.indexOf(member);
        if (queued >= 0) this.#waiting.splice(queued, 1);
        // Whatever held the pipe did not come back in time: let the next writer lead again.
        log("warn", `group commit: gave up waiting after ${this.maxWaitMs} ms; writing alone`);
        this.#inFlight = false;
        resolve({ kind: "alone" });
      }, this.maxWaitMs);
      this.#waiting.push(member);
    });
  }

  /** Sends `group` (whose first member is the caller) as one batch, then hands the queue on. */
  async #lead(db: D1Database, group: Member[]): Promise<D1Result[]> {
    let results: D1Result[];
    try {
      results = await this.#send(
        db,
        group.flatMap((m) => m.statements),
      );
    } catch (error) {
      this.#handOver();
      if (group.length === 1) throw error;
      for (const member of group.slice(1)) member.settle({ kind: "alone" });
      return this.#send(db, group[0]!.statements);
    }
    this.#handOver();
    let offset = group[0]!.statements.length;
    for (const member of group.slice(1)) {
      const end = offset + member.statements.length;
      member.settle({ kind: "done", results: results.slice(offset, end) });
      offset = end;
    }
    return results.slice(0, group[0]!.statements.length);
  }

  /** Makes the next queued group's first member its sender, or marks the pipe idle. */
  #handOver(): void {
    if (this.#waiting.length === 0) {
      this.#inFlight = false;
      return;
    }
    const group = [this.#waiting.shift()!];
    let size = group[0]!.statements.length;
    while (this.#waiting.length > 0 && size + this.#waiting[0]!.statements.length <= this.maxStatements) {
      const next = this.#waiting.shift()!;
      size += next.statements.length;
      group.push(next);
    }
    this.#inFlight = true;
    group[0]!.settle({ kind: "lead", group });
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
