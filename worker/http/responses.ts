// Responses whose bytes are fixed by the Code::Stats contract, and the JSON error shape used elsewhere.

import { currentRequestId } from "../observability/log";

const encoder = new TextEncoder();
const JSON_TYPE = "application/json; charset=utf-8";

const CREATED_BODY = '{"ok":"Great success!"}';
// The original sends this with a space after the colon and without any Content-Type header;
// a byte body (not a string) keeps the runtime from adding text/plain.
const UNAUTHENTICATED_BODY = encoder.encode('{"error": "You must be authenticated"}');

export function pulseCreated(): Response {
  return new Response(CREATED_BODY, { status: 201, headers: { "content-type": JSON_TYPE } });
}

export function notAuthenticated(): Response {
  return new Response(UNAUTHENTICATED_BODY.slice(), { status: 403 });
}

/** `{"error": message}`; a 5xx also names the request id (from the log scope) for reports and `wrangler tail`. */
export function jsonError(status: number, message: string, headers?: Record<string, string>): Response {
  const requestId = status >= 500 ? currentRequestId() : undefined;
  const body = requestId ? { error: message, request_id: requestId } : { error: message };
  return new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE, ...headers } });
}

/** JSON text that is already serialised. */
export function jsonTextResponse(json: string, status = 200, headers?: Record<string, string>): Response {
  return new Response(json, { status, headers: { "content-type": JSON_TYPE, ...headers } });
}

export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": JSON_TYPE, ...headers } });
}
