// WebSocket endpoints: GET /live/users/:username (profile viewers) and GET /live/feed (front page).
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { isWebSocketUpgrade } from "../http/negotiation";
import { sameOrigin } from "../http/origin";
import { jsonError } from "../http/responses";
import { openFeedSocket, openProfileSocket } from "../services/live";
import { lookupProfileUser } from "../services/profiles";
import { resolveSession } from "../services/sessions";

export const liveRoutes = new Hono<AppEnv>()
  .get("/users/:username", async (c) => {
    if (!isWebSocketUpgrade(c.req.raw)) return jsonError(426, "Expected a WebSocket upgrade.");
    // Unknown and private (for anyone but the owner) get the same answer.
    // A session counts only on an upgrade from this site's own pages (no cross-site socket hijacking).
    const session = sameOrigin(c.req.raw, c.env.PUBLIC_ORIGIN)
      ? await resolveSession(c.env, c.req.header("cookie") ?? null, Date.now())
      : null;
    const found = await lookupProfileUser(c.env, c.req.param("username"), session?.userId ?? null);
    if (found.kind === "missing") return jsonError(404, "User not found or private.");
    return openProfileSocket(
      c.env,
      c.req.raw,
      found.user,
      session && found.user.id === session.userId ? { role: "owner", sessionId: session.sessionId } : { role: "public" },
    );
  })
  .get("/feed", async (c) => {
    if (!isWebSocketUpgrade(c.req.raw)) return jsonError(426, "Expected a WebSocket upgrade.");
    return openFeedSocket(c.env, c.req.raw);
  });
