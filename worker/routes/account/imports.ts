// The import API of the signed-in browser (JSON; the page's script calls it): start an upload, send
// its chunks (each under the request body limit, resendable), start processing, poll the status.
// Session cookie plus same origin plus the session's CSRF token in `x-csrf-token` for every change.
import { Hono, type MiddlewareHandler } from "hono";
import { readBytesBody, readTextBody } from "../../http/body";
import { sameOrigin } from "../../http/origin";
import { jsonError, jsonResponse } from "../../http/responses";
import { NO_STORE } from "../../http/web-responses";
import { IMPORT_CHUNK_BYTES } from "../../domain/import/progress";
import { beginImport, importStatus, putImportChunk, startImport } from "../../services/imports";
import { csrfTokenValid } from "../../services/sessions";
import { requireSession, type WebEnv } from "./context";

const NO_STORE_HEADERS = { "cache-control": NO_STORE };

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function answer(value: unknown, status = 200): Response {
  return jsonResponse(value, status, NO_STORE_HEADERS);
}

function error(status: number, message: string): Response {
  return jsonError(status, message, NO_STORE_HEADERS);
}

/** A session for every request; for changes also this site's origin and the session's CSRF token. */
const guard: MiddlewareHandler<WebEnv> = async (c, next) => {
  const session = c.get("session");
  if (!session) return error(401, "Please log in first.");
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    if (!sameOrigin(c.req.raw, c.env.PUBLIC_ORIGIN)) return error(403, "Cross-origin request refused.");
    if (!(await csrfTokenValid(c.req.header("x-csrf-token") ?? null, session, null, false)))
      return error(403, "Missing or wrong CSRF token.");
  }
  await next();
};

export const importRoutes = new Hono<WebEnv>()
  .use("/my/imports", guard)
  .use("/my/imports/*", guard)
  .post("/my/imports", async (c) => {
    const body = await readTextBody(c.req.raw, 4096);
    if (!body.ok) return error(body.status, body.message);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      return error(400, "Malformed JSON in request body.");
    }
    const { name, size } = (parsed ?? {}) as { name?: unknown; size?: unknown };
    if (typeof name !== "string" || typeof size !== "number") return error(400, 'Send {"name": file name, "size": bytes}.');
    const result = await beginImport(c.env, requireSession(c).userId, { name, size });
    return result.ok ? answer(result.status, 201) : error(result.status, result.message);
  })
  .get("/my/imports/current", async (c) => {
    return answer({ import: await importStatus(c.env, requireSession(c).userId) });
  })
  .put("/my/imports/:id/chunks/:n", async (c) => {
    const id = c.req.param("id");
    const raw = c.req.param("n");
    if (!JOB_ID.test(id)) return error(404, "No such import.");
    if (!/^\d{1,6}$/.test(raw)) return error(400, "Chunk number must be a whole number.");
    const body = await readBytesBody(c.req.raw, IMPORT_CHUNK_BYTES);
    if (!body.ok) return error(body.status, body.message);
    const result = await putImportChunk(c.env, requireSession(c).userId, id, Number(raw), body.bytes);
    return result.ok ? answer(result) : error(result.status, result.message);
  })
  .post("/my/imports/:id/start", async (c) => {
    const id = c.req.param("id");
    if (!JOB_ID.test(id)) return error(404, "No such import.");
    const result = await startImport(c.env, requireSession(c).userId, id);
    return result.ok ? answer(result.status, 202) : error(result.status, result.message);
  })
  .all("/my/imports/*", () => error(405, "Method not allowed."))
  .onError((e) => {
    console.error("import route error", e instanceof Error ? e.message : String(e));
    return jsonError(503, "Service temporarily unavailable, please retry.", { ...NO_STORE_HEADERS, "retry-after": "5" });
  });
