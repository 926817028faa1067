// The client's address: Cloudflare's CF-Connecting-IP, with the one fallback for requests without it.

/** What requests without CF-Connecting-IP (local tools, tests) share as their address. */
export const UNKNOWN_CLIENT = "unknown-address";

export function clientAddress(request: Request): string {
  return request.headers.get("cf-connecting-ip")?.trim() || UNKNOWN_CLIENT;
}
