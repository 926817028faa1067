// GET /users/:name/badge.svg (an image, outside /api) and GET /api/badges/:name (shields.io's endpoint
// JSON): level and XP, `?language=NAME`, `?range=week|month|year`. CORS open; cached at the edge for a
// short time; private and unknown users get the same neutral badge with 404.
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../env";
import { badgeSvg, parseBadgeQuery, shieldsEndpoint, type BadgeContent } from "../domain/badge";
import { fromEdgeCache } from "../http/edge-cache";
import { jsonError, jsonResponse } from "../http/responses";
import { BADGE_MAX_AGE_SECONDS, lookupBadge } from "../services/badges";

const CACHE_CONTROL = `public, max-age=${BADGE_MAX_AGE_SECONDS}`;
const openCors = cors({ origin: "*", allowMethods: ["GET", "HEAD"], allowHeaders: [] });

function svgResponse(content: BadgeContent, status: number): Response {
  return new Response(badgeSvg(content), {
    status,
    headers: { "content-type": "image/svg+xml; charset=utf-8", "cache-control": CACHE_CONTROL },
  });
}

const jsonBadge = (content: BadgeContent, status: number) =>
  jsonResponse(shieldsEndpoint(content, BADGE_MAX_AGE_SECONDS), status, { "cache-control": CACHE_CONTROL });

type Render = (content: BadgeContent, status: number) => Response;

function badgeHandler(format: "svg" | "json", render: Render) {
  return async (c: Context<AppEnv>) => {
    const query = parseBadgeQuery({ range: c.req.query("range"), language: c.req.query("language") });
    if ("error" in query) return jsonError(400, query.error);
    const badge = await lookupBadge(c.env, c.req.param("username") ?? "", query, format);
    if (!badge.found) return render(badge.content, 404);
    return fromEdgeCache(badge.cacheKey, c.executionCtx, async () => render(await badge.content(), 200));
  };
}

/** Under /api (mounted by worker/app.ts). */
export const badgeApiRoutes = new Hono<AppEnv>().use("/badges/*", openCors).get("/badges/:username", badgeHandler("json", jsonBadge));

const images = new Hono<AppEnv>().use("*", openCors).get("/users/:username/badge.svg", badgeHandler("svg", svgResponse));
images.notFound(() => jsonError(404, "Route not found."));
images.onError((error) => {
  console.error("badge error", error.message);
  return jsonError(503, "Service temporarily unavailable, please retry.", { "retry-after": "5" });
});

export function isBadgeImagePath(pathname: string): boolean {
  return /^\/users\/[^/]+\/badge\.svg$/.test(pathname);
}

export function fetchBadgeImage(request: Request, env: AppEnv["Bindings"], ctx: ExecutionContext): Response | Promise<Response> {
  return images.fetch(request, env, ctx);
}
