// Bindings and settings of the Worker (see wrangler.toml).
import type { FeedRelay } from "./objects/feed-relay";
import type { FeedShard } from "./objects/feed-shard";
import type { GlobalFeed } from "./objects/global-feed";
import type { ImportJob } from "./objects/import-job";
import type { Leaderboards } from "./objects/leaderboards";
import type { UserStats } from "./objects/user-stats";

export interface Env {
  /** Partition 0: the only database of a small deployment; also the directory, rate limits and outbox (worker/db/partitions.ts). */
  DB: D1Database;
  /** Further partitions, bound without gaps (DB_1, DB_2, ...): users are spread across them (README, "Partitions"). */
  [partition: `DB_${number}`]: D1Database | undefined;
  /** Partitions that take new accounts, e.g. "0" while a new database is being rolled out (default: every bound one). */
  NEW_USER_PARTITIONS?: string;
  USER_STATS: DurableObjectNamespace<UserStats>;
  FEED_SHARD: DurableObjectNamespace<FeedShard>;
  GLOBAL_FEED: DurableObjectNamespace<GlobalFeed>;
  FEED_RELAY: DurableObjectNamespace<FeedRelay>;
  /** One per user (named by user id): the user's import, uploaded in chunks and processed on its alarm. */
  IMPORT_JOB: DurableObjectNamespace<ImportJob>;
  /** One object: the leaderboards (worker/objects/leaderboards.ts). */
  LEADERBOARDS: DurableObjectNamespace<Leaderboards>;
  /** Number of aggregator shards between user objects and the global feed (default 2). */
  FEED_SHARDS?: string;
  /** Number of relay objects holding front-page viewers (default 2). */
  FEED_RELAYS?: string;
  /**
   * "off" stops telling user objects about each pulse: they then catch up from D1 when read and by
   * their alarms while watched (live viewers lag by up to 10 s; the front page follows reads). A
   * capacity lever for when ingest is the bottleneck; default on. The benchmark uses it to measure
   * the pulse path alone.
   */
  LIVE_NOTIFICATIONS?: string;
  /**
   * "off" sends every pulse's write alone instead of sharing D1 round trips between concurrent pulses
   * of an isolate (db/group-commit.ts). The test runner sets it: its runtime cannot settle one
   * request's promise from another request, which sharing needs (`wrangler dev` and production can).
   */
  PULSE_GROUP_COMMIT?: string;
  /** "1" turns on the benchmark-only endpoints (set only for the servers of `npm run bench` and the browser tests). */
  BENCH_ENDPOINTS?: string;
  /**
   * How stale (ms) a leaderboard may be before a read makes the leaderboard object take in D1's new
   * pulses first (default 2000). The tests set 0: every read sees every pulse.
   */
  LEADERBOARD_MAX_AGE_MS?: string;
  /** "lat,lon" used for map dots when the platform gives no location (local development). */
  FALLBACK_COORDS?: string;
  /** Cloudflare Email Service `send_email` binding. Without it, mail is captured in the D1 `outbox` table. */
  MAILER?: SendEmail;
  /** Sender address for mail through MAILER (on a domain onboarded to Email Service). */
  MAIL_FROM?: string;
  /** Username whose profile the front page links to as an example (default "demo", the user `npm start` seeds). */
  EXAMPLE_PROFILE?: string;
  /**
   * The site's public origin (e.g. https://pulse.example), or several separated by commas: forms are
   * accepted only from these, and links in mail use the first. Without it, password-reset mail is
   * refused (links must never follow the request's Host); `npm start` sets the local one.
   */
  PUBLIC_ORIGIN?: string;
  /** "1" opens /dev/outbox to requests from this machine; only `npm start` sets it. */
  DEV_OUTBOX?: string;
  /** Build version reported by /api/health (set at deploy, e.g. the git commit); defaults to the package version. */
  BUILD_VERSION?: string;
  /** Months raw pulses are kept before the scheduled sweep deletes them (default 13; "0" keeps everything). Rollups keep all history. */
  RAW_RETENTION_MONTHS?: string;
  /** R2 bucket for the nightly D1 dumps (worker/services/backup.ts); local R2 under `wrangler dev` and the tests. */
  BACKUPS: R2Bucket;
  /** Days a nightly dump is kept before it is pruned (default 30). */
  BACKUP_KEEP_DAYS?: string;
}

export interface AppEnv {
  Bindings: Env;
}
