// Security headers for every response that is not the API: the Worker entry applies them to the web
// app's and Astro's responses. Astro's own Content-Security-Policy (script/style hashes, set from
// `security.csp` in astro.config.mjs) is kept and completed; other responses get a strict default.

/** For responses that render nothing themselves (redirects, downloads, the web app's small status pages). */
export const DEFAULT_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const REQUIRED_DIRECTIVES: [name: string, value: string][] = [
  ["frame-ancestors", "'none'"],
  ["base-uri", "'self'"],
  ["object-src", "'none'"],
  ["form-action", "'self'"],
];

const STATIC_SECURITY_HEADERS: Record<string, string> = {
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
  "cross-origin-opener-policy": "same-origin",
};

/** Completes a policy with the directives every page needs, keeping any the policy already sets. */
export function completeCsp(policy: string | null): string {
  if (!policy || policy.trim() === "") return DEFAULT_CSP;
  const present = new Set(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/)[0]?.toLowerCase())
      .filter(Boolean),
  );
  const missing = REQUIRED_DIRECTIVES.filter(([name]) => !present.has(name)).map(([name, value]) => `${name} ${value}`);
  const base = policy.trim().replace(/;+$/, "");
  return missing.length === 0 ? base : `${base}; ${missing.join("; ")}`;
}

export function withSecurityHeaders(response: Response): Response {
  // WebSocket upgrades pass through untouched (their headers belong to the handshake).
  if (response.status === 101 || response.webSocket) return response;
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(STATIC_SECURITY_HEADERS)) {
    // A page may ask for a stricter referrer policy (the reset page sends none at all); keep that.
    if (name === "referrer-policy" && out.headers.get(name) === "no-referrer") continue;
    out.headers.set(name, value);
  }
  out.headers.set("content-security-policy", completeCsp(response.headers.get("content-security-policy")));
  return out;
}
