// Import throughput: a generated 1,000,000-row Code::Stats pulses.csv (10 XP rows per pulse), uploaded
// in chunks over HTTP with a signed-in session and processed by the user's import object, against
// the GET /api/health baseline measured right before. The figure is rows per second of processing
// (reading, grouping, writing to D1, rebuilding the profile), and end to end including the upload.
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

export async function importSuite(ctx, rows = ctx.options.importRows ?? 1_000_000) {
  const health = await measure({ url: ctx.url, requests: [{ method: "GET", path: "/api/health" }], seconds: ctx.options.seconds });
  const session = seedSession(ctx.persistTo, `importer${Date.now().toString(36)}`);
  const headers = { cookie: session.cookie, "x-csrf-token": session.csrf, origin: ctx.url, accept: "application/json" };
  const size = HEADER.length + rows * row(0).length;
  const call = async (method, path, body, type) => {
    const res = await fetch(`${ctx.url}${path}`, { method, headers: { ...headers, ...(type ? { "content-type": type } : {}) }, body });
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };

  const started = performance.now();
  const job = await call("POST", "/my/imports", JSON.stringify({ name: "pulses.csv", size }), "application/json");
  let pending = HEADER;
  let n = 0;
  for (let i = 0; i < rows; i++) {
    pending += row(i);
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
  if (status.phase !== "done" || status.pulsesAdded !== rows / 10)
    throw new Error(`import ended ${status.phase}: ${JSON.stringify(status).slice(0, 500)}`);
  const processSeconds = (finished - uploaded) / 1000;
  const rowsPerSecond = Math.round(rows / processSeconds);
  return {
    rows,
    bytes: size,
    chunks: n,
    pulses: status.pulsesAdded,
    uploadSeconds: Number(((uploaded - started) / 1000).toFixed(2)),
    processSeconds: Number(processSeconds.toFixed(2)),
    rowsPerSecond,
    endToEndRowsPerSecond: Math.round(rows / ((finished - started) / 1000)),
    health,
    /** Rows processed per second for each health request per second of the same run: what carries over between machines. */
    rowsPerHealthRequest: Number((rowsPerSecond / Math.max(1, health.rps)).toFixed(1)),
  };
}
