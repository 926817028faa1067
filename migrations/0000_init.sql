CREATE TABLE `languages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`alias_of` integer,
	FOREIGN KEY (`alias_of`) REFERENCES `languages`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `languages_name_key_unique` ON `languages` (`name_key`);--> statement-breakpoint
CREATE TABLE `machine_daily_xp` (
	`machine_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`local_date` text NOT NULL,
	`language_id` integer NOT NULL,
	`xp` integer NOT NULL,
	PRIMARY KEY(`machine_id`, `local_date`, `language_id`),
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`language_id`) REFERENCES `languages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `machine_daily_xp_user_date` ON `machine_daily_xp` (`user_id`,`local_date`);--> statement-breakpoint
CREATE TABLE `machine_hourly_xp` (
	`machine_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`local_hour` integer NOT NULL,
	`xp` integer NOT NULL,
	PRIMARY KEY(`machine_id`, `local_hour`),
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `machine_hourly_xp_user` ON `machine_hourly_xp` (`user_id`);--> statement-breakpoint
CREATE TABLE `machines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `machines_token_hash_unique` ON `machines` (`token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `machines_user_name` ON `machines` (`user_id`,`name`);--> statement-breakpoint
CREATE TABLE `pulses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`machine_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`coded_at` integer NOT NULL,
	`utc_offset` integer NOT NULL,
	`received_at` integer NOT NULL,
	`xp` integer NOT NULL,
	`fingerprint` text NOT NULL,
	`nonce` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pulses_user_seq` ON `pulses` (`user_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `pulses_machine_fingerprint` ON `pulses` (`machine_id`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `pulses_user_coded_at` ON `pulses` (`user_id`,`coded_at`);--> statement-breakpoint
CREATE INDEX `pulses_coded_at` ON `pulses` (`coded_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`username_key` text NOT NULL,
	`email` text,
	`password_hash` text DEFAULT '' NOT NULL,
	`private` integer DEFAULT false NOT NULL,
	`pulse_seq` integer DEFAULT 0 NOT NULL,
	`total_xp` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_key_unique` ON `users` (`username_key`);--> statement-breakpoint
CREATE TABLE `xps` (
	`id` integer PRIMARY KEY NOT NULL,
	`pulse_id` integer NOT NULL,
	`language_id` integer NOT NULL,
	`original_language_id` integer NOT NULL,
	`amount` integer NOT NULL,
	FOREIGN KEY (`pulse_id`) REFERENCES `pulses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`language_id`) REFERENCES `languages`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`original_language_id`) REFERENCES `languages`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "xps_amount_non_negative" CHECK("xps"."amount" >= 0)
);
--> statement-breakpoint
CREATE INDEX `xps_pulse` ON `xps` (`pulse_id`);