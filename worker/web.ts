// The Hono application for the browser: form posts (Post/Redirect/Get), exports and /my/profile.
// GET pages are rendered by Astro (site/); this app only handles what `isWebRequest` selects.
import { Hono } from "hono";
import type { Env } from "./env";
import { plainStatusPage, type StatusPageRenderer } from "./http/web-responses";
import { authRoutes } from "./routes/account/auth";
import type { WebEnv } from "./routes/account/context";
import { exportRoutes } from "./routes/account/export";
import { machineRoutes } from "./routes/account/machines";
import { preferenceRoutes } from "./routes/account/preferences";
import { resolveSession } from "./services/sessions";

const FORM_POSTS = [
  /^\/signup$/,
  /^\/login$/,
  /^\/logout$/,
  /^\/logout-everywhere$/,
  /^\/forgot-password$/,
  /^\/reset-password\/[^/]+$/,
  /^\/my\/machines$/,
  /^\/my\/machines\/[^/]+\/(?:rename|activate|deactivate|delete|regenerate)$/,
  /^\/my\/preferences$/,
  /^\/my\/preferences\/(?:privacy|coding-time|password|delete-account)$/,
];
const GETS = new Set(["/my/export.csv", "/my/export.json", "/my/export-heartbeats.json", "/my/profile"]);

/** Does this request belong to the web app (rather than to an Astro page)? */
export function isWebRequest(method: string, pathname: string): boolean {
  if (method === "GET" || method === "HEAD") return GETS.has(pathname);
  return FORM_POSTS.some((pattern) => pattern.test(pathname));
}

const plainRenderer: StatusPageRenderer = async (_request, page) => plainStatusPage(page);

export function createWebApp(renderStatus: StatusPageRenderer = plainRenderer) {
  const web = new Hono<WebEnv>();

  web.use(async (c, next) => {
    c.set("renderStatus", renderStatus);
    c.set("session", await resolveSession(c.env.DB, c.req.header("cookie") ?? null, Date.now()));
    await next();
  });

  web.route("/", authRoutes);
  web.route("/", machineRoutes);
  web.route("/", preferenceRoutes);
  web.route("/", exportRoutes);

  web.notFound((c) => renderStatus(c.req.raw, { status: 404, title: "Not found", message: "There is nothing here." }, c.env, c.executionCtx as ExecutionContext));
  web.onError((error, c) => {
    // Only the error's message: requests and forms (passwords, tokens) are never logged.
    console.error("web app error", error instanceof Error ? error.message : String(error));
    return renderStatus(c.req.raw, { status: 503, title: "Something went wrong", message: "Please try again in a moment.", retryAfter: 5 }, c.env, c.executionCtx as ExecutionContext);
  });

  return {
    fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
      return web.fetch(request, env, ctx);
    },
  };
}
