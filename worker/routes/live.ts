// WebSocket endpoints: GET /live/users/:username (profile viewers) and GET /live/feed (front page).
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { jsonError } from "../http/responses";
import { openFeedSocket, openProfileSocket } from "../services/live";
import { lookupProfileUser } from "../services/profiles";

const isUpgrade = (request: Request) => request.headers.get("upgrade")?.toLowerCase() === "websocket";

export const liveRoutes = new Hono<AppEnv>()
  .get("/users/:username", async (c) => {
    if (!isUpgrade(c.req.raw)) return jsonError(426, "Expected a WebSocket upgrade.");
    // Unknown and private (for anyone but the owner) get the same answer.
    const found = await lookupProfileUser(c.env.DB, c.req.param("username"));
    if (found.kind === "missing") return jsonError(404, "User not found or private.");
    return openProfileSocket(c.env, c.req.raw, found.user, "public");
  })
  .get("/feed", async (c) => {
    if (!isUpgrade(c.req.raw)) return jsonError(426, "Expected a WebSocket upgrade.");
    return openFeedSocket(c.env, c.req.raw);
  });
