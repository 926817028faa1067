-- Per-user language aliases: a user books XP sent under `language_id` on `target_id` (already resolved
-- through the global alias of the target). The intake trigger consults them for every new XP row;
-- re-pointing the past is done by the aliases service (worker/db/language-aliases.ts).
CREATE TABLE `user_language_aliases` (
	`user_id` integer NOT NULL,
	`language_id` integer NOT NULL,
	`target_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `language_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`language_id`) REFERENCES `languages`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`target_id`) REFERENCES `languages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `user_language_aliases_target` ON `user_language_aliases` (`user_id`,`target_id`);
--> statement-breakpoint
-- The intake trigger of 0003, now booking a user's own alias first, then the global one.
DROP TRIGGER `pulses_take_in_xps`;
--> statement-breakpoint
CREATE TRIGGER `pulses_take_in_xps` AFTER INSERT ON `pulses` WHEN NEW.`xps_intake` IS NOT NULL BEGIN
  INSERT INTO `xps` (`pulse_id`, `language_id`, `original_language_id`, `amount`)
    SELECT NEW.`id`, coalesce(a.`target_id`, l.`alias_of`, l.`id`), l.`id`, e.`value` ->> 1
    FROM json_each(NEW.`xps_intake`) AS e
    LEFT JOIN `languages` l ON l.`name_key` = e.`value` ->> 0
    LEFT JOIN `user_language_aliases` a ON a.`user_id` = NEW.`user_id` AND a.`language_id` = l.`id`
    ORDER BY e.`key`;
  UPDATE `pulses` SET `xps_intake` = NULL WHERE `id` = NEW.`id`;
END;
