// The Hono application behind /api: shared middleware, error mapping and route mounting.
import { Hono } from "hono";
import type { AppEnv, Env } from "./env";
import { acceptsJson, normalizePath } from "./http/negotiation";
import { jsonError, jsonResponse } from "./http/responses";
import { pulseRoutes } from "./routes/pulses";
import { userRoutes } from "./routes/users";
import { liveRoutes } from "./routes/live";
import { benchRoutes } from "./routes/bench";
import { errorMessage, log } from "./observability/log";
import { health } from "./services/health";
import { leaderboardRoutes } from "./routes/leaderboards";
import { badgeApiRoutes } from "./routes/badges";
import { wakatimeRoutes } from "./routes/wakatime";

const api = new Hono<AppEnv>().basePath("/api");

api.use(async (c, next) => {
  if (!acceptsJson(c.req.header("accept") ?? null)) return jsonError(406, "Not acceptable: this API only serves application/json.");
  await next();
});

api.get("/health", async (c) => {
  const report = await health(c.env, Date.now());
  return jsonResponse(report, report.ok ? 200 : 503);
});
api.route("/", pulseRoutes);
// Before the profile routes: their CORS middleware on /users/* would answer the heartbeat preflights.
api.route("/", wakatimeRoutes);
api.route("/", userRoutes);
api.route("/", leaderboardRoutes);
api.route("/", badgeApiRoutes);
api.route("/", benchRoutes);

api.notFound(() => jsonError(404, "Route not found."));

api.onError(platformFailure);

// WebSocket endpoints live outside /api: they answer upgrades, not JSON requests.
const live = new Hono<AppEnv>().basePath("/live");
live.route("/", liveRoutes);
live.notFound(() => jsonError(404, "Route not found."));
live.onError(platformFailure);

function platformFailure(error: Error): Response {
  // Bad input never gets here (it is answered with a 4xx); this is a platform failure worth retrying.
  log("error", "api error", { error: errorMessage(error) });
  return jsonError(503, "Service temporarily unavailable, please retry.", { "retry-after": "5" });
}

/** Routes a request whose path may carry repeated or trailing slashes, as plugins send them. */
export function fetchApi(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  const url = new URL(request.url);
  const path = normalizePath(url.pathname);
  if (path !== url.pathname) {
    url.pathname = path;
    request = new Request(url, request);
  }
  return (path.startsWith("/live/") ? live : api).fetch(request, env, ctx);
}

export function isApiPath(pathname: string): boolean {
  const path = normalizePath(pathname);
  return path === "/api" || path.startsWith("/api/") || path.startsWith("/live/");
}
