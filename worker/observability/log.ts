// Structured logs: one JSON object per line (Workers Logs and `wrangler tail` index the fields), each
// tagged with the id of the request it belongs to. Never log request bodies, headers or tokens.
import { AsyncLocalStorage } from "node:async_hooks";

export type LogLevel = "info" | "warn" | "error";

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** The message of a thrown value, for logs (never its stack or the request that caused it). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The id of the request being handled (also inside its waitUntil work), if any. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

/** Runs `work` as part of the request `requestId`: every log line inside it carries the id. */
export function inRequestScope<T>(requestId: string, work: () => T): T {
  return requestScope.run({ requestId }, work);
}

export function log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, request_id: currentRequestId(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
