// Import throughput: a generated 1,000,000-row Code::Stats pulses.csv (10 XP rows per pulse), uploaded
// in chunks over HTTP with a signed-in session and processed by the user's import object, against
// the GET /api/health baseline measured right before. The figure is rows per second of processing
// (reading, grouping, writing to D1, rebuilding the profile), and end to end including the upload.
// Then a generated WakaTime heartbeats dump (200,000 heartbeats) through the same upload: its figure
// is heartbeats per second of processing (each through the live heartbeat write: dedupe, coding time
// triggers, XP slots), in `wakatimeDump`.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { measure } from "../load.mjs";
import { d1File } from "../fixtures.mjs";
import { sqlString } from "../../scripts/lib.mjs";

const HEADER = "sent_at;sent_at_local;tz_offset;language;machine;amount\n";
const CHUNK = 1024 * 1024; // IMPORT_CHUNK_BYTES
const START = Date.UTC(2018, 0, 1);

function row(i) {
  const at = START + Math.floor(i / 10) * 60_000;
  const utc = new Date(at).toISOString().slice(0, 19).replace("T", " ");
  const local = new Date(at + 3_600_000).toISOString().slice(0, 19).replace("T", " ");
  return `${utc}Z;${local};60;Lang${i % 10};bench box;${(i % 90) + 10}\n`;
}

/** A user with a browser session, seeded into D1; returns the cookie and the CSRF token a page would carry. */
function seedSession(persistTo, username) {
  const secret = randomBytes(32).toString("base64url");
  const now = Date.now();
  const user = `(SELECT id FROM users WHERE username_key = ${sqlString(username)})`;
  d1File(
    persistTo,
    `INSERT INTO users (username, username_key, created_at) VALUES (${sqlString(username)}, ${sqlString(username)}, ${now});
INSERT INTO sessions (user_id, token_hash, persistent, created_at, expires_at) VALUES (${user}, ${sqlString(createHash("sha256").update(secret).digest("hex"))}, 1, ${now}, ${now + 86_400_000});`,
  );
  return { cookie: `__Host-pe_session=${secret}`, csrf: createHmac("sha256", secret).update("pulse-edge csrf v1").digest("base64url") };
}

/** A WakaTime dump of `count` heartbeats (one every 30 s, two languages, one machine id), in pieces. */
function* dumpParts(count) {
  const start = Date.UTC(2021, 0, 4) / 1000;
  yield '{"user":{"id":"u","username":"bench"},"range":{"start":0,"end":0},"days":[{"date":"2021-01-04","heartbeats":[';
  for (let i = 0; i < count; i++) {
    yield `${i > 0 ? "," : ""}{"id":"${i}","entity":"/src/f${i % 50}.ts","type":"file","category":"coding","time":${start + i * 30}.5,"project":"bench","language":"${i % 2 ? "TypeScript" : "Go"}","is_write":false,"machine_name_id":"5f0e2c1a-77b4-4c3e-9d8e-0a1b2c3d4e5f","user_agent_id":"ua"}`;
  }
  yield "]}]}";
}

/** Uploads the pieces as 1 MiB chunks with the session, starts the import and waits for its end. */
async function runImport(ctx, headers, name, parts) {
  const call = async (method, path, body, type) => {
    const res = await fetch(`${ctx.url}${path}`, { method, headers: { ...headers, ...(type ? { "content-type": type } : {}) }, body });
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  let size = 0;
  for (const part of parts()) size += Buffer.byteLength(part);
  const started = performance.now();
  const job = await call("POST", "/my/imports", JSON.stringify({ name, size }), "application/json");
  let pending = "";
  let n = 0;
  for (const part of parts()) {
    pending += part;
    if (pending.length >= CHUNK) {
      await call("PUT", `/my/imports/${job.id}/chunks/${n++}`, Buffer.from(pending.slice(0, CHUNK)), "application/octet-stream");
      pending = pending.slice(CHUNK);
    }
  }
  if (pending.length > 0) await call("PUT", `/my/imports/${job.id}/chunks/${n++}`, Buffer.from(pending), "application/octet-stream");
  const uploaded = performance.now();
  await call("POST", `/my/imports/${job.id}/start`);
  let status;
  for (;;) {
    status = (await call("GET", "/my/imports/current")).import;
    if (status.phase === "done" || status.phase === "failed") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const finished = performance.now();
  return {
    status,
    size,
    chunks: n,
    uploadSeconds: (uploaded - started) / 1000,
    processSeconds: (finished - uploaded) / 1000,
    totalSeconds: (finished - started) / 1000,
  };
}

export async function importSuite(ctx, rows = ctx.options.importRows ?? 1_000_000, heartbeats = ctx.options.importHeartbeats ?? 200_000) {
  const health = await measure({ url: ctx.url, requests: [{ method: "GET", path: "/api/health" }], seconds: ctx.options.seconds });
  const session = seedSession(ctx.persistTo, `importer${Date.now().toString(36)}`);
  const headers = { cookie: session.cookie, "x-csrf-token": session.csrf, origin: ctx.url, accept: "application/json" };

  const csv = await runImport(ctx, headers, "pulses.csv", function* () {
    yield HEADER;
    for (let i = 0; i < rows; i++) yield row(i);
  });
  if (csv.status.phase !== "done" || csv.status.pulsesAdded !== rows / 10)
    throw new Error(`import ended ${csv.status.phase}: ${JSON.stringify(csv.status).slice(0, 500)}`);
  const rowsPerSecond = Math.round(rows / csv.processSeconds);

  const dump = await runImport(ctx, headers, "wakatime-heartbeats.json", () => dumpParts(heartbeats));
  if (dump.status.phase !== "done" || dump.status.heartbeatsAdded !== heartbeats)
    throw new Error(`WakaTime dump import ended ${dump.status.phase}: ${JSON.stringify(dump.status).slice(0, 500)}`);
  const heartbeatsPerSecond = Math.round(heartbeats / dump.processSeconds);
  return {
    rows,
    bytes: csv.size,
    chunks: csv.chunks,
    pulses: csv.status.pulsesAdded,
    uploadSeconds: Number(csv.uploadSeconds.toFixed(2)),
    processSeconds: Number(csv.processSeconds.toFixed(2)),
    rowsPerSecond,
    endToEndRowsPerSecond: Math.round(rows / csv.totalSeconds),
    health,
    /** Rows processed per second for each health request per second of the same run: what carries over between machines. */
    rowsPerHealthRequest: Number((rowsPerSecond / Math.max(1, health.rps)).toFixed(1)),
    wakatimeDump: {
      heartbeats,
      bytes: dump.size,
      chunks: dump.chunks,
      xpSlots: dump.status.pulsesAdded,
      uploadSeconds: Number(dump.uploadSeconds.toFixed(2)),
      processSeconds: Number(dump.processSeconds.toFixed(2)),
      heartbeatsPerSecond,
      endToEndHeartbeatsPerSecond: Math.round(heartbeats / dump.totalSeconds),
      heartbeatsPerHealthRequest: Number((heartbeatsPerSecond / Math.max(1, health.rps)).toFixed(1)),
    },
  };
}
