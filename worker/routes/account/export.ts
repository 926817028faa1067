// GET /my/export.csv, /my/export.json (downloads of all pulses), /my/export-heartbeats.json and /my/profile (to the public profile page).
import { Hono } from "hono";
import { NO_STORE } from "../../http/web-responses";
import { csvExport, heartbeatExport, jsonExport } from "../../services/export";
import { redirect, type WebContext, type WebEnv } from "./context";
import { databaseOf } from "../../db/partitions";

function toLogin(next: string): Response {
  return redirect(`/login?next=${encodeURIComponent(next)}`, { kind: "info", message: "Please log in first." });
}

function download(body: ReadableStream, type: string, filename: string): Response {
  return new Response(body, {
    headers: { "content-type": type, "content-disposition": `attachment; filename="${filename}"`, "cache-control": NO_STORE },
  });
}

export const exportRoutes = new Hono<WebEnv>()
  .get("/my/export.csv", (c: WebContext) => {
    const session = c.get("session");
    if (!session) return toLogin("/my/preferences");
    return download(csvExport(databaseOf(c.env, session.userId), session.userId), "text/csv; charset=utf-8", "pulses.csv");
  })
  .get("/my/export.json", (c: WebContext) => {
    const session = c.get("session");
    if (!session) return toLogin("/my/preferences");
    return download(
      jsonExport(databaseOf(c.env, session.userId), session.userId, session.username, Date.now()),
      "application/json; charset=utf-8",
      "pulses.json",
    );
  })
  .get("/my/export-heartbeats.json", (c: WebContext) => {
    const session = c.get("session");
    if (!session) return toLogin("/my/preferences");
    return download(
      heartbeatExport(databaseOf(c.env, session.userId), session.userId, session.username, Date.now()),
      "application/json; charset=utf-8",
      "heartbeats.json",
    );
  })
  .get("/my/profile", (c: WebContext) => {
    const session = c.get("session");
    if (!session) return toLogin("/my/profile");
    return new Response(null, {
      status: 303,
      headers: { location: `/users/${encodeURIComponent(session.username)}`, "cache-control": NO_STORE },
    });
  });
