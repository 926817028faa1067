// The Worker's handler, shared by both entries: every request under its request id, dispatched by
// path (API, badge images, the web app, pages), and the Cron Triggers. The entry says how pages render.
import type { Env } from "./env";
import { fetchApi, isApiPath } from "./app";
import { observe } from "./observability/observe";
import { fetchBadgeImage, isBadgeImagePath } from "./routes/badges";
import { withSecurityHeaders } from "./http/security-headers";
import type { StatusPageRenderer } from "./http/web-responses";
import { createWebApp, isWebRequest } from "./web";
import { runScheduled } from "./services/scheduled";

export interface EntryOptions {
  /** Renders a page (every path the API and the web app do not serve); security headers are added here. */
  renderPage(request: Request, env: Env, ctx: ExecutionContext): Promise<Response>;
  /** How the web app renders its status pages (429, 403, ...); plain text when absent. */
  statusPages?: StatusPageRenderer;
}

export function createHandler(options: EntryOptions) {
  const web = createWebApp(options.statusPages);

  function dispatch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    const { pathname } = new URL(request.url);
    if (isApiPath(pathname)) return fetchApi(request, env, ctx);
    if (isBadgeImagePath(pathname)) return Promise.resolve(fetchBadgeImage(request, env, ctx)).then(withSecurityHeaders);
    if (isWebRequest(request.method, pathname)) return Promise.resolve(web.fetch(request, env, ctx)).then(withSecurityHeaders);
    return options.renderPage(request, env, ctx).then(withSecurityHeaders);
  }

  return {
    fetch(request, env, ctx) {
      return observe(request, () => dispatch(request, env, ctx));
    },
    // Cron Triggers (wrangler.toml): the retention sweep, and nightly the backup to R2 first.
    async scheduled(controller, env) {
      await runScheduled(controller, env);
    },
  } satisfies ExportedHandler<Env>;
}
