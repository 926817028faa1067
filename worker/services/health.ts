// GET /api/health: the build version and whether D1 (every partition's database) answers, probed at most once a second per isolate
// (so that the check stays about as cheap as the Worker itself; the benchmarks use it as their baseline).
import type { Env } from "../env";
import { databaseAnswers } from "../db/health";
import { allDatabases } from "../db/partitions";
import { log } from "../observability/log";
import packageJson from "../../package.json";

const PROBE_EVERY_MS = 1_000;

export interface Health {
  ok: boolean;
  version: string;
  d1: "ok" | "unavailable";
  /** When D1 was last probed (ISO time). */
  d1_checked_at: string;
}

// The last probe's answer (a value, not a promise: requests must not await each other's I/O).
let last: { at: number; answers: boolean } | null = null;

export async function health(env: Env, now: number): Promise<Health> {
  if (!last || now - last.at >= PROBE_EVERY_MS)
    last = { at: now, answers: (await Promise.all(allDatabases(env).map(databaseAnswers))).every(Boolean) };
  const { at, answers } = last;
  if (!answers) log("error", "health: D1 does not answer");
  return {
    ok: answers,
    version: env.BUILD_VERSION || packageJson.version,
    d1: answers ? "ok" : "unavailable",
    d1_checked_at: new Date(at).toISOString(),
  };
}
