// Password-reset links: stored as SHA-256 hashes, valid while `created_at` is within the validity window.

export async function insertReset(db: D1Database, userId: number, tokenHash: string, now: number, validityMs: number): Promise<void> {
  await db.batch([
    db
      .prepare("DELETE FROM password_resets WHERE id IN (SELECT id FROM password_resets WHERE created_at <= ? LIMIT 100)")
      .bind(now - validityMs),
    db.prepare("INSERT INTO password_resets (user_id, token_hash, created_at) VALUES (?, ?, ?)").bind(userId, tokenHash, now),
  ]);
}

export async function findValidReset(
  db: D1Database,
  tokenHash: string,
  now: number,
  validityMs: number,
): Promise<{ userId: number; username: string } | null> {
  return db
    .prepare(
      `SELECT r.user_id AS userId, u.username AS username FROM password_resets r JOIN users u ON u.id = r.user_id
       WHERE r.token_hash = ? AND r.created_at > ?`,
    )
    .bind(tokenHash, now - validityMs)
    .first();
}

/**
 * Uses a reset link, in one transaction: sets the new password hash, ends all sessions of the user and
 * deletes every reset link of the user. Concurrent uses of one link are serialized by D1, and only the
 * first finds the link; the result tells whether this call was it.
 */
export async function consumeReset(
  db: D1Database,
  tokenHash: string,
  now: number,
  validityMs: number,
  passwordHash: string,
): Promise<number | null> {
  const valid = "SELECT user_id FROM password_resets WHERE token_hash = ? AND created_at > ?";
  const [updated] = await db.batch([
    db.prepare(`UPDATE users SET password_hash = ? WHERE id = (${valid}) RETURNING id`).bind(passwordHash, tokenHash, now - validityMs),
    db.prepare(`DELETE FROM sessions WHERE user_id = (${valid})`).bind(tokenHash, now - validityMs),
    db.prepare("DELETE FROM password_resets WHERE user_id = (SELECT user_id FROM password_resets WHERE token_hash = ?)").bind(tokenHash),
  ]);
  const row = updated!.results[0] as { id: number } | undefined;
  return row?.id ?? null;
}
