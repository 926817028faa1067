// Seeding benchmark data straight into the local D1 (through wrangler, into the bench's own state dir).
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToken, newToken, sqlString, wrangler } from "../scripts/lib.mjs";

export function d1File(persistTo, sql) {
  const dir = mkdtempSync(join(tmpdir(), "bench-sql-"));
  const file = join(dir, "seed.sql");
  writeFileSync(file, sql);
  wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--file", file], { capture: true });
}

/** Creates `count` users with one machine each; returns their tokens and names. */
export function seedUsers(persistTo, count, prefix = "bench") {
  const users = Array.from({ length: count }, (_, i) => ({ username: `${prefix}${i}`, token: newToken() }));
  const now = Date.now();
  const lines = [];
  for (const u of users) {
    lines.push(`INSERT INTO users (username, username_key, created_at) VALUES (${sqlString(u.username)}, ${sqlString(u.username.toLowerCase())}, ${now});`);
    lines.push(
      `INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (last_insert_rowid(), 'bench-machine', ${sqlString(hashToken(u.token))}, ${now});`,
    );
  }
  d1File(persistTo, lines.join("\n"));
  return users;
}
