// The local mail outbox (used when no mailer binding is configured).
import { desc } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Mail } from "../domain/mail";
import { outbox } from "./schema";

export type OutboxRow = Mail & Pick<typeof outbox.$inferSelect, "id" | "createdAt">;

export async function insertOutbox(db: D1Database, mail: Mail, now: number): Promise<void> {
  await drizzle(db).insert(outbox).values({ createdAt: now, toAddress: mail.to, subject: mail.subject, text: mail.text });
}

export async function listOutbox(db: D1Database, limit: number): Promise<OutboxRow[]> {
  return drizzle(db)
    .select({ id: outbox.id, createdAt: outbox.createdAt, to: outbox.toAddress, subject: outbox.subject, text: outbox.text })
    .from(outbox)
    .orderBy(desc(outbox.id))
    .limit(limit);
}
