// CPU time of the serving workerd process(es): the user+system time of every workerd below a
// `wrangler dev` process, read from /proc (Linux), so a measurement can report CPU ms per request.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const name = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    return { name, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** A function returning the CPU ms used so far by the workerd processes under `rootPid` (null off Linux). */
export function workerdCpu(rootPid) {
  return () => {
    let procs;
    try {
      procs = readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .map((pid) => ({ pid: Number(pid), ...stat(pid) }))
        .filter((p) => p.name !== undefined);
    } catch {
      return null;
    }
    const below = new Set([rootPid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of procs) if (!below.has(p.pid) && below.has(p.ppid)) below.add(p.pid), (grew = true);
    }
    let ticks = 0;
    for (const p of procs) if (below.has(p.pid) && p.name.startsWith("workerd")) ticks += p.ticks;
    return (ticks * 1000) / TICKS_PER_SECOND;
  };
}

/**
 * Waits until the server is quiet, less than `maxMsPerSecond` of CPU in a one-second window (work an
 * earlier suite left behind: alarms, flushes, closing sockets), for at most `limitMs`. Returns how
 * long it waited and the last window's CPU ms per second (null without CPU readings).
 */
export async function waitForQuiet(cpu, { maxMsPerSecond = 20, limitMs = 60_000 } = {}) {
  if (!cpu || cpu() === null) return null;
  const start = Date.now();
  for (;;) {
    const before = cpu();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = cpu() - before;
    if (used < maxMsPerSecond || Date.now() - start >= limitMs) return { waitedMs: Date.now() - start, cpuMsPerSecond: used };
  }
}
