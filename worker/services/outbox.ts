// Reading the local outbox (development only; see mailer.ts).
import { listOutbox, type OutboxRow } from "../db/outbox";

export function localOutbox(db: D1Database, limit: number): Promise<OutboxRow[]> {
  return listOutbox(db, limit);
}
