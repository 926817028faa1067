// Parsing the Cookie header and writing Set-Cookie values (no platform imports), and the cookies of this service.

// `__Host-`: Secure, Path=/, no Domain, so neither a subdomain nor plain HTTP can plant or overwrite them.
export const SESSION_COOKIE = "__Host-pe_session";
/** Double-submit CSRF token for signed-out forms (log in, sign up, password reset). */
export const CSRF_COOKIE = "__Host-pe_csrf";
/** The flash message of a Post/Redirect/Get (see domain/flash.ts). */
export const FLASH_COOKIE = "__Host-pe_flash";

export interface CookieOptions {
  /** Seconds; omitted for a browser-session cookie, 0 to delete. */
  maxAge?: number;
  httpOnly?: boolean;
  sameSite?: "Lax" | "Strict";
}

/** The cookies of a Cookie header; the first occurrence of a name wins, values are not decoded. */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/**
 * A Set-Cookie value. Every cookie of this service is `Secure; Path=/` without a Domain, so the
 * `__Host-` name prefix can be used (the browser then refuses the cookie from subdomains and over HTTP).
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new Error("invalid cookie name");
  if (!/^[!#$%&'()*+\-./0-9:<=>?@A-Z[\]^_`a-z{|}~]*$/.test(value)) throw new Error("invalid cookie value");
  const parts = [`${name}=${value}`];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  parts.push("Path=/", "Secure");
  if (options.httpOnly !== false) parts.push("HttpOnly");
  parts.push(`SameSite=${options.sameSite ?? "Lax"}`);
  return parts.join("; ");
}
