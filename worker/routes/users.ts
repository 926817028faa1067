// GET /api/users/:username: the public profile API, used by badges and sites (CORS open to all).
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../env";
import { jsonError, jsonTextResponse } from "../http/responses";
import { lookupProfileUser } from "../services/profiles";
import { profileDocument } from "../services/profile-document";

export const userRoutes = new Hono<AppEnv>()
  .use("/users/*", cors({ origin: "*", allowMethods: ["GET", "HEAD"], allowHeaders: [] }))
  .get("/users/:username", async (c) => {
    // Private profiles are never served here, not even to their owner (as in the original).
    const found = await lookupProfileUser(c.env, c.req.param("username"));
    switch (found.kind) {
      case "missing":
        return jsonError(404, "User not found or private.");
      case "redirect":
        return c.redirect(`/api/users/${encodeURIComponent(found.canonical)}`, 302);
      case "found":
        return jsonTextResponse(await profileDocument(c.env, found.user, false));
    }
  });
