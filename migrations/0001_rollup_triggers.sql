-- Rollups and per-user counters are maintained by the database itself, inside the transaction that
-- writes the rows they sum: no code path (ingest, seeding, repairs) can make them disagree.
-- Local date and hour come from the instant plus the sender's UTC offset, as in domain/coded-at.ts.
CREATE TRIGGER `pulses_count_for_user` AFTER INSERT ON `pulses` BEGIN
  UPDATE `users` SET `pulse_seq` = NEW.`seq`, `total_xp` = `total_xp` + NEW.`xp` WHERE `id` = NEW.`user_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `xps_roll_up` AFTER INSERT ON `xps` BEGIN
  INSERT INTO `machine_daily_xp` (`machine_id`, `user_id`, `local_date`, `language_id`, `xp`)
    SELECT `machine_id`, `user_id`, date((`coded_at` + `utc_offset` * 60000) / 1000, 'unixepoch'), NEW.`language_id`, NEW.`amount`
    FROM `pulses` WHERE `id` = NEW.`pulse_id`
    ON CONFLICT (`machine_id`, `local_date`, `language_id`) DO UPDATE SET `xp` = `xp` + excluded.`xp`;
  INSERT INTO `machine_hourly_xp` (`machine_id`, `user_id`, `local_hour`, `xp`)
    SELECT `machine_id`, `user_id`, CAST(strftime('%H', (`coded_at` + `utc_offset` * 60000) / 1000, 'unixepoch') AS INTEGER), NEW.`amount`
    FROM `pulses` WHERE `id` = NEW.`pulse_id`
    ON CONFLICT (`machine_id`, `local_hour`) DO UPDATE SET `xp` = `xp` + excluded.`xp`;
END;
