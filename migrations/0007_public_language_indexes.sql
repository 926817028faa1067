-- The aliases page lists only languages that public profiles use: these indexes let it ask "does a
-- public user have XP in this language (as booked) / sent under this name" with an index seek.
CREATE INDEX `machine_daily_xp_language` ON `machine_daily_xp` (`language_id`, `user_id`);
--> statement-breakpoint
CREATE INDEX `xps_original_language` ON `xps` (`original_language_id`);
