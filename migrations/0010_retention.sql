-- Retention of raw rows (worker/services/retention.ts). One row: `raw_kept_from` is the local date from
-- which raw pulses are kept (earlier ones are deleted, or being deleted; NULL: nothing was ever
-- deleted), so exports know which days come from the rollups. `sweeping` is 1 only inside the
-- transaction that deletes expired raw rows: a delete trigger that keeps a rollup must not undo the
-- row's share while it is set (`WHEN (SELECT sweeping FROM retention) = 0`), so retention never
-- changes a rollup while machine and account deletion stay exact. The pulse rollups have no delete
-- triggers (they go with their machine by cascade), so for pulses the flag is the contract only.
CREATE TABLE `retention` (
	`id` integer PRIMARY KEY NOT NULL,
	`raw_kept_from` text,
	`sweeping` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "retention_one_row" CHECK("retention"."id" = 1)
);
--> statement-breakpoint
INSERT INTO `retention` (`id`, `raw_kept_from`, `sweeping`) VALUES (1, NULL, 0);
