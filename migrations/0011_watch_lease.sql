-- Watch lease: a user's live object sets `watched_until` when its first viewer connects and renews it
-- while viewers stay; the pulse insert reports it back (RETURNING), so the Worker tells only watched
-- users' objects about a pulse, without an extra query. A lapsed lease costs nothing: it just expires.
ALTER TABLE `users` ADD `watched_until` integer DEFAULT 0 NOT NULL;
