// Live latency: from sending POST /api/my/pulses to the message on every viewer's socket of that
// profile, with 1, 100 and 1,000 viewers. Pulses are spaced wider than the coalescing interval, so
// the figure is the path's latency, not the coalescing delay. The viewers are raw sockets that stamp
// each message when its bytes arrive (bench/raw-socket.mjs), and the same client's own share is
// measured beside it (bench/client-floor.mjs): one thread reading a thousand sockets is not free.
import { seedUsers } from "../fixtures.mjs";
import { clientFloor } from "../client-floor.mjs";
import { waitForQuiet } from "../cpu.mjs";
import { firstMatchOnEach, openRawSocket } from "../raw-socket.mjs";

const SPACING_MS = 400;
const SETTLE_MS = 3_000;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function openViewers(url, username, count) {
  const wsUrl = url.replace(/^http/, "ws") + `/live/users/${encodeURIComponent(username)}`;
  const sockets = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from(
      { length: Math.min(50, count - i) },
      () =>
        new Promise((resolve, reject) => {
          const opening = openRawSocket(wsUrl, (text) => {
            if (JSON.parse(text).type === "profile.snapshot") opening.then(resolve);
          });
          opening.catch(reject);
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/**
 * The cheap test run per frame on the stamping path: the text names the pulse's distinct XP amount.
 * Parsing every frame there would add the client's decoding of frame N to the stamp of frame N+1.
 */
function pulseMatcher(marker) {
  const needle = `"amount":${marker}`;
  return (text) => text.includes(needle);
}

/** Off the stamping path: every matched text really is the pulse's `profile.pulses` message. */
function checkPulseMessages(found, marker) {
  for (const text of new Set(found.filter((f) => f !== null).map((f) => f.text))) {
    const m = JSON.parse(text);
    if (m.type !== "profile.pulses" || !m.pulses.some((p) => p.xps.some((x) => x.amount === marker)))
      throw new Error(`a message matched pulse ${marker} without carrying it: ${text.slice(0, 200)}`);
  }
}

/** Latencies of `pulses` pulses to `viewers` sockets of a new user. */
async function measureLatency(ctx, viewers, pulses, prefix) {
  const url = ctx.url;
  const [user] = seedUsers(ctx.persistTo, 1, prefix);
  const sockets = await openViewers(url, user.username, viewers);
  // Latency of the live path, not of work an earlier suite left running on the same local thread.
  const quiet = await waitForQuiet(ctx.cpu);
  const latencies = [];
  /** Per pulse: its first delivery and the time from its first to its last (the fan-out's spread). */
  const firsts = [];
  const spreads = [];
  /** Per pulse: when its POST was answered (the write to D1 done; the notice goes out beside the answer). */
  const answers = [];
  let missing = 0;
  let lastMessage = null;
  const cpuBefore = ctx.cpu?.() ?? null;
  for (let i = 0; i < pulses; i++) {
    const marker = 1000 + i; // a distinct XP amount identifies the pulse on the socket
    const arrived = firstMatchOnEach(sockets, pulseMatcher(marker), 10_000);
    const sent = performance.now();
    const codedAt = new Date(Date.now() - 60_000 - i * 1000).toISOString().slice(0, 19) + "Z";
    const res = await fetch(`${url}/api/my/pulses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-token": user.token },
      body: JSON.stringify({ coded_at: codedAt, xps: [{ language: "Go", xp: marker }] }),
    });
    if (res.status !== 201) throw new Error(`pulse answered ${res.status}`);
    const answered = performance.now() - sent;
    const found = await arrived;
    checkPulseMessages(found, marker);
    const own = [];
    for (const f of found) {
      if (f === null) missing++;
      else own.push(f.receivedAt - sent);
    }
    latencies.push(...own);
    if (own.length > 0) {
      firsts.push(Math.min(...own));
      spreads.push(Math.max(...own) - Math.min(...own));
      answers.push(answered);
    }
    lastMessage = found.find((f) => f !== null)?.text ?? lastMessage;
    await new Promise((r) => setTimeout(r, SPACING_MS));
  }
  const cpuAfter = ctx.cpu?.() ?? null;
  for (const ws of sockets) ws.close();
  // The object handles every close; the next measurement must not run beside that.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  latencies.sort((a, b) => a - b);
  firsts.sort((a, b) => a - b);
  spreads.sort((a, b) => a - b);
  answers.sort((a, b) => a - b);
  return {
    quietWaitSeconds: quiet === null ? null : Number((quiet.waitedMs / 1000).toFixed(1)),
    quietCpuMsPerSecond: quiet?.cpuMsPerSecond ?? null,
    // A pulse delayed whole (its first delivery late) moves every one of its deliveries: the pulses
    // are the independent samples, so a row needs enough of them (a full run sends 200) for its p99.
    firstDeliveryP50: Math.round(percentile(firsts, 50)),
    firstDeliveryMax: Math.round(firsts.at(-1) ?? 0),
    spreadP50: Math.round(percentile(spreads, 50)),
    spreadMax: Math.round(spreads.at(-1) ?? 0),
    // Whether a delayed pulse's write was slow too: the POST's answer, over the pulses.
    answerP50: Math.round(percentile(answers, 50)),
    answerP99: Math.round(percentile(answers, 99)),
    answerMax: Math.round(answers.at(-1) ?? 0),
    deliveries: latencies.length,
    missing,
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    lastMessage,
    // CPU of the serving workerd processes per pulse, its request and its fan-out included.
    serverCpuMsPerPulse: cpuBefore === null || cpuAfter === null ? null : Number(((cpuAfter - cpuBefore) / pulses).toFixed(1)),
  };
}

export async function liveLatencySuite(ctx, viewerCounts = [1, 100, 1000], pulses = 30) {
  const results = [];
  for (const viewers of viewerCounts) {
    const m = await measureLatency(ctx, viewers, pulses, `live${viewers}v`);
    // The client alone: the same message to as many sockets from a trivial server, as often.
    const floor = m.lastMessage
      ? (await clientFloor(viewers, m.lastMessage, pulses, pulseMatcher(1000 + pulses - 1))).sort((a, b) => a - b)
      : [];
    results.push({
      viewers,
      pulses,
      deliveries: m.deliveries,
      missing: m.missing,
      p50: m.p50,
      p99: m.p99,
      clientP50: Math.round(percentile(floor, 50)),
      clientP99: Math.round(percentile(floor, 99)),
      serverCpuMsPerPulse: m.serverCpuMsPerPulse,
      firstDeliveryP50: m.firstDeliveryP50,
      firstDeliveryMax: m.firstDeliveryMax,
      spreadP50: m.spreadP50,
      spreadMax: m.spreadMax,
      answerP50: m.answerP50,
      answerP99: m.answerP99,
      answerMax: m.answerMax,
      quietWaitSeconds: m.quietWaitSeconds,
      quietCpuMsPerSecond: m.quietCpuMsPerSecond,
    });
  }
  return results;
}
