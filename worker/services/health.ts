// GET /api/health: the build version and whether D1 answers, probed at most once a second per isolate
// (so that the check stays about as cheap as the Worker itself; the benchmarks use it as their baseline).
import type { Env } from "../env";
import { databaseAnswers } from "../db/health";
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

let probe: { at: number; answer: Promise<boolean> } | null = null;

export async function health(env: Env, now: number): Promise<Health> {
  if (!probe || now - probe.at >= PROBE_EVERY_MS) {
    probe = { at: now, answer: databaseAnswers(env.DB) };
  }
  const { at, answer } = probe;
  const d1 = (await answer) ? "ok" : "unavailable";
  if (d1 === "unavailable") log("error", "health: D1 does not answer");
  return { ok: d1 === "ok", version: env.BUILD_VERSION || packageJson.version, d1, d1_checked_at: new Date(at).toISOString() };
}
