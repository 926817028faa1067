// POST /api/my/pulses (editor plugins) and GET /api/my/profile (the caller's own profile).
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { canonicalToken, hashToken } from "../domain/token";
import { findActiveMachineByTokenHash } from "../db/users";
import { jsonError, jsonTextResponse, notAuthenticated, pulseCreated } from "../http/responses";
import { ingestPulse, ingestRefusal, noteFailedAuthentication } from "../services/ingest";
import { publishPulse } from "../services/live";
import { profileDocumentWithCodingTime } from "../services/coding-time";

export const pulseRoutes = new Hono<AppEnv>()
  .post("/my/pulses", async (c) => {
    const token = canonicalToken(c.req.header("x-api-token"));
    if (!token) return notAuthenticated();
    const now = Date.now();
    const tokenHash = await hashToken(token);
    const client = c.req.header("cf-connecting-ip") ?? "unknown";
    const retryAfter = ingestRefusal(tokenHash, client, now);
    if (retryAfter !== null) return jsonError(429, "Too many pulses; slow down.", { "retry-after": String(retryAfter) });
    const share = c.env.PULSE_GROUP_COMMIT === "off" ? undefined : { keepAlive: (work: Promise<unknown>) => c.executionCtx.waitUntil(work) };
    const result = await ingestPulse(c.env.DB, tokenHash, c.req.raw, now, share);
    if (result.kind === "unauthenticated") noteFailedAuthentication(client, now);
    switch (result.kind) {
      case "created":
        if (result.stored) publishPulse(c.env, c.executionCtx, result.stored, c.req.raw);
        return pulseCreated();
      case "unauthenticated":
        return notAuthenticated();
      case "rejected":
        return jsonError(result.status, result.message);
    }
  })
  .get("/my/profile", async (c) => {
    const token = canonicalToken(c.req.header("x-api-token"));
    const auth = token ? await findActiveMachineByTokenHash(c.env.DB, await hashToken(token)) : null;
    if (!auth) return notAuthenticated();
    return jsonTextResponse(await profileDocumentWithCodingTime(c.env, auth.user, true));
  });
