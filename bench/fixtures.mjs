// Seeding benchmark data straight into the local D1 (through wrangler, into the bench's own state dir).
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToken, newToken, sqlString, wrangler } from "../scripts/lib.mjs";

/** Runs SQL on a local database of the bench state (`binding` of the wrangler config `config`, default DB of wrangler.toml). */
export function d1File(persistTo, sql, { binding = "DB", config = null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "bench-sql-"));
  const file = join(dir, "seed.sql");
  writeFileSync(file, sql);
  // The running server may hold the database for a moment (SQLITE_BUSY): try again a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      const configArgs = config ? ["--config", config] : [];
      wrangler(["d1", "execute", binding, "--local", "--persist-to", persistTo, ...configArgs, "--file", file], { capture: true });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_000);
    }
  }
}

/**
 * Creates `count` users with one machine each on a second partition's database (binding `DB_k`):
 * ids from the partition's floor (k·2^40, as worker/db/partitions.ts prepares it), their names claimed
 * and their tokens listed in the default database's directory. Returns their tokens and names.
 */
export function seedUsersOnPartition(persistTo, config, partition, count, prefix) {
  const floor = partition * 2 ** 40;
  const users = Array.from({ length: count }, (_, i) => ({ username: `${prefix}${i}`, token: newToken(), id: floor + i + 1 }));
  const now = Date.now();
  const tables = ["users", "machines", "languages", "pulses", "sessions", "password_resets", "outbox", "heartbeats"];
  const lines = tables.map(
    (t) =>
      `INSERT INTO sqlite_sequence (name, seq) SELECT '${t}', ${floor} WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '${t}');`,
  );
  const directory = [];
  for (const u of users) {
    lines.push(
      `INSERT INTO users (id, username, username_key, created_at) VALUES (${u.id}, ${sqlString(u.username)}, ${sqlString(u.username.toLowerCase())}, ${now});`,
      `INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (${u.id}, 'bench-machine', ${sqlString(hashToken(u.token))}, ${now});`,
    );
    directory.push(
      `INSERT INTO user_homes (username_key, partition, user_id) VALUES (${sqlString(u.username.toLowerCase())}, ${partition}, ${u.id});`,
      `INSERT INTO token_homes (token_hash, user_id) VALUES (${sqlString(hashToken(u.token))}, ${u.id});`,
    );
  }
  d1File(persistTo, lines.join("\n"), { binding: `DB_${partition}`, config });
  d1File(persistTo, directory.join("\n"), { config });
  return users;
}

/** Creates `count` users with one machine each; returns their tokens and names. */
export function seedUsers(persistTo, count, prefix = "bench", { config = null } = {}) {
  const users = Array.from({ length: count }, (_, i) => ({ username: `${prefix}${i}`, token: newToken() }));
  const now = Date.now();
  const lines = [];
  for (const u of users) {
    lines.push(
      `INSERT INTO users (username, username_key, created_at) VALUES (${sqlString(u.username)}, ${sqlString(u.username.toLowerCase())}, ${now});`,
    );
    lines.push(
      `INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (last_insert_rowid(), 'bench-machine', ${sqlString(hashToken(u.token))}, ${now});`,
    );
  }
  d1File(persistTo, lines.join("\n"), { config });
  return users;
}

/**
 * A user with `pulses` pulses (one XP row each, 10 languages, two machines) spread over `years`,
 * written straight into D1 in a few statements; the rollup triggers run as for real pulses.
 */
export function seedUserWithHistory(persistTo, { username, pulses, years = 3 }) {
  const token = newToken();
  const now = Date.now();
  const stepMs = Math.floor((years * 365 * 86_400_000) / pulses);
  const languages = Array.from({ length: 10 }, (_, i) => `(${sqlString(`Lang${i}`)}, ${sqlString(`lang${i}`)})`).join(", ");
  const user = `(SELECT id FROM users WHERE username_key = ${sqlString(username.toLowerCase())})`;
  d1File(
    persistTo,
    `INSERT INTO users (username, username_key, created_at) VALUES (${sqlString(username)}, ${sqlString(username.toLowerCase())}, ${now - years * 365 * 86_400_000});
INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (${user}, 'Desktop', ${sqlString(hashToken(token))}, ${now});
INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (${user}, 'Laptop', ${sqlString(hashToken(newToken()))}, ${now});
INSERT OR IGNORE INTO languages (name, name_key) VALUES ${languages};
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${pulses})
INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint)
SELECT u.id, (SELECT min(id) FROM machines WHERE user_id = u.id) + (i % 2), i, ${now} - (${pulses} - i) * ${stepMs} - 60000, 120, ${now}, (i % 50) + 1, 'seed-' || i
FROM n, users u WHERE u.id = ${user};
INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
SELECT p.id, l.id, l.id, p.xp FROM pulses p JOIN languages l ON l.name_key = 'lang' || (p.seq % 10) WHERE p.user_id = ${user};`,
  );
  return { username, token };
}

/**
 * Appends `pulses` pulses (seq `fromSeq + 1` on, one XP row each) to a seeded user straight in D1,
 * spread over the last `hours`: pulses the user's live object is never told about.
 */
export function appendPulses(persistTo, { username, fromSeq, pulses, hours = 48 }) {
  const now = Date.now();
  const stepMs = Math.floor((hours * 3_600_000) / pulses);
  const user = `(SELECT id FROM users WHERE username_key = ${sqlString(username.toLowerCase())})`;
  d1File(
    persistTo,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${pulses})
INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint)
SELECT u.id, (SELECT min(id) FROM machines WHERE user_id = u.id) + (i % 2), ${fromSeq} + i, ${now} - (${pulses} - i) * ${stepMs} - 60000, 120, ${now}, (i % 50) + 1, 'late-' || i
FROM n, users u WHERE u.id = ${user};
INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
SELECT p.id, l.id, l.id, p.xp FROM pulses p JOIN languages l ON l.name_key = 'lang' || (p.seq % 10) WHERE p.user_id = ${user} AND p.seq > ${fromSeq};`,
  );
}
