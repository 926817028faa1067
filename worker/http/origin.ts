// Same-origin checks for state-changing browser requests (the first half of the CSRF defence).

/**
 * True when the request's Origin (or, when a browser sent none, its Referer) is the request's own
 * origin. A request with neither, or with `Origin: null`, is refused.
 */
export function sameOrigin(request: Request, publicOrigin?: string): boolean {
  const own = new URL(request.url).origin;
  const allowed = new Set([own, ...(publicOrigin ? [new URL(publicOrigin).origin] : [])]);
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
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]" || hostname === "::1";
}

function isLoopbackAddress(ip: string): boolean {
  return ip === "::1" || ip === "127.0.0.1" || /^127\.\d+\.\d+\.\d+$/.test(ip) || ip === "::ffff:127.0.0.1";
}

/** A request that came from this machine to a local server (dev pages are served only to those). */
export function isLocalRequest(request: Request): boolean {
  if (!isLoopbackHost(new URL(request.url).hostname)) return false;
  const ip = request.headers.get("cf-connecting-ip");
  return ip === null || isLoopbackAddress(ip.trim());
}
