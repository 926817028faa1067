// Sending mail: through the `send_email` binding when configured (production), otherwise into the
// local D1 outbox, readable on /dev/outbox (localhost only) and with `npm run outbox`.
import type { Env } from "../env";
import type { Mail } from "../domain/mail";
import { insertOutbox } from "../db/outbox";
import { log } from "../observability/log";

export function outboxMode(env: Env): boolean {
  return !env.MAILER;
}

export async function sendMail(env: Env, mail: Mail, now: number): Promise<void> {
  if (!env.MAILER) {
    await insertOutbox(env.DB, mail, now);
    return;
  }
  if (!env.MAIL_FROM) {
    log("error", "mail not sent: MAILER is bound but MAIL_FROM is not set");
    return;
  }
  try {
    await env.MAILER.send({ from: { email: env.MAIL_FROM, name: "Pulse Edge" }, to: mail.to, subject: mail.subject, text: mail.text });
  } catch (error) {
    // The message and recipient are not logged: the text carries a reset link.
    log("error", "mail not sent", { error: error instanceof Error ? error.name : "error" });
  }
}
