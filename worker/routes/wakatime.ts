// The WakaTime API on the machine keys: heartbeat ingest on every path WakaTime, Wakapi and
// Hackatime clients use (with CORS preflights), and the read endpoints plugins and widgets call.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { hashToken } from "../domain/token";
import { usernameFromPath, usernameKey } from "../domain/username";
import { wakatimeToken } from "../domain/wakatime-key";
import { findKeyOwner, findSettings, type KeyOwner } from "../db/heartbeats";
import { jsonError, jsonResponse, jsonTextResponse } from "../http/responses";
import { ingestHeartbeats } from "../services/heartbeats";
import { ingestRefusal, noteFailedAuthentication, rememberToken } from "../services/ingest";
import { clientAddress } from "../http/client-address";
import { allTimeSinceToday, forgetStatusbar, stats, statusbarToday, summaries } from "../services/coding-time";
import { publishPulses } from "../services/live";
import { lookupProfileUser } from "../services/profiles";
import { databaseForToken } from "../services/partitions";
import { databaseOf } from "../db/partitions";

/** Prefixes under /api that clients configure as `api_url` (WakaTime, Wakapi, its compat path, Hackatime). */
const PREFIXES = ["/v1", "", "/compat/wakatime/v1", "/hackatime/v1"];
const HEARTBEAT_PATHS = [
  ...PREFIXES.flatMap((p) => [`${p}/users/:user/heartbeats`, `${p}/users/:user/heartbeats.bulk`]),
  "/heartbeat",
  "/heartbeats",
  "/v1/heartbeats",
  "/v1/heartbeats.bulk",
];
const STATUSBAR_PATHS = PREFIXES.flatMap((p) => [`${p}/users/:user/statusbar/today`, `${p}/users/:user/status_bar/today`]);
const SUMMARIES_PATHS = PREFIXES.map((p) => `${p}/users/:user/summaries`);
const STATS_PATHS = PREFIXES.map((p) => `${p}/users/:user/stats/:range`);
const ALL_TIME_PATHS = PREFIXES.map((p) => `${p}/users/:user/all_time_since_today`);
// `/api/users/:name` is the Code::Stats profile API, so the current user is only served under the prefixes.
const CURRENT_USER_PATHS = ["/v1/users/current", "/compat/wakatime/v1/users/current", "/hackatime/v1/users/current"];

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, Accept, X-Machine-Name, Timezone, X-Requested-With, User-Agent",
  "access-control-max-age": "86400",
};

const unauthorized = () => jsonError(401, "Invalid API key.", CORS_HEADERS);

async function keyHash(c: Context<AppEnv>): Promise<string | null> {
  const token = wakatimeToken(c.req.header("authorization"), c.req.query("api_key")) ?? wakatimeToken(null, c.req.header("x-api-token"));
  return token ? hashToken(token) : null;
}

/** The `{user}` segment must be `current` or the key owner's own name (as in Wakapi). */
async function ownerFor(c: Context<AppEnv>, tokenHash: string): Promise<KeyOwner | "unauthenticated" | "forbidden"> {
  const owner = await findKeyOwner(await databaseForToken(c.env, tokenHash), tokenHash);
  if (!owner) return "unauthenticated";
  const user = c.req.param("user");
  if (user !== undefined && user !== "current" && usernameKey(usernameFromPath(user)) !== usernameKey(owner.username)) return "forbidden";
  return owner;
}

const forbidden = () => jsonError(403, "A key reads and writes only its own user's data: use `current`.", CORS_HEADERS);

export const wakatimeRoutes = new Hono<AppEnv>()
  .on(
    "OPTIONS",
    [...HEARTBEAT_PATHS, ...STATUSBAR_PATHS, ...SUMMARIES_PATHS, ...STATS_PATHS, ...ALL_TIME_PATHS, ...CURRENT_USER_PATHS],
    () => new Response(null, { status: 204, headers: CORS_HEADERS }),
  )
  .on("POST", HEARTBEAT_PATHS, async (c) => {
    const tokenHash = await keyHash(c);
    const client = clientAddress(c.req.raw);
    const now = Date.now();
    if (!tokenHash) {
      noteFailedAuthentication(client, now);
      return unauthorized();
    }
    const retryAfter = await ingestRefusal(c.env, tokenHash, client, now);
    if (retryAfter !== null)
      return jsonError(429, "Too many heartbeats; slow down.", { "retry-after": String(retryAfter), ...CORS_HEADERS });
    const db = await databaseForToken(c.env, tokenHash);
    const user = c.req.param("user");
    if (user !== undefined && user !== "current") {
      const owner = await ownerFor(c, tokenHash);
      if (owner === "unauthenticated") return unauthorized();
      if (owner === "forbidden") return forbidden();
    }
    const share =
      c.env.PULSE_GROUP_COMMIT === "off" ? undefined : { keepAlive: (work: Promise<unknown>) => c.executionCtx.waitUntil(work) };
    const bulkPath = c.req.path.endsWith(".bulk");
    const result = await ingestHeartbeats(db, { tokenHash, request: c.req.raw, now, bulkPath, share });
    switch (result.kind) {
      case "unauthenticated":
        noteFailedAuthentication(client, now);
        return unauthorized();
      case "rejected":
        return jsonError(result.status, result.message, CORS_HEADERS);
      case "done": {
        rememberToken(tokenHash);
        forgetStatusbar(tokenHash);
        publishPulses(c.env, c.executionCtx, result.pulses, c.req.raw);
        if (result.single) {
          const [item, status] = result.items[0]!;
          return jsonResponse(item, status, CORS_HEADERS);
        }
        return jsonResponse({ responses: result.items }, 201, CORS_HEADERS);
      }
    }
  })
  .on("GET", STATUSBAR_PATHS, async (c) => {
    const tokenHash = await keyHash(c);
    if (!tokenHash) return unauthorized();
    if (c.req.param("user") !== "current") {
      const owner = await ownerFor(c, tokenHash);
      if (owner === "unauthenticated") return unauthorized();
      if (owner === "forbidden") return forbidden();
    }
    const result = await statusbarToday(await databaseForToken(c.env, tokenHash), tokenHash, c.req.header("timezone") ?? null, Date.now());
    return result.kind === "ok" ? jsonTextResponse(result.json, 200, CORS_HEADERS) : unauthorized();
  })
  .on("GET", SUMMARIES_PATHS, async (c) => {
    const tokenHash = await keyHash(c);
    const owner = tokenHash ? await ownerFor(c, tokenHash) : "unauthenticated";
    if (owner === "unauthenticated") return unauthorized();
    if (owner === "forbidden") return forbidden();
    const q = { start: c.req.query("start"), end: c.req.query("end"), range: c.req.query("range"), timezone: c.req.query("timezone") };
    const result = await summaries(databaseOf(c.env, owner.userId), owner, q, c.req.header("timezone") ?? null, Date.now());
    return result.kind === "ok"
      ? jsonResponse(result.body, 200, CORS_HEADERS)
      : jsonError(400, result.kind === "invalid" ? result.message : "Bad request.", CORS_HEADERS);
  })
  .on("GET", ALL_TIME_PATHS, async (c) => {
    const tokenHash = await keyHash(c);
    const owner = tokenHash ? await ownerFor(c, tokenHash) : "unauthenticated";
    if (owner === "unauthenticated") return unauthorized();
    if (owner === "forbidden") return forbidden();
    return jsonResponse(await allTimeSinceToday(databaseOf(c.env, owner.userId), owner, Date.now()), 200, CORS_HEADERS);
  })
  .on("GET", CURRENT_USER_PATHS, async (c) => {
    const tokenHash = await keyHash(c);
    const owner = tokenHash ? await findKeyOwner(await databaseForToken(c.env, tokenHash), tokenHash) : null;
    if (!owner) return unauthorized();
    const found = await lookupProfileUser(c.env, owner.username, owner.userId);
    const createdAt = found.kind === "missing" ? null : new Date(found.user.createdAt).toISOString();
    return jsonResponse(
      {
        data: {
          id: String(owner.userId),
          username: owner.username,
          display_name: owner.username,
          full_name: owner.username,
          timezone: owner.settings?.timeZone ?? "UTC",
          timeout: owner.settings?.timeoutMinutes ?? 15,
          writes_only: false,
          created_at: createdAt,
          is_coding_activity_visible: found.kind !== "missing" && !found.user.private,
          photo_public: false,
          profile_url: `${new URL(c.req.url).origin}/users/${encodeURIComponent(owner.username)}`,
        },
      },
      200,
      CORS_HEADERS,
    );
  })
  .on("GET", STATS_PATHS, async (c) => {
    // Public stats (what github-readme-stats calls): a private user answers exactly like an unknown one.
    const segment = c.req.param("user")!;
    const tokenHash = await keyHash(c);
    const viewer = tokenHash ? await findKeyOwner(await databaseForToken(c.env, tokenHash), tokenHash) : null;
    let subject: { id: number; username: string; createdAt: number };
    if (segment === "current") {
      if (!viewer) return unauthorized();
      subject = { id: viewer.userId, username: viewer.username, createdAt: 0 };
    } else {
      const found = await lookupProfileUser(c.env, segment, viewer?.userId ?? null);
      if (found.kind === "missing") return jsonError(404, "User not found or private.", CORS_HEADERS);
      subject = found.user;
    }
    const viewerIsOwner = viewer?.userId === subject.id;
    const subjectDb = databaseOf(c.env, subject.id);
    const settings = await findSettings(subjectDb, subject.id);
    const result = await stats(
      subjectDb,
      subject,
      settings,
      c.req.param("range")!,
      viewerIsOwner || settings?.showProjects === true,
      Date.now(),
    );
    if (result.kind === "ok") return jsonResponse(result.body, 200, CORS_HEADERS);
    return jsonError(400, result.kind === "invalid" ? result.message : "Bad request.", CORS_HEADERS);
  });
