-- Heartbeats arrive set-wise: a request writes one `heartbeat_intake` row (its heartbeats as JSON, the
-- key's machine and user, the highest heartbeat id before it and the user's timeout), and its trigger
-- stores the heartbeats, books the coding time they change in one grouped upsert, and deletes the
-- intake row, all inside that one insert. The coding time is the same as 0005's per-row triggers
-- gave (gaps between a user's consecutive heartbeats in (time, id) order, at most the timeout, within
-- a local day, booked on the earlier heartbeat), computed once for the whole set: for every new
-- heartbeat n with predecessor p and successor q in the new order, the gap p -> n (when p is older
-- than the request; a new p books it as its own gap to n) and n -> q are added, and when p is older
-- than the request the gap from p to the first older heartbeat after n, which the new ones split, is
-- taken back. A single row inserted straight into `heartbeats` (no intake row pending) goes the same
-- way through an intake row of its own, so there is one computation for every insert.
CREATE TABLE `heartbeat_intake` (
	`id` integer PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`machine_id` integer NOT NULL,
	`after_id` integer NOT NULL,
	`timeout_ms` integer NOT NULL,
	`received_at` integer NOT NULL,
	`rows` text NOT NULL
);
--> statement-breakpoint
-- A pending intake's new heartbeats with their neighbours in the user's (time, id) order: `prev` and
-- `next` among all heartbeats, `next_old` among those older than the intake. (`+n.user_id`: the new
-- rows are found by the id range, not by the user's index.)
CREATE VIEW `heartbeat_intake_neighbours` AS
  SELECT i.`id` AS `intake`, n.`id`, n.`time_ms`, n.`local_date`,
    (SELECT `id` FROM `heartbeats` WHERE `user_id` = n.`user_id` AND (`time_ms`, `id`) < (n.`time_ms`, n.`id`) ORDER BY `time_ms` DESC, `id` DESC LIMIT 1) AS `prev`,
    (SELECT `id` FROM `heartbeats` WHERE `user_id` = n.`user_id` AND (`time_ms`, `id`) > (n.`time_ms`, n.`id`) ORDER BY `time_ms`, `id` LIMIT 1) AS `next`,
    (SELECT `id` FROM `heartbeats` WHERE `user_id` = n.`user_id` AND (`time_ms`, `id`) > (n.`time_ms`, n.`id`) AND `id` <= i.`after_id` ORDER BY `time_ms`, `id` LIMIT 1) AS `next_old`
  FROM `heartbeat_intake` i JOIN `heartbeats` n ON n.`id` > i.`after_id` AND +n.`user_id` = i.`user_id`;
--> statement-breakpoint
CREATE TRIGGER `heartbeat_intake_after_insert` AFTER INSERT ON `heartbeat_intake` BEGIN
  INSERT INTO `heartbeats` (`user_id`, `machine_id`, `time_ms`, `local_date`, `utc_offset`, `entity`, `type`, `category`, `project`, `branch`,
      `language`, `editor`, `operating_system`, `machine_name`, `user_agent`, `is_write`, `lines`, `lineno`, `cursorpos`, `hash`, `received_at`)
    SELECT NEW.`user_id`, NEW.`machine_id`, e.`value` ->> 0, e.`value` ->> 1, e.`value` ->> 2, e.`value` ->> 3, e.`value` ->> 4, e.`value` ->> 5,
      e.`value` ->> 6, e.`value` ->> 7, e.`value` ->> 8, e.`value` ->> 9, e.`value` ->> 10, e.`value` ->> 11, e.`value` ->> 12,
      e.`value` ->> 13, e.`value` ->> 14, e.`value` ->> 15, e.`value` ->> 16, e.`value` ->> 17, NEW.`received_at`
    FROM json_each(NEW.`rows`) e
    WHERE true
    ORDER BY e.`key`
    ON CONFLICT DO NOTHING;
  INSERT INTO `coding_time_daily` (`user_id`, `local_date`, `dim`, `name`, `ms`)
    SELECT NEW.`user_id`, d.`local_date`, d.`dim`, d.`name`, sum(g.`ms`)
    FROM (
      -- Booked on an older predecessor p: its new gap to n, less its old gap to the first older heartbeat after n.
      SELECT n.`prev` AS `booked_on`,
          CASE WHEN p.`local_date` = n.`local_date` AND n.`time_ms` - p.`time_ms` <= NEW.`timeout_ms` THEN n.`time_ms` - p.`time_ms` ELSE 0 END
          - CASE WHEN p.`local_date` = q.`local_date` AND q.`time_ms` - p.`time_ms` <= NEW.`timeout_ms` THEN q.`time_ms` - p.`time_ms` ELSE 0 END AS `ms`
        FROM `heartbeat_intake_neighbours` n JOIN `heartbeats` p ON p.`id` = n.`prev` LEFT JOIN `heartbeats` q ON q.`id` = n.`next_old`
        WHERE n.`intake` = NEW.`id` AND p.`id` <= NEW.`after_id`
      UNION ALL
      -- Booked on n: its gap to its successor.
      SELECT n.`id`, q.`time_ms` - n.`time_ms`
        FROM `heartbeat_intake_neighbours` n JOIN `heartbeats` q ON q.`id` = n.`next`
        WHERE n.`intake` = NEW.`id` AND q.`local_date` = n.`local_date` AND q.`time_ms` - n.`time_ms` <= NEW.`timeout_ms`
    ) g JOIN `heartbeat_dims` d ON d.`id` = g.`booked_on`
    GROUP BY d.`local_date`, d.`dim`, d.`name`
    HAVING sum(g.`ms`) != 0
    ON CONFLICT (`user_id`, `local_date`, `dim`, `name`) DO UPDATE SET `ms` = `ms` + excluded.`ms`;
  DELETE FROM `heartbeat_intake` WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `heartbeats_time_after_insert`;
--> statement-breakpoint
-- A heartbeat inserted straight into the table (not through an intake row) books its time through an
-- intake row of its own, with no rows to store: the set of new heartbeats is then just this one.
CREATE TRIGGER `heartbeats_time_after_insert` AFTER INSERT ON `heartbeats` WHEN NOT EXISTS (SELECT 1 FROM `heartbeat_intake`) BEGIN
  INSERT INTO `heartbeat_intake` (`user_id`, `machine_id`, `after_id`, `timeout_ms`, `received_at`, `rows`)
    VALUES (NEW.`user_id`, NEW.`machine_id`, NEW.`id` - 1,
      coalesce((SELECT `timeout_minutes` FROM `coding_time_settings` WHERE `user_id` = NEW.`user_id`), 15) * 60000, NEW.`received_at`, '[]');
END;
