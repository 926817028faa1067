-- WakaTime heartbeats (the WakaTime API on the machine keys), the user's coding-time settings, and
-- coding time per local day and dimension, kept exact by triggers on every inserted or deleted
-- heartbeat. Coding time is WakaTime's: the gap from one heartbeat to the user's next one counts when
-- it is at most the keystroke timeout and both fall on the same local day; it is booked on the
-- earlier heartbeat's category, language, project, editor, operating system and machine. A heartbeat
-- arriving between two others splits their gap: the triggers take the old gap's credit back and add
-- the two new ones, so any arrival order ends with the same totals.
CREATE TABLE `heartbeats` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`machine_id` integer NOT NULL,
	`time_ms` integer NOT NULL,
	`local_date` text NOT NULL,
	`utc_offset` integer NOT NULL,
	`entity` text NOT NULL,
	`type` text NOT NULL,
	`category` text NOT NULL,
	`project` text,
	`branch` text,
	`language` text,
	`editor` text,
	`operating_system` text,
	`machine_name` text,
	`user_agent` text,
	`is_write` integer NOT NULL DEFAULT 0,
	`lines` integer,
	`lineno` integer,
	`cursorpos` integer,
	`hash` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `heartbeats_user_hash` ON `heartbeats` (`user_id`,`hash`);
--> statement-breakpoint
CREATE INDEX `heartbeats_user_time` ON `heartbeats` (`user_id`,`time_ms`);
--> statement-breakpoint
CREATE INDEX `heartbeats_machine` ON `heartbeats` (`machine_id`);
--> statement-breakpoint
CREATE TABLE `coding_time_daily` (
	`user_id` integer NOT NULL,
	`local_date` text NOT NULL,
	`dim` text NOT NULL,
	`name` text NOT NULL,
	`ms` integer NOT NULL,
	PRIMARY KEY(`user_id`, `local_date`, `dim`, `name`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `coding_time_settings` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`timeout_minutes` integer DEFAULT 15 NOT NULL,
	`time_zone` text,
	`show_projects` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- One row per stored heartbeat and dimension it books time on ('total' has the empty name; a
-- missing value is the empty name; machines by id). json_each, not UNION ALL: D1 caps compound SELECTs.
CREATE VIEW `heartbeat_dims` AS
  SELECT h.`id`, h.`user_id`, h.`local_date`, d.`value` AS `dim`,
    CASE d.`value` WHEN 'total' THEN '' WHEN 'category' THEN h.`category` WHEN 'language' THEN coalesce(h.`language`, '')
      WHEN 'project' THEN coalesce(h.`project`, '') WHEN 'editor' THEN coalesce(h.`editor`, '')
      WHEN 'os' THEN coalesce(h.`operating_system`, '') ELSE CAST(h.`machine_id` AS TEXT) END AS `name`
  FROM `heartbeats` h JOIN json_each('["total","category","language","project","editor","os","machine"]') d;
--> statement-breakpoint
CREATE TRIGGER `heartbeats_time_after_insert` AFTER INSERT ON `heartbeats` BEGIN
  -- The gap from the previous heartbeat to the next one is split by NEW: take its credit back.
  INSERT INTO `coding_time_daily` (`user_id`, `local_date`, `dim`, `name`, `ms`)
    SELECT d.`user_id`, d.`local_date`, d.`dim`, d.`name`, p.`time_ms` - q.`time_ms`
    FROM `heartbeats` p JOIN `heartbeats` q JOIN `heartbeat_dims` d ON d.`id` = p.`id`
    WHERE p.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = NEW.`user_id` AND (`time_ms`, `id`) < (NEW.`time_ms`, NEW.`id`) ORDER BY `time_ms` DESC, `id` DESC LIMIT 1)
      AND q.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = NEW.`user_id` AND (`time_ms`, `id`) > (NEW.`time_ms`, NEW.`id`) ORDER BY `time_ms`, `id` LIMIT 1)
      AND p.`local_date` = q.`local_date`
      AND q.`time_ms` - p.`time_ms` <= coalesce((SELECT `timeout_minutes` FROM `coding_time_settings` WHERE `user_id` = NEW.`user_id`), 15) * 60000
    ON CONFLICT (`user_id`, `local_date`, `dim`, `name`) DO UPDATE SET `ms` = `ms` + excluded.`ms`;
  -- The previous heartbeat's gap up to NEW.
  INSERT INTO `coding_time_daily` (`user_id`, `local_date`, `dim`, `name`, `ms`)
    SELECT d.`user_id`, d.`local_date`, d.`dim`, d.`name`, NEW.`time_ms` - p.`time_ms`
    FROM `heartbeats` p JOIN `heartbeat_dims` d ON d.`id` = p.`id`
    WHERE p.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = NEW.`user_id` AND (`time_ms`, `id`) < (NEW.`time_ms`, NEW.`id`) ORDER BY `time_ms` DESC, `id` DESC LIMIT 1)
      AND p.`local_date` = NEW.`local_date`
      AND NEW.`time_ms` - p.`time_ms` <= coalesce((SELECT `timeout_minutes` FROM `coding_time_settings` WHERE `user_id` = NEW.`user_id`), 15) * 60000
    ON CONFLICT (`user_id`, `local_date`, `dim`, `name`) DO UPDATE SET `ms` = `ms` + excluded.`ms`;
  -- NEW's gap up to the next heartbeat.
  INSERT INTO `coding_time_daily` (`user_id`, `local_date`, `dim`, `name`, `ms`)
    SELECT d.`user_id`, d.`local_date`, d.`dim`, d.`name`, q.`time_ms` - NEW.`time_ms`
    FROM `heartbeats` q JOIN `heartbeat_dims` d ON d.`id` = NEW.`id`
    WHERE q.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = NEW.`user_id` AND (`time_ms`, `id`) > (NEW.`time_ms`, NEW.`id`) ORDER BY `time_ms`, `id` LIMIT 1)
      AND q.`local_date` = NEW.`local_date`
      AND q.`time_ms` - NEW.`time_ms` <= coalesce((SELECT `timeout_minutes` FROM `coding_time_settings` WHERE `user_id` = NEW.`user_id`), 15) * 60000
    ON CONFLICT (`user_id`, `local_date`, `dim`, `name`) DO UPDATE SET `ms` = `ms` + excluded.`ms`;
END;
--> statement-breakpoint
CREATE TRIGGER `heartbeats_time_after_delete` AFTER DELETE ON `heartbeats` BEGIN
  -- The previous heartbeat's gap up to OLD goes.
  INSERT INTO `coding_time_daily` (`user_id`, `local_date`, `dim`, `name`, `ms`)
    SELECT d.`user_id`, d.`local_date`, d.`dim`, d.`name`, p.`time_ms` - OLD.`time_ms`
    FROM `heartbeats` p JOIN `heartbeat_dims` d ON d.`id` = p.`id`
    WHERE p.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = OLD.`user_id` AND (`time_ms`, `id`) < (OLD.`time_ms`, OLD.`id`) ORDER BY `time_ms` DESC, `id` DESC LIMIT 1)
      AND p.`local_date` = OLD.`local_date`
      AND OLD.`time_ms` - p.`time_ms` <= coalesce((SELECT `timeout_minutes` FROM `coding_time_settings` WHERE `user_id` = OLD.`user_id`), 15) * 60000
    ON CONFLICT (`user_id`, `local_date`, `dim`, `name`) DO UPDATE SET `ms` = `ms` + excluded.`ms`;
  -- OLD's own gap up to the next heartbeat goes (OLD's dimensions are spelled out: its row is gone).
  INSERT INTO `coding_time_daily` (`user_id`, `local_date`, `dim`, `name`, `ms`)
    SELECT OLD.`user_id`, OLD.`local_date`, d.`dim`, d.`name`, OLD.`time_ms` - q.`time_ms`
    FROM `heartbeats` q JOIN (
      SELECT d.`value` AS `dim`, CASE d.`value` WHEN 'total' THEN '' WHEN 'category' THEN OLD.`category` WHEN 'language' THEN coalesce(OLD.`language`, '')
      WHEN 'project' THEN coalesce(OLD.`project`, '') WHEN 'editor' THEN coalesce(OLD.`editor`, '')
      WHEN 'os' THEN coalesce(OLD.`operating_system`, '') ELSE CAST(OLD.`machine_id` AS TEXT) END AS `name`
      FROM json_each('["total","category","language","project","editor","os","machine"]') d
    ) d
    WHERE q.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = OLD.`user_id` AND (`time_ms`, `id`) > (OLD.`time_ms`, OLD.`id`) ORDER BY `time_ms`, `id` LIMIT 1)
      AND q.`local_date` = OLD.`local_date`
      AND q.`time_ms` - OLD.`time_ms` <= coalesce((SELECT `timeout_minutes` FROM `coding_time_settings` WHERE `user_id` = OLD.`user_id`), 15) * 60000
    ON CONFLICT (`user_id`, `local_date`, `dim`, `name`) DO UPDATE SET `ms` = `ms` + excluded.`ms`;
  -- The previous and the next heartbeat are neighbours again.
  INSERT INTO `coding_time_daily` (`user_id`, `local_date`, `dim`, `name`, `ms`)
    SELECT d.`user_id`, d.`local_date`, d.`dim`, d.`name`, q.`time_ms` - p.`time_ms`
    FROM `heartbeats` p JOIN `heartbeats` q JOIN `heartbeat_dims` d ON d.`id` = p.`id`
    WHERE p.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = OLD.`user_id` AND (`time_ms`, `id`) < (OLD.`time_ms`, OLD.`id`) ORDER BY `time_ms` DESC, `id` DESC LIMIT 1)
      AND q.`id` = (SELECT `id` FROM `heartbeats` WHERE `user_id` = OLD.`user_id` AND (`time_ms`, `id`) > (OLD.`time_ms`, OLD.`id`) ORDER BY `time_ms`, `id` LIMIT 1)
      AND p.`local_date` = q.`local_date`
      AND q.`time_ms` - p.`time_ms` <= coalesce((SELECT `timeout_minutes` FROM `coding_time_settings` WHERE `user_id` = OLD.`user_id`), 15) * 60000
    ON CONFLICT (`user_id`, `local_date`, `dim`, `name`) DO UPDATE SET `ms` = `ms` + excluded.`ms`;
END;
