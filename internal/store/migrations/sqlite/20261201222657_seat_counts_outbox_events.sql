-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_notifications" table
CREATE TABLE `new_notifications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `recipient` text NOT NULL, `subject` text NULL, `language` text NOT NULL DEFAULT ('en'), `registrant_status` text NULL, `waitlist_position` integer NULL, `registrant_id` integer NULL, `sealed_token` blob NULL, `status` text NOT NULL DEFAULT ('PENDING'), `attempts` integer NOT NULL DEFAULT (0), `last_error` text NULL, `next_attempt_at` datetime NOT NULL, `sent_at` datetime NULL);
-- set sequence for "new_notifications" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_notifications", 47244640256);
-- copy rows from old table "notifications" to new temporary table "new_notifications"
INSERT INTO `new_notifications` (`id`, `created_at`, `updated_at`, `kind`, `recipient`, `subject`, `language`, `registrant_id`, `status`, `attempts`, `last_error`, `next_attempt_at`, `sent_at`) SELECT `id`, `created_at`, `updated_at`, `kind`, `recipient`, `subject`, `language`, `registrant_id`, `status`, `attempts`, `last_error`, `next_attempt_at`, `sent_at` FROM `notifications`;
-- drop "notifications" table after copying rows
DROP TABLE `notifications`;
-- rename temporary table "new_notifications" to "notifications"
ALTER TABLE `new_notifications` RENAME TO `notifications`;
-- create index "notification_status_next_attempt_at" to table: "notifications"
CREATE INDEX `notification_status_next_attempt_at` ON `notifications` (`status`, `next_attempt_at`);
-- create "seat_counts" table
CREATE TABLE `seat_counts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `category` text NOT NULL DEFAULT (''), `confirmed` integer NOT NULL DEFAULT (0), `pending` integer NOT NULL DEFAULT (0), `waitlisted` integer NOT NULL DEFAULT (0), `waitlist_tail_at` datetime NULL, `launch_id` integer NOT NULL, CONSTRAINT `seat_counts_launches_seat_counts` FOREIGN KEY (`launch_id`) REFERENCES `launches` (`id`) ON DELETE CASCADE);
-- set sequence for "seat_counts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("seat_counts", 55834574848);
-- create index "seatcount_launch_id_category" to table: "seat_counts"
CREATE UNIQUE INDEX `seatcount_launch_id_category` ON `seat_counts` (`launch_id`, `category`);
-- count the live registrants of every launch: the counters' repair formula (hand-added)
INSERT INTO `seat_counts` (`launch_id`, `category`, `confirmed`, `pending`, `waitlisted`, `waitlist_tail_at`)
SELECT l.`id`, '',
  (SELECT count(*) FROM `registrants` r WHERE r.`launch_id` = l.`id` AND r.`status` = 'CONFIRMED'),
  (SELECT count(*) FROM `registrants` r WHERE r.`launch_id` = l.`id` AND r.`status` = 'PENDING'),
  (SELECT count(*) FROM `registrants` r WHERE r.`launch_id` = l.`id` AND r.`status` = 'WAITLISTED'),
  (SELECT max(r.`created_at`) FROM `registrants` r WHERE r.`launch_id` = l.`id` AND r.`status` = 'WAITLISTED')
FROM `launches` l;
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "seatcount_launch_id_category" to table: "seat_counts"
DROP INDEX `seatcount_launch_id_category`;
-- reverse: set sequence for "seat_counts" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "seat_counts";
-- reverse: create "seat_counts" table
DROP TABLE `seat_counts`;
-- reverse: create index "notification_status_next_attempt_at" to table: "notifications"
DROP INDEX `notification_status_next_attempt_at`;
-- reverse: set sequence for "new_notifications" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_notifications";
-- reverse: create "new_notifications" table
DROP TABLE `new_notifications`;
