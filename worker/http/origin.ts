// Same-origin checks for state-changing browser requests (the first half of the CSRF defence).

/**
 * The site's configured origins (`PUBLIC_ORIGIN`: one origin, or several separated by commas; the
 * first is the one links in mail use). Empty when unset.
 */
export function configuredOrigins(setting: string | undefined): string[] {
  return (setting ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => new URL(entry).origin);
}

/**
 * True when the request's Origin (or, when a browser sent none, its Referer) is one of the configured
 * origins; without any configured, the request's own origin (taken from Host, so only a fallback for
 * servers without PUBLIC_ORIGIN). A request with neither header, or with `Origin: null`, is refused.
 */
export function sameOrigin(request: Request, publicOrigin?: string): boolean {
  const configured = configuredOrigins(publicOrigin);
  const allowed = new Set(configured.length > 0 ? configured : [new URL(request.url).origin]);
  const origin = request.headers.get("origin");
  if (origin !== null) return allowed.has(origin);
  const referer = request.headers.get("referer");
  if (referer === null) return false;
  try {
    return allowed.has(new URL(referer).origin);
  } catch {
    return false;
  }
}

/** Hosts a developer reaches a local server on. */
function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]" || hostname === "::1";
}

function isLoopbackAddress(ip: string): boolean {
  return ip === "::1" || ip === "127.0.0.1" || /^127\.\d+\.\d+\.\d+$/.test(ip) || ip === "::ffff:127.0.0.1";
}

/**
 * A request that came from this machine to a local server, as far as the request tells: a loopback
 * Host and client address, and a loopback socket address where the runtime reports one
 * (`request.cf.clientIp`). Under `wrangler dev` the headers are the client's word, so dev pages also
 * need a setting that only `npm start` turns on (services/outbox.ts).
 */
export function isLocalRequest(request: Request): boolean {
  if (!isLoopbackHost(new URL(request.url).hostname)) return false;
  const socket = (request.cf as { clientIp?: unknown } | undefined)?.clientIp;
  if (typeof socket === "string" && !isLoopbackAddress(socket)) return false;
  const ip = request.headers.get("cf-connecting-ip");
  return ip === null || isLoopbackAddress(ip.trim());
}
