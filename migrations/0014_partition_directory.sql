-- The partition directory (worker/db/directory.ts): which D1 database holds a user when a deployment
-- has more than one (bindings DB, DB_1, DB_2, ...). Every database gets this migration; only the
-- default one (DB) holds directory rows. User ids carry their partition (worker/domain/partition.ts),
-- so these tables answer only what an id cannot: a username or a machine token.
--
-- Every account's name is claimed here before the account is written, which makes names unique across
-- all databases. Existing accounts (all on the default database) are claimed by the backfill below.
CREATE TABLE `user_homes` (
	`username_key` text PRIMARY KEY NOT NULL,
	`partition` integer NOT NULL,
	`user_id` integer
);
--> statement-breakpoint
CREATE INDEX `user_homes_user` ON `user_homes` (`user_id`);
--> statement-breakpoint
CREATE INDEX `user_homes_partition` ON `user_homes` (`partition`);
--> statement-breakpoint
INSERT INTO `user_homes` (`username_key`, `partition`, `user_id`) SELECT `username_key`, 0, `id` FROM `users`;
--> statement-breakpoint
-- Machine tokens of users on the other databases (a token not listed here belongs to the default one).
CREATE TABLE `token_homes` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `token_homes_user` ON `token_homes` (`user_id`);
