-- A pulse is written by one statement: its XP entries ride along in `xps_intake` as
-- `[[language key, xp], ...]`, and this trigger turns them into `xps` rows (whose own trigger keeps
-- the rollups) and clears the column, all inside the insert. A key with no language row makes
-- `language_id` NULL, which aborts the whole insert (the pulse is then retried with its languages
-- created). The insert must not use `INSERT OR IGNORE`: that policy would reach into this trigger
-- and silently drop such rows; it uses `ON CONFLICT DO NOTHING`, which only covers its own row.
ALTER TABLE `pulses` ADD `xps_intake` text;
--> statement-breakpoint
CREATE TRIGGER `pulses_take_in_xps` AFTER INSERT ON `pulses` WHEN NEW.`xps_intake` IS NOT NULL BEGIN
  INSERT INTO `xps` (`pulse_id`, `language_id`, `original_language_id`, `amount`)
    SELECT NEW.`id`, coalesce(l.`alias_of`, l.`id`), l.`id`, e.`value` ->> 1
    FROM json_each(NEW.`xps_intake`) AS e
    LEFT JOIN `languages` l ON l.`name_key` = e.`value` ->> 0
    ORDER BY e.`key`;
  UPDATE `pulses` SET `xps_intake` = NULL WHERE `id` = NEW.`id`;
END;
