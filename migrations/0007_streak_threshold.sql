-- Streaks: a local day counts towards a user's streak when its XP reaches this threshold (default: any XP).
ALTER TABLE `users` ADD `streak_min_xp` integer DEFAULT 1 NOT NULL;
