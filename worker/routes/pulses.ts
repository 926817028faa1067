// POST /api/my/pulses (editor plugins) and GET /api/my/profile (the caller's own profile).
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { canonicalToken } from "../domain/token";
import { jsonError, jsonTextResponse, notAuthenticated, pulseCreated } from "../http/responses";
import { acceptPulse } from "../services/ingest";
import { ownProfileDocument } from "../services/profile-document";

export const pulseRoutes = new Hono<AppEnv>()
  .post("/my/pulses", async (c) => {
    const token = canonicalToken(c.req.header("x-api-token"));
    if (!token) return notAuthenticated();
    const result = await acceptPulse(c.env, c.executionCtx, token, c.req.raw, Date.now());
    switch (result.kind) {
      case "limited":
        return jsonError(429, "Too many pulses; slow down.", { "retry-after": String(result.retryAfter) });
      case "created":
        return pulseCreated();
      case "unauthenticated":
        return notAuthenticated();
      case "rejected":
        return jsonError(result.status, result.message);
    }
  })
  .get("/my/profile", async (c) => {
    const token = canonicalToken(c.req.header("x-api-token"));
    const document = token ? await ownProfileDocument(c.env, token) : null;
    return document === null ? notAuthenticated() : jsonTextResponse(document);
  });
