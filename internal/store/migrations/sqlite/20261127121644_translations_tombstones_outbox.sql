-- +goose Up
-- add column "translations" to table: "formats"
ALTER TABLE `formats` ADD COLUMN `translations` json NULL;
-- add column "translations" to table: "guideline_sets"
ALTER TABLE `guideline_sets` ADD COLUMN `translations` json NULL;
-- add columns "translations" and "revision" to table: "launches" (no table rebuild: keeps rows and foreign keys intact)
ALTER TABLE `launches` ADD COLUMN `translations` json NULL;
ALTER TABLE `launches` ADD COLUMN `revision` integer NOT NULL DEFAULT 0;
-- add column "translations" to table: "objectives"
ALTER TABLE `objectives` ADD COLUMN `translations` json NULL;
-- add column "translations" to table: "regions"
ALTER TABLE `regions` ADD COLUMN `translations` json NULL;
-- add columns "translations" and "revision" to table: "sessions" (no table rebuild: keeps rows and foreign keys intact)
ALTER TABLE `sessions` ADD COLUMN `translations` json NULL;
ALTER TABLE `sessions` ADD COLUMN `revision` integer NOT NULL DEFAULT 0;
-- create "notifications" table
CREATE TABLE `notifications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `recipient` text NOT NULL, `subject` text NOT NULL, `language` text NOT NULL DEFAULT ('en'), `registrant_id` integer NULL, `message` blob NULL, `status` text NOT NULL DEFAULT ('PENDING'), `attempts` integer NOT NULL DEFAULT (0), `last_error` text NULL, `next_attempt_at` datetime NOT NULL, `sent_at` datetime NULL);
-- set sequence for "notifications" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("notifications", 47244640256);
-- create index "notification_status_next_attempt_at" to table: "notifications"
CREATE INDEX `notification_status_next_attempt_at` ON `notifications` (`status`, `next_attempt_at`);
-- create "tombstones" table
CREATE TABLE `tombstones` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `entity_id` integer NOT NULL, `entity_type` text NOT NULL, `deleted_at` datetime NOT NULL);
-- set sequence for "tombstones" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("tombstones", 51539607552);
-- create index "tombstone_deleted_at" to table: "tombstones"
CREATE INDEX `tombstone_deleted_at` ON `tombstones` (`deleted_at`);

-- +goose Down
DROP INDEX `tombstone_deleted_at`;
DROP TABLE `tombstones`;
DROP INDEX `notification_status_next_attempt_at`;
DROP TABLE `notifications`;
ALTER TABLE `sessions` DROP COLUMN `revision`;
ALTER TABLE `sessions` DROP COLUMN `translations`;
ALTER TABLE `regions` DROP COLUMN `translations`;
ALTER TABLE `objectives` DROP COLUMN `translations`;
ALTER TABLE `launches` DROP COLUMN `revision`;
ALTER TABLE `launches` DROP COLUMN `translations`;
ALTER TABLE `guideline_sets` DROP COLUMN `translations`;
ALTER TABLE `formats` DROP COLUMN `translations`;
