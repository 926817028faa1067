// The Cron Triggers (wrangler.toml `[triggers]`): the hourly retention sweep, and the nightly backup
// to R2 followed by the sweep. Any other schedule (e.g. `wrangler dev --test-scheduled`) runs the sweep.
import type { Env } from "../env";
import { backupDatabases } from "./backup";
import { runRetention } from "./retention";

/** The nightly schedule; the other one (hourly, "17 * * * *") and any unknown schedule sweep only. */
export const BACKUP_CRON = "41 3 * * *";

export async function runScheduled(controller: Pick<ScheduledController, "cron" | "scheduledTime">, env: Env): Promise<void> {
  if (controller.cron === BACKUP_CRON) {
    const backup = await backupDatabases(env, controller.scheduledTime);
    console.log(JSON.stringify({ event: "backup", ...backup }));
  }
  const retention = await runRetention(env, controller.scheduledTime);
  console.log(JSON.stringify({ event: "retention", ...retention }));
}
