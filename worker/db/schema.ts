// The D1 schema (source of truth). `npm run db:generate` turns changes here into SQL migrations.
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull(),
    /** NFC-lowercased username: names are unique case-insensitively. */
    usernameKey: text("username_key").notNull().unique(),
    email: text("email"),
    /** Self-describing KDF string (algorithm, parameters, salt, hash); empty for accounts without a password. */
    passwordHash: text("password_hash").notNull().default(""),
    private: integer("private", { mode: "boolean" }).notNull().default(false),
    /** Per-user pulse sequence: the last `pulses.seq` given out, so live aggregates can tell what they missed. */
    pulseSeq: integer("pulse_seq").notNull().default(0),
    totalXp: integer("total_xp").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    /** A local day counts towards the streak when its XP reaches this (migrations/0007_streak_threshold.sql). */
    streakMinXp: integer("streak_min_xp").notNull().default(1),
    /**
     * Watch lease (epoch ms): while in the future, the user's live object has viewers and wants to hear
     * of each pulse. Set and renewed by the object, left to expire (migrations/0011_watch_lease.sql).
     */
    watchedUntil: integer("watched_until").notNull().default(0),
  },
  (t) => [
    // Password-reset requests may name the address, in any case.
    index("users_email_lower").on(sql`lower(${t.email})`),
  ],
);

/** The owning user of a row: deleting the account deletes it. */
function ownerId() {
  return integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });
}

/** The machine a row belongs to: deleting the machine deletes it. */
function machineId() {
  return integer("machine_id")
    .notNull()
    .references(() => machines.id, { onDelete: "cascade" });
}

/** A language a row names (languages are never deleted while referenced). */
function languageRef(column: string) {
  return integer(column)
    .notNull()
    .references(() => languages.id);
}

export const machines = sqliteTable(
  "machines",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: ownerId(),
    name: text("name").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /**
     * Hex SHA-256 of the machine's API token; the token itself is never stored. A machine an import
     * created has no token yet: `untokened:<random>`, which no token's hash can equal.
     */
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
    /** Receipt time (epoch ms) of the machine's latest pulse, null before the first; kept by a trigger (migrations/0009). */
    lastPulseAt: integer("last_pulse_at"),
  },
  (t) => [uniqueIndex("machines_user_name").on(t.userId, t.name)],
);

export const languages = sqliteTable("languages", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** The first spelling ever seen. */
  name: text("name").notNull(),
  nameKey: text("name_key").notNull().unique(),
  /** When set, XP sent under this name is booked on the target language. */
  aliasOf: integer("alias_of").references((): AnySQLiteColumn => languages.id, { onDelete: "set null" }),
});

/**
 * The columns every raw row sent by one of a user's machines has (pulses, heartbeats): its owner and
 * machine (gone with the machine), the sender's UTC offset and when it arrived.
 */
function machineRowColumns() {
  return {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: ownerId(),
    machineId: machineId(),
    /** Minutes east of UTC at the sender when it coded: local date and hour are exact. */
    utcOffset: integer("utc_offset").notNull(),
    /** When the server accepted the row, UTC epoch milliseconds. */
    receivedAt: integer("received_at").notNull(),
  };
}

export const pulses = sqliteTable(
  "pulses",
  {
    ...machineRowColumns(),
    /**
     * The pulse's XP entries as `[[language key, xp], ...]` while the row is being inserted: a trigger
     * turns them into `xps` rows and clears the column (migrations/0003_pulse_xps_intake.sql), so a
     * pulse is one statement. Always NULL once stored.
     */
    xpsIntake: text("xps_intake"),
    seq: integer("seq").notNull(),
    /** Instant of coding, UTC epoch milliseconds. */
    codedAt: integer("coded_at").notNull(),
    /** Total XP of the pulse (the sum of its XP rows). */
    xp: integer("xp").notNull(),
    /** Hash of (coded_at as sent, entries): a retried pulse is recognised and not counted twice. */
    fingerprint: text("fingerprint").notNull(),
  },
  (t) => [
    uniqueIndex("pulses_user_seq").on(t.userId, t.seq),
    uniqueIndex("pulses_machine_fingerprint").on(t.machineId, t.fingerprint),
    index("pulses_user_coded_at").on(t.userId, t.codedAt),
    index("pulses_coded_at").on(t.codedAt),
  ],
);

export const xps = sqliteTable(
  "xps",
  {
    id: integer("id").primaryKey(),
    pulseId: integer("pulse_id")
      .notNull()
      .references(() => pulses.id, { onDelete: "cascade" }),
    /** The language the XP is booked on (after alias resolution). */
    languageId: languageRef("language_id"),
    /** The language as sent. */
    originalLanguageId: languageRef("original_language_id"),
    amount: integer("amount").notNull(),
  },
  (t) => [
    index("xps_pulse").on(t.pulseId),
    check("xps_amount_non_negative", sql`${t.amount} >= 0`),
    // The aliases page: was a name sent by a public profile? (migrations/0007_public_language_indexes.sql)
    index("xps_original_language").on(t.originalLanguageId),
  ],
);

// Rollups, kept exact by triggers on every XP row (migrations/0001_rollup_triggers.sql), so they can
// never disagree with the rows they sum. They are per machine, so deleting a machine removes its
// share exactly; their size grows with days and languages, never with pulses.
export const machineDailyXp = sqliteTable(
  "machine_daily_xp",
  {
    machineId: machineId(),
    userId: ownerId(),
    /** The coder's local date, YYYY-MM-DD. */
    localDate: text("local_date").notNull(),
    languageId: languageRef("language_id"),
    xp: integer("xp").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.machineId, t.localDate, t.languageId] }),
    index("machine_daily_xp_user_date").on(t.userId, t.localDate),
    // The aliases page: does a public profile have XP in this language? (migrations/0007_public_language_indexes.sql)
    index("machine_daily_xp_language").on(t.languageId, t.userId),
  ],
);

export const machineHourlyXp = sqliteTable(
  "machine_hourly_xp",
  {
    machineId: machineId(),
    userId: ownerId(),
    /** The coder's local hour of day, 0-23. */
    localHour: integer("local_hour").notNull(),
    xp: integer("xp").notNull(),
  },
  (t) => [primaryKey({ columns: [t.machineId, t.localHour] }), index("machine_hourly_xp_user").on(t.userId)],
);

/**
 * A user's own language aliases (migrations/0008_imports_and_user_aliases.sql): XP this user sends
 * under `languageId` is booked on `targetId` (the target's booked language), past and future. The
 * intake trigger reads it for new XP; worker/db/language-aliases.ts re-points the past.
 */
export const userLanguageAliases = sqliteTable(
  "user_language_aliases",
  {
    userId: ownerId(),
    languageId: languageRef("language_id"),
    targetId: languageRef("target_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.languageId] }), index("user_language_aliases_target").on(t.userId, t.targetId)],
);

// Accounts (migrations/0002_accounts.sql). Secrets are never stored: sessions and reset tokens are kept
// as SHA-256 hashes, and a freshly issued machine token waits (encrypted) for the one page view that shows it.

/** Server-side browser sessions; the cookie carries a random id whose SHA-256 is `token_hash`. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: ownerId(),
    tokenHash: text("token_hash").notNull().unique(),
    /** "Remember me": a long-lived cookie; otherwise a browser-session cookie with a shorter server expiry. */
    persistent: integer("persistent", { mode: "boolean" }).notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_user").on(t.userId), index("sessions_expires_at").on(t.expiresAt)],
);

/** A one-time message for one session (today: a new machine token), AES-GCM encrypted with a key only the session cookie yields. */
export const sessionReveals = sqliteTable("session_reveals", {
  sessionId: integer("session_id")
    .primaryKey()
    .references(() => sessions.id, { onDelete: "cascade" }),
  iv: text("iv").notNull(),
  ciphertext: text("ciphertext").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** Password-reset links: single use, valid for 4 hours after `created_at`; only the token's SHA-256 is stored. */
export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: ownerId(),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("password_resets_user").on(t.userId), index("password_resets_created_at").on(t.createdAt)],
);

/** Fixed-window counters for rate limits; `key` is a hash of (bucket, subject). */
export const rateLimits = sqliteTable(
  "rate_limits",
  {
    key: text("key").notNull(),
    windowStart: integer("window_start").notNull(),
    expiresAt: integer("expires_at").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index("rate_limits_expires_at").on(t.expiresAt)],
);

/** Mail captured instead of sent when no mailer binding is configured (local development and tests). */
export const outbox = sqliteTable(
  "outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    createdAt: integer("created_at").notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
  },
  (t) => [index("outbox_to_address").on(t.toAddress)],
);

/**
 * Retention state (migrations/0010_retention.sql), one row. Raw rows dated before `rawKeptFrom` (a
 * local date) are deleted; `sweeping` is set only inside the deleting transaction, and delete
 * triggers that maintain rollups skip their work while it is set.
 */
export const retention = sqliteTable(
  "retention",
  {
    id: integer("id").primaryKey(),
    rawKeptFrom: text("raw_kept_from"),
    sweeping: integer("sweeping", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [check("retention_one_row", sql`${t.id} = 1`)],
);

// WakaTime heartbeats and coding time (migrations/0005_heartbeats.sql). Raw heartbeats are the source
// of truth; `coding_time_daily` is kept exact by triggers on every inserted or deleted heartbeat
// (inserts set-wise, through `heartbeat_intake`, since migrations/0013_heartbeat_intake.sql).

/** One WakaTime heartbeat, booked on the machine whose key sent it; `hash` makes a retry count once. */
export const heartbeats = sqliteTable(
  "heartbeats",
  {
    ...machineRowColumns(),
    /** The heartbeat's instant, UTC epoch milliseconds. */
    timeMs: integer("time_ms").notNull(),
    /** The coder's local date (from the request's Timezone header or the user's zone), YYYY-MM-DD. */
    localDate: text("local_date").notNull(),
    entity: text("entity").notNull(),
    type: text("type").notNull(),
    category: text("category").notNull(),
    project: text("project"),
    branch: text("branch"),
    language: text("language"),
    editor: text("editor"),
    operatingSystem: text("operating_system"),
    /** The URL-decoded X-Machine-Name (the sender's host name). */
    machineName: text("machine_name"),
    userAgent: text("user_agent"),
    isWrite: integer("is_write", { mode: "boolean" }).notNull().default(false),
    lines: integer("lines"),
    lineno: integer("lineno"),
    cursorpos: integer("cursorpos"),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("heartbeats_user_hash").on(t.userId, t.hash),
    index("heartbeats_user_time").on(t.userId, t.timeMs),
    index("heartbeats_machine").on(t.machineId),
  ],
);

/**
 * Coding time in milliseconds per user, local date and dimension (`total` with the empty name,
 * `category`, `language`, `project`, `editor`, `os`, `machine` by id; a missing value is the empty name).
 */
export const codingTimeDaily = sqliteTable(
  "coding_time_daily",
  {
    userId: ownerId(),
    localDate: text("local_date").notNull(),
    dim: text("dim").notNull(),
    name: text("name").notNull(),
    ms: integer("ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.localDate, t.dim, t.name] })],
);

/** Per-user coding-time settings; a user without a row has the defaults. */
export const codingTimeSettings = sqliteTable("coding_time_settings", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** WakaTime's keystroke timeout: gaps longer than this count nothing. */
  timeoutMinutes: integer("timeout_minutes").notNull().default(15),
  /** IANA zone for local days when a request names none. */
  timeZone: text("time_zone"),
  /** Show project names on the public profile and stats (off: only the owner sees them). */
  showProjects: integer("show_projects", { mode: "boolean" }).notNull().default(false),
});

/**
 * One request's heartbeats on their way in (migrations/0013_heartbeat_intake.sql): its trigger stores
 * them, books the coding time they change in one grouped upsert and deletes the row, inside the insert.
 */
export const heartbeatIntake = sqliteTable("heartbeat_intake", {
  id: integer("id").primaryKey(),
  userId: integer("user_id").notNull(),
  machineId: integer("machine_id").notNull(),
  /** The highest heartbeat id before the request: the new heartbeats are those above it. */
  afterId: integer("after_id").notNull(),
  /** The user's keystroke timeout in milliseconds. */
  timeoutMs: integer("timeout_ms").notNull(),
  receivedAt: integer("received_at").notNull(),
  /** The heartbeats as a JSON array of rows, in the column order the trigger reads. */
  rows: text("rows").notNull(),
});

export type HeartbeatRow = typeof heartbeats.$inferSelect;
export type CodingTimeRow = typeof codingTimeDaily.$inferSelect;
export type CodingTimeSettingsRow = typeof codingTimeSettings.$inferSelect;

/**
 * The partition directory's username claims (migrations/0014_partition_directory.sql; rows only in the
 * default database): every account's name, with the partition that holds the account.
 */
export const userHomes = sqliteTable(
  "user_homes",
  {
    usernameKey: text("username_key").primaryKey(),
    partition: integer("partition").notNull(),
    /** Set once the account exists (a claim without it is a sign-up still in progress or one that failed). */
    userId: integer("user_id"),
  },
  (t) => [index("user_homes_user").on(t.userId), index("user_homes_partition").on(t.partition)],
);

/** Machine tokens of users outside the default database (rows only in the default database). */
export const tokenHomes = sqliteTable(
  "token_homes",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id").notNull(),
  },
  (t) => [index("token_homes_user").on(t.userId)],
);
