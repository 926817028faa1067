// Live latency: from sending POST /api/my/pulses to the message on every viewer's socket of that
// profile, with 1, 100 and 1,000 viewers. Pulses are spaced wider than the coalescing interval, so
// the figure is the path's latency, not the coalescing delay.
import { seedUsers } from "../fixtures.mjs";

const SPACING_MS = 400;

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
          const ws = new WebSocket(wsUrl);
          ws.onmessage = (e) => {
            const m = JSON.parse(e.data);
            if (m.type === "profile.snapshot") {
              ws.onmessage = null;
              resolve(ws);
            }
          };
          ws.onerror = () => reject(new Error("viewer socket failed"));
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

export async function liveLatencySuite(ctx, viewerCounts = [1, 100, 1000], pulses = 30) {
  const results = [];
  for (const viewers of viewerCounts) {
    const [user] = seedUsers(ctx.persistTo, 1, `live${viewers}v`);
    const sockets = await openViewers(ctx.url, user.username, viewers);
    const latencies = [];
    let missing = 0;
    for (let i = 0; i < pulses; i++) {
      const marker = 1000 + i; // a distinct XP amount identifies the pulse on the socket
      const arrived = sockets.map(
        (ws) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => resolve(null), 10_000);
            ws.onmessage = (e) => {
              const m = JSON.parse(e.data);
              if (m.type === "profile.pulses" && m.pulses.some((p) => p.xps.some((x) => x.amount === marker))) {
                clearTimeout(timer);
                resolve(performance.now());
              }
            };
          }),
      );
      const sent = performance.now();
      const codedAt = new Date(Date.now() - 60_000 - i * 1000).toISOString().slice(0, 19) + "Z";
      const res = await fetch(`${ctx.url}/api/my/pulses`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-token": user.token },
        body: JSON.stringify({ coded_at: codedAt, xps: [{ language: "Go", xp: marker }] }),
      });
      if (res.status !== 201) throw new Error(`pulse answered ${res.status}`);
      for (const t of await Promise.all(arrived)) {
        if (t === null) missing++;
        else latencies.push(t - sent);
      }
      await new Promise((r) => setTimeout(r, SPACING_MS));
    }
    for (const ws of sockets) ws.close(1000);
    latencies.sort((a, b) => a - b);
    results.push({
      viewers,
      pulses,
      deliveries: latencies.length,
      missing,
      p50: Math.round(percentile(latencies, 50)),
      p99: Math.round(percentile(latencies, 99)),
    });
  }
  return results;
}
