// Every request of the Worker runs under an id: it is in each log line, in the `x-request-id` header
// of every response and in the body of JSON 5xx errors; failed requests get one structured log line.
import { jsonError } from "../http/responses";
import { errorMessage, inRequestScope, log } from "./log";

const REQUEST_ID_HEADER = "x-request-id";

type Handler = () => Response | Promise<Response>;

/** Cloudflare's Ray ID when the edge set one (so logs match the dashboard), else a random id. */
function requestIdFor(request: Request): string {
  const ray = request.headers.get("cf-ray");
  return ray && /^[0-9a-f]{16}(?:-[A-Z]{3})?$/.test(ray) ? ray : crypto.randomUUID();
}

/** The path as it may be logged: secrets in paths (reset-link tokens) are replaced. */
function loggablePath(pathname: string): string {
  return pathname.replace(/^\/reset-password\/[^/]+/, "/reset-password/:token").slice(0, 200);
}

/** Runs a request under its id; anything thrown past the apps' own error handlers becomes a logged 503. */
export function observe(request: Request, handle: Handler): Promise<Response> {
  const requestId = requestIdFor(request);
  const started = Date.now();
  return inRequestScope(requestId, async () => {
    const where = { method: request.method, path: loggablePath(new URL(request.url).pathname) };
    let response: Response;
    try {
      response = await handle();
    } catch (error) {
      log("error", "unhandled error", { ...where, error: errorMessage(error) });
      response = jsonError(503, "Service temporarily unavailable, please retry.", { "retry-after": "5" });
    }
    if (response.status >= 400) {
      const level = response.status >= 500 ? "error" : "warn";
      log(level, "request failed", { ...where, status: response.status, duration_ms: Date.now() - started });
    }
    return tagged(response, requestId);
  });
}

function tagged(response: Response, requestId: string): Response {
  if (response.status === 101) return response; // a WebSocket handshake: its headers are the object's
  try {
    response.headers.set(REQUEST_ID_HEADER, requestId);
    return response;
  } catch {
    const copy = new Response(response.body, response); // immutable headers (a fetched response)
    copy.headers.set(REQUEST_ID_HEADER, requestId);
    return copy;
  }
}
