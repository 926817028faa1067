// What the browser routes share: the Hono environment, the form guard (same origin + CSRF token) and helpers.
import type { Context, MiddlewareHandler } from "hono";
import type { Env } from "../../env";
import { readForm } from "../../http/form";
import { configuredOrigins, sameOrigin } from "../../http/origin";
import { FORBIDDEN_FORM, redirectWithFlash as redirect, type StatusPage, type StatusPageRenderer } from "../../http/web-responses";
import { clientAddress } from "../../http/client-address";
import { csrfTokenValid, type ActiveSession } from "../../services/sessions";

export interface WebEnv {
  Bindings: Env;
  Variables: {
    /** The signed-in session of the request, or null (resolved for every request of the web app). */
    session: ActiveSession | null;
    /** The posted form, once the guard accepted it. */
    form: URLSearchParams;
    renderStatus: StatusPageRenderer;
  };
}

export type WebContext = Context<WebEnv>;

/** A 303 back to a page with a flash message (Post/Redirect/Get). */
export { redirect };

export function statusPage(c: WebContext, page: StatusPage): Promise<Response> {
  return c.get("renderStatus")(c.req.raw, page, c.env, c.executionCtx as ExecutionContext);
}

export function ip(c: WebContext): string {
  return clientAddress(c.req.raw);
}

/** The origin for links in mail: the first configured public origin, never the request's Host; null when none is set. */
export function linkOrigin(c: WebContext): string | null {
  return configuredOrigins(c.env.PUBLIC_ORIGIN)[0] ?? null;
}

export function requireSession(c: WebContext): ActiveSession {
  const session = c.get("session");
  if (!session) throw new Error("route needs a session guard");
  return session;
}

type Access =
  /** Signed-out forms: the session's token or the double-submit cookie's. */
  | "public"
  /** Account forms: a live session and its token; without a session, to the log-in page. */
  | "account"
  /** Log out: without a session there is nothing to protect. */
  | "logout";

/**
 * Every state-changing form goes through this: a small urlencoded body, an Origin (or Referer) equal
 * to this site's, and a CSRF token. Failures change nothing and answer 403.
 */
export function formGuard(access: Access): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const read = await readForm(c.req.raw);
    if (!read.ok) {
      const messages = { 400: "The form could not be read.", 413: "The form is too large.", 415: "Send this as an HTML form." };
      return statusPage(c, { status: read.status, title: "Bad request", message: messages[read.status] });
    }
    if (!sameOrigin(c.req.raw, c.env.PUBLIC_ORIGIN)) return statusPage(c, FORBIDDEN_FORM);
    const session = c.get("session");
    if (!session && access === "account") {
      return redirect("/login", { kind: "info", message: "Please log in first." });
    }
    if (!(session === null && access === "logout")) {
      const ok = await csrfTokenValid(read.form.get("csrf"), session, c.req.header("cookie") ?? null, access === "public");
      if (!ok) return statusPage(c, FORBIDDEN_FORM);
    }
    c.set("form", read.form);
    await next();
  };
}
