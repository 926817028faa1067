// A thin wrapper around autocannon: one measured run, summarised the same way for every benchmark.
import autocannon from "autocannon";

export async function measure({ url, requests, connections = 32, seconds = 10, warmupSeconds = 2 }) {
  if (warmupSeconds > 0) await runOnce({ url, requests, connections, duration: warmupSeconds });
  const r = await runOnce({ url, requests, connections, duration: seconds });
  return {
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
export async function compare({ url, baseline, subject, rounds = 3, ...options }) {
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    const b = await measure({ url, requests: baseline, ...options });
    const s = await measure({ url, requests: subject, ...options });
    runs.push({ baseline: b, subject: s, ratio: s.rps / b.rps });
  }
  const median = [...runs].sort((a, b) => a.ratio - b.ratio)[Math.floor(runs.length / 2)];
  return { ...median, rounds: runs.map((r) => Number(r.ratio.toFixed(3))) };
}

function runOnce({ url, requests, connections, duration }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, requests, connections, duration, pipelining: 1 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
