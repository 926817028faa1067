// Latency over load: p50/p99 of GET /api/health and POST /api/my/pulses at growing concurrency.
import { measure } from "../load.mjs";
import { pulseRequest } from "./ingest.mjs";

export async function loadCurveSuite(ctx, users, levels = [1, 4, 16, 32, 64]) {
  const points = [];
  for (const connections of levels) {
    const health = await measure({
      url: ctx.url,
      connections,
      seconds: Math.max(3, Math.round(ctx.options.seconds / 2)),
      warmupSeconds: 1,
      requests: [{ method: "GET", path: "/api/health" }],
    });
    const ingest = await measure({
      url: ctx.url,
      connections,
      seconds: Math.max(3, Math.round(ctx.options.seconds / 2)),
      warmupSeconds: 1,
      requests: [pulseRequest(users)],
    });
    points.push({ connections, health, ingest });
  }
  return points;
}

/** A small self-contained SVG line chart of the curve (no dependencies). */
export function loadCurveSvg(points) {
  const W = 720,
    H = 360,
    L = 60,
    R = 20,
    T = 40,
    B = 50;
  const maxY = Math.max(...points.flatMap((p) => [p.health.p99, p.ingest.p99]), 1);
  const x = (i) => L + (i / Math.max(1, points.length - 1)) * (W - L - R);
  const y = (v) => T + (1 - v / maxY) * (H - T - B);
  const line = (key, stat) => points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p[key][stat]).toFixed(1)}`).join(" ");
  const series = [
    ["health", "p50", "#2563eb", ""],
    ["health", "p99", "#2563eb", "6 4"],
    ["ingest", "p50", "#dc2626", ""],
    ["ingest", "p99", "#dc2626", "6 4"],
  ];
  const ticks = Array.from({ length: 5 }, (_, k) => Math.round((maxY * k) / 4));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#ffffff"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">Latency over load (ms; solid p50, dashed p99)</text>
${ticks.map((t) => `<line x1="${L}" x2="${W - R}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e7eb"/><text x="${L - 8}" y="${y(t) + 4}" text-anchor="end" fill="#374151">${t}</text>`).join("\n")}
${points.map((p, i) => `<text x="${x(i)}" y="${H - B + 18}" text-anchor="middle" fill="#374151">${p.connections}</text>`).join("\n")}
<text x="${W / 2}" y="${H - 12}" text-anchor="middle" fill="#374151">concurrent connections</text>
${series.map(([k, s, c, d]) => `<path d="${line(k, s)}" fill="none" stroke="${c}" stroke-width="2"${d ? ` stroke-dasharray="${d}"` : ""}/>`).join("\n")}
<g transform="translate(${L + 10},${T + 6})"><rect width="230" height="40" fill="#ffffff" stroke="#d1d5db"/>
<line x1="10" x2="34" y1="14" y2="14" stroke="#2563eb" stroke-width="2"/><text x="40" y="18">GET /api/health</text>
<line x1="10" x2="34" y1="30" y2="30" stroke="#dc2626" stroke-width="2"/><text x="40" y="34">POST /api/my/pulses</text></g>
</svg>
`;
}
