// GET /api/leaderboards (this service's document) and GET /api/v1/leaders (WakaTime-compatible, Wakapi's
// shape): public users ranked by XP; CORS open like the profile API.
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../env";
import { parseLeaderboardQuery } from "../domain/leaderboard";
import { jsonError, jsonTextResponse } from "../http/responses";
import { loadBoard } from "../services/leaderboards";
import type { LeaderboardShape } from "../objects/leaderboards";

const board = (shape: LeaderboardShape) => async (c: Context<AppEnv>) => {
  const query = parseLeaderboardQuery({ range: c.req.query("range"), language: c.req.query("language"), page: c.req.query("page") });
  if ("error" in query) return jsonError(400, query.error);
  return jsonTextResponse(await loadBoard(c.env, query, shape));
};

export const leaderboardRoutes = new Hono<AppEnv>()
  .use("/leaderboards", cors({ origin: "*", allowMethods: ["GET", "HEAD"], allowHeaders: [] }))
  .use("/v1/leaders", cors({ origin: "*", allowMethods: ["GET", "HEAD"], allowHeaders: [] }))
  .get("/leaderboards", board("pulse-edge"))
  .get("/v1/leaders", board("wakapi"));
