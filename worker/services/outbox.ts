// The local outbox page's data (development only; see mailer.ts), and who may see it.
import type { Env } from "../env";
import { listOutbox, type OutboxRow } from "../db/outbox";
import { isLocalRequest } from "../http/origin";
import { outboxMode } from "./mailer";

/**
 * The captured mail (it holds reset links), or null when this request may not see it: only on a
 * server started with DEV_OUTBOX=1 (`npm start` sets it; nothing else does), without a mailer, and
 * for a request from this machine. Host and CF-Connecting-IP are whatever a client sends under
 * `wrangler dev`, so the setting is the gate; the socket's address is checked where the runtime gives it.
 */
export function devOutbox(env: Env, request: Request, limit: number): Promise<OutboxRow[]> | null {
  if (env.DEV_OUTBOX !== "1" || !outboxMode(env) || !isLocalRequest(request)) return null;
  return listOutbox(env.DB, limit);
}
