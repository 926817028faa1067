// The Hono application for the browser: form posts (Post/Redirect/Get), exports and /my/profile.
// GET pages are rendered by Astro (site/); this app only handles what `isWebRequest` selects, which is
// derived from the routes the modules in worker/routes/account/ declare.
import { Hono } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import type { Env } from "./env";
import { plainStatusPage, type StatusPageRenderer } from "./http/web-responses";
import { authRoutes } from "./routes/account/auth";
import type { WebEnv } from "./routes/account/context";
import { exportRoutes } from "./routes/account/export";
import { importRoutes } from "./routes/account/imports";
import { machineRoutes } from "./routes/account/machines";
import { preferenceRoutes } from "./routes/account/preferences";
import { resolveSession } from "./services/sessions";
import { currentRequestId, errorMessage, log } from "./observability/log";

/** The web app's route modules; their own declarations are the one list of what the web app serves. */
const ROUTE_MODULES = [authRoutes, machineRoutes, preferenceRoutes, exportRoutes, importRoutes];

// Dispatch is derived from the declared routes (Hono records each as method + path), with Hono's router.
const webPaths = new TrieRouter<true>();
for (const module of ROUTE_MODULES) {
  for (const { method, path } of module.routes) if (method !== "ALL") webPaths.add(method, path, true);
}

/** Does this request belong to the web app (rather than to an Astro page)? */
export function isWebRequest(method: string, pathname: string): boolean {
  return webPaths.match(method === "HEAD" ? "GET" : method, pathname)[0].length > 0;
}

const plainRenderer: StatusPageRenderer = async (_request, page) => plainStatusPage(page);

export function createWebApp(renderStatus: StatusPageRenderer = plainRenderer) {
  const web = new Hono<WebEnv>();

  web.use(async (c, next) => {
    c.set("renderStatus", renderStatus);
    c.set("session", await resolveSession(c.env, c.req.header("cookie") ?? null, Date.now()));
    await next();
  });

  for (const module of ROUTE_MODULES) web.route("/", module);

  web.notFound((c) =>
    renderStatus(
      c.req.raw,
      { status: 404, title: "Not found", message: "There is nothing here." },
      c.env,
      c.executionCtx as ExecutionContext,
    ),
  );
  web.onError((error, c) => {
    // Only the error's message: requests and forms (passwords, tokens) are never logged.
    log("error", "web app error", { error: errorMessage(error) });
    const message = `Please try again in a moment. (Request id ${currentRequestId() ?? "unknown"}.)`;
    return renderStatus(
      c.req.raw,
      { status: 503, title: "Something went wrong", message, retryAfter: 5 },
      c.env,
      c.executionCtx as ExecutionContext,
    );
  });

  return {
    fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
      return web.fetch(request, env, ctx);
    },
  };
}
