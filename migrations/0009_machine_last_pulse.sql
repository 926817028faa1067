-- When each machine last sent a pulse (epoch ms of receipt), for the machines page ("waiting for the
-- first pulse" until then). Kept by a trigger in the pulse's own transaction, like the rollups.
ALTER TABLE `machines` ADD `last_pulse_at` integer;
--> statement-breakpoint
UPDATE `machines` SET `last_pulse_at` = (SELECT max(`received_at`) FROM `pulses` WHERE `pulses`.`machine_id` = `machines`.`id`);
--> statement-breakpoint
CREATE TRIGGER `pulses_mark_machine` AFTER INSERT ON `pulses` BEGIN
  UPDATE `machines` SET `last_pulse_at` = max(coalesce(`last_pulse_at`, 0), NEW.`received_at`) WHERE `id` = NEW.`machine_id`;
END;
