// Reads stay flat when nobody watched: a user's object is built, then 10,000 pulses land in D1 that
// it is never told about (nobody watches); the first read must catch up (it rebuilds from the
// rollups) and later reads are ordinary. Sequential reads, timed one by one.
import { appendPulses, seedUserWithHistory } from "../fixtures.mjs";

const READS = 20;

async function timedRead(url, username) {
  const started = performance.now();
  const res = await fetch(`${url}/api/users/${username}`);
  if (res.status !== 200) throw new Error(`profile read answered ${res.status}`);
  const body = await res.json();
  return { ms: performance.now() - started, totalXp: body.total_xp };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function catchUpSuite(ctx, unheard = 10_000) {
  const username = "catchup";
  const before = 1_000;
  seedUserWithHistory(ctx.persistTo, { username, pulses: before });
  await timedRead(ctx.url, username); // builds the object
  const warm = [];
  for (let i = 0; i < READS; i++) warm.push((await timedRead(ctx.url, username)).ms);
  appendPulses(ctx.persistTo, { username, fromSeq: before, pulses: unheard });
  const first = await timedRead(ctx.url, username);
  const after = [];
  for (let i = 0; i < READS; i++) after.push((await timedRead(ctx.url, username)).ms);
  // XP of pulse i is (i % 50) + 1 in both the seeded history and the appended pulses.
  const xpOf = (n) => Array.from({ length: n }, (_, i) => ((i + 1) % 50) + 1).reduce((a, b) => a + b, 0);
  const expectedXp = xpOf(before) + xpOf(unheard);
  return {
    unheardPulses: unheard,
    readBeforeMs: Math.round(median(warm)),
    firstReadMs: Math.round(first.ms),
    readAfterMs: Math.round(median(after)),
    exact: first.totalXp === expectedXp,
  };
}
