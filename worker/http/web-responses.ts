// Responses of the browser-facing web app: Post/Redirect/Get with a flash cookie, and status pages.
import { FLASH_COOKIE, serializeCookie } from "../domain/cookies";
import { encodeFlash, type Flash } from "../domain/flash";
import type { Env } from "../env";

export const NO_STORE = "no-store";

/** A 303 to `location` carrying a flash message (and any other cookies, e.g. a new session). */
export function redirectWithFlash(location: string, flash: Flash | null, cookies: string[] = []): Response {
  const headers = new Headers({ location, "cache-control": NO_STORE });
  if (flash) headers.append("set-cookie", serializeCookie(FLASH_COOKIE, encodeFlash(flash), { maxAge: 60 }));
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(null, { status: 303, headers });
}

export interface StatusPage {
  status: 400 | 403 | 404 | 413 | 415 | 429 | 503;
  title: string;
  message: string;
  retryAfter?: number;
}

/**
 * Renders a status page. The production entry passes a renderer that uses the site's Astro pages;
 * without one (tests, API-only dev server) a minimal HTML page is produced.
 */
export type StatusPageRenderer = (request: Request, page: StatusPage, env: Env, ctx: ExecutionContext) => Promise<Response>;

export function plainStatusPage(page: StatusPage): Response {
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(page.title)} · Pulse Edge</title></head>
<body><main><h1>${esc(page.title)}</h1><p>${esc(page.message)}</p><p><a href="/">Back to the front page</a></p></main></body></html>
`;
  const headers = new Headers({ "content-type": "text/html; charset=utf-8", "cache-control": NO_STORE });
  if (page.retryAfter !== undefined) headers.set("retry-after", String(page.retryAfter));
  return new Response(body, { status: page.status, headers });
}

export function tooManyRequests(retryAfter: number): StatusPage {
  const minutes = Math.ceil(retryAfter / 60);
  return {
    status: 429,
    title: "Too many requests",
    message: `Too many attempts from here. Please wait ${minutes === 1 ? "a minute" : `${minutes} minutes`} and try again.`,
    retryAfter,
  };
}

export const FORBIDDEN_FORM: StatusPage = {
  status: 403,
  title: "Form expired",
  message: "This form could not be verified (it may have expired or come from another site). Go back, reload the page and try again.",
};

export const MACHINE_NOT_FOUND: StatusPage = { status: 404, title: "Not found", message: "There is no such machine in your account." };

/** A server without PUBLIC_ORIGIN cannot build reset links (they must never come from the request's Host). */
export const RESET_UNAVAILABLE: StatusPage = {
  status: 503,
  title: "Password reset unavailable",
  message: "This server cannot send reset links: its public origin (PUBLIC_ORIGIN) is not configured. Please tell the site's operator.",
};
