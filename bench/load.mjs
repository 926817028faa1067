// A thin wrapper around autocannon: one measured run, summarised the same way for every benchmark.
import autocannon from "autocannon";

/** `cpu` (optional) returns the serving process's CPU ms so far: the result then has CPU ms per request. */
export async function measure({ url, requests, connections = 32, seconds = 10, warmupSeconds = 2, cpu = null }) {
  if (warmupSeconds > 0) await runOnce({ url, requests, connections, duration: warmupSeconds });
  const cpuBefore = cpu?.() ?? null;
  const r = await runOnce({ url, requests, connections, duration: seconds });
  // Work a request leaves behind (its waitUntil, the batches and alarms it causes) counts too.
  if (cpu) await new Promise((resolve) => setTimeout(resolve, 1_000));
  const cpuAfter = cpu?.() ?? null;
  return {
    ...(cpuBefore !== null && cpuAfter !== null && r.requests.total > 0
      ? { cpuMsPerRequest: Number(((cpuAfter - cpuBefore) / r.requests.total).toFixed(2)) }
      : {}),
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/**
 * Measures a subject against a baseline in alternating rounds (baseline, subject, baseline, ...):
 * machine noise then hits both alike, and the median round ratio is what is reported.
 */
export async function compare({ subject, ...options }) {
  return (await compareEach({ ...options, subjects: { subject } })).subject;
}

/**
 * Several subjects against one baseline, each round measuring the baseline and then every subject
 * (in alternating order); each subject's median round (by its ratio to that round's baseline) is reported.
 */
export async function compareEach({ url, baseline, subjects, rounds = 3, ...options }) {
  const runs = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    const b = await measure({ url, requests: baseline, ...options });
    const names = Object.keys(subjects);
    if (i % 2 === 1) names.reverse(); // no subject always runs right after the baseline
    for (const name of names) {
      const s = await measure({ url, requests: subjects[name], ...options });
      runs[name].push({ baseline: b, subject: s, ratio: s.rps / b.rps });
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, list]) => {
      const median = [...list].sort((a, b) => a.ratio - b.ratio)[Math.floor(list.length / 2)];
      return [name, { ...median, rounds: list.map((r) => Number(r.ratio.toFixed(3))) }];
    }),
  );
}

function runOnce({ url, requests, connections, duration }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, requests, connections, duration, pipelining: 1 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
