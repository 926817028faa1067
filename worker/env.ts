// Bindings of the Worker (see wrangler.toml).
export interface Env {
  DB: D1Database;
  /** Cloudflare Email Service `send_email` binding. Without it, mail is captured in the D1 `outbox` table. */
  MAILER?: SendEmail;
  /** Sender address for mail through MAILER (on a domain onboarded to Email Service). */
  MAIL_FROM?: string;
  /** The site's public origin (e.g. https://pulse.example) for links in mail; defaults to the request's origin. */
  PUBLIC_ORIGIN?: string;
}

export interface AppEnv {
  Bindings: Env;
}
