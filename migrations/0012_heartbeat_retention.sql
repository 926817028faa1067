-- Retention (0010) deletes raw heartbeats past the kept-from date inside `retention.sweeping`; their
-- coding time stays in `coding_time_daily`, so the delete trigger that takes a deleted heartbeat's time
-- back (a machine or account deletion) skips its work while the sweep runs.
DROP TRIGGER IF EXISTS `heartbeats_time_after_delete`;
--> statement-breakpoint
CREATE TRIGGER `heartbeats_time_after_delete` AFTER DELETE ON `heartbeats` WHEN (SELECT `sweeping` FROM `retention` WHERE `id` = 1) = 0 BEGIN
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
