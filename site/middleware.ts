import { defineMiddleware } from "astro:middleware";
import { env } from "cloudflare:workers";
import { parseCookies, serializeCookie } from "#worker/domain/cookies";
import { decodeFlash } from "#worker/domain/flash";
import {
  anonymousCsrfToken,
  clearSessionCookie,
  FLASH_COOKIE,
  newAnonymousCsrf,
  resolveSession,
  SESSION_COOKIE,
  takeTokenReveal,
  viewerOf,
} from "#worker/services/sessions";
import { profilePages } from "#worker/http/page-cache";

/** Signed-out pages with forms: they get a double-submit CSRF cookie (other pages stay cookie-free). */
const SIGNED_OUT_FORMS = /^\/(?:login|signup|forgot-password|reset-password\/[^/]+)$/;

function normalize(pathname: string): string {
  return pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
}

// Resolves the session cookie into Astro.locals.viewer (the same service the form handlers use),
// provides the CSRF token for forms, and hands the flash message of a Post/Redirect/Get to the page.
export const onRequest = defineMiddleware(async (context, next) => {
  const now = Date.now();
  const path = normalize(context.url.pathname);
  const cookieHeader = context.request.headers.get("cookie");
  const cookies = parseCookies(cookieHeader);
  const setCookies: string[] = [];

  const session = await resolveSession(env, cookieHeader, now);
  context.locals.viewer = session ? await viewerOf(session) : null;
  if (!session && cookies.has(SESSION_COOKIE)) setCookies.push(clearSessionCookie()); // expired or revoked

  let formToken = context.locals.viewer?.csrfToken ?? anonymousCsrfToken(cookieHeader) ?? "";
  if (formToken === "" && SIGNED_OUT_FORMS.test(path)) {
    const fresh = newAnonymousCsrf();
    formToken = fresh.token;
    setCookies.push(fresh.cookie);
  }
  context.locals.formToken = formToken;

  const flash = decodeFlash(cookies.get(FLASH_COOKIE));
  context.locals.flash = flash;
  context.locals.tokenReveal = flash?.reveal && session && path === "/my/machines" ? await takeTokenReveal(env, session, now) : null;

  let response = await next();
  // A signed-out view of a public page that asked to be cached (the profile page, after its privacy check).
  if (context.locals.pageCacheKey && setCookies.length === 0 && !cookies.has(FLASH_COOKIE))
    response = await profilePages.put(context.locals.pageCacheKey, response, now);
  // A flash is used up by the page that shows it, not by a redirect on the way there.
  const redirected = response.status >= 300 && response.status < 400;
  if (cookies.has(FLASH_COOKIE) && !redirected) setCookies.push(serializeCookie(FLASH_COOKIE, "", { maxAge: 0 }));
  if (setCookies.length === 0) return response;
  const out = new Response(response.body, response);
  for (const cookie of setCookies) out.headers.append("set-cookie", cookie);
  return out;
});
