// The local mail outbox (used when no mailer binding is configured).
import type { Mail } from "../domain/mail";

export interface OutboxRow extends Mail {
  id: number;
  createdAt: number;
}

export async function insertOutbox(db: D1Database, mail: Mail, now: number): Promise<void> {
  await db
    .prepare("INSERT INTO outbox (created_at, to_address, subject, text) VALUES (?, ?, ?, ?)")
    .bind(now, mail.to, mail.subject, mail.text)
    .run();
}

export async function listOutbox(db: D1Database, limit: number): Promise<OutboxRow[]> {
  const { results } = await db
    .prepare('SELECT id, created_at AS createdAt, to_address AS "to", subject, text FROM outbox ORDER BY id DESC LIMIT ?')
    .bind(limit)
    .all<OutboxRow>();
  return results;
}
