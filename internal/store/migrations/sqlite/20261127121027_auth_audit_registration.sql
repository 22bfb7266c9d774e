-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_registrants" table
CREATE TABLE `new_registrants` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `email` text NOT NULL, `email_key` text NOT NULL, `organisation` text NULL, `job_title` text NULL, `country` text NULL, `stakeholder` text NOT NULL DEFAULT ('OTHER'), `attendance` text NOT NULL DEFAULT ('ONLINE'), `status` text NOT NULL, `waitlist_position` integer NULL, `checked_in_at` datetime NULL, `consent_at` datetime NOT NULL, `manage_token_hash` text NULL, `rejection_reason` text NULL, `language` text NULL, `launch_id` integer NOT NULL, CONSTRAINT `registrants_launches_registrants` FOREIGN KEY (`launch_id`) REFERENCES `launches` (`id`) ON DELETE NO ACTION);
-- set sequence for "new_registrants" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_registrants", 21474836480);
-- copy rows from old table "registrants" to new temporary table "new_registrants"
INSERT INTO `new_registrants` (`id`, `created_at`, `updated_at`, `name`, `email`, `email_key`, `organisation`, `job_title`, `country`, `stakeholder`, `attendance`, `status`, `waitlist_position`, `checked_in_at`, `consent_at`, `launch_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `email`, `email_key`, `organisation`, `job_title`, `country`, `stakeholder`, `attendance`, `status`, `waitlist_position`, `checked_in_at`, `consent_at`, `launch_id` FROM `registrants`;
-- drop "registrants" table after copying rows
DROP TABLE `registrants`;
-- rename temporary table "new_registrants" to "registrants"
ALTER TABLE `new_registrants` RENAME TO `registrants`;
-- create index "registrants_manage_token_hash_key" to table: "registrants"
CREATE UNIQUE INDEX `registrants_manage_token_hash_key` ON `registrants` (`manage_token_hash`);
-- create index "registrant_launch_id_email_key" to table: "registrants"
CREATE UNIQUE INDEX `registrant_launch_id_email_key` ON `registrants` (`launch_id`, `email_key`) WHERE status <> 'CANCELLED';
-- create index "registrant_launch_id_status_created_at" to table: "registrants"
CREATE INDEX `registrant_launch_id_status_created_at` ON `registrants` (`launch_id`, `status`, `created_at`);
-- create index "registrant_updated_at" to table: "registrants"
CREATE INDEX `registrant_updated_at` ON `registrants` (`updated_at`);
-- create "api_keys" table
CREATE TABLE `api_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `role` text NOT NULL, `prefix` text NOT NULL, `secret_hash` text NOT NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL);
-- set sequence for "api_keys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("api_keys", 34359738368);
-- create index "api_keys_secret_hash_key" to table: "api_keys"
CREATE UNIQUE INDEX `api_keys_secret_hash_key` ON `api_keys` (`secret_hash`);
-- create "audit_entries" table
CREATE TABLE `audit_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `actor_key_id` integer NULL, `actor_name` text NOT NULL, `operation` text NOT NULL, `entity_type` text NOT NULL, `entity_id` integer NULL, `changes` json NOT NULL);
-- set sequence for "audit_entries" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("audit_entries", 38654705664);
-- create index "auditentry_entity_type_entity_id" to table: "audit_entries"
CREATE INDEX `auditentry_entity_type_entity_id` ON `audit_entries` (`entity_type`, `entity_id`);
-- create index "auditentry_created_at" to table: "audit_entries"
CREATE INDEX `auditentry_created_at` ON `audit_entries` (`created_at`);
-- create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `key_hash` text NOT NULL, `request_hash` text NOT NULL, `registrant_id` integer NOT NULL, `sealed_token` blob NOT NULL);
-- set sequence for "idempotency_keys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("idempotency_keys", 42949672960);
-- create index "idempotency_keys_key_hash_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotency_keys_key_hash_key` ON `idempotency_keys` (`key_hash`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "idempotency_keys_key_hash_key" to table: "idempotency_keys"
DROP INDEX `idempotency_keys_key_hash_key`;
-- reverse: set sequence for "idempotency_keys" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "idempotency_keys";
-- reverse: create "idempotency_keys" table
DROP TABLE `idempotency_keys`;
-- reverse: create index "auditentry_created_at" to table: "audit_entries"
DROP INDEX `auditentry_created_at`;
-- reverse: create index "auditentry_entity_type_entity_id" to table: "audit_entries"
DROP INDEX `auditentry_entity_type_entity_id`;
-- reverse: set sequence for "audit_entries" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "audit_entries";
-- reverse: create "audit_entries" table
DROP TABLE `audit_entries`;
-- reverse: create index "api_keys_secret_hash_key" to table: "api_keys"
DROP INDEX `api_keys_secret_hash_key`;
-- reverse: set sequence for "api_keys" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "api_keys";
-- reverse: create "api_keys" table
DROP TABLE `api_keys`;
-- reverse: create index "registrant_updated_at" to table: "registrants"
DROP INDEX `registrant_updated_at`;
-- reverse: create index "registrant_launch_id_status_created_at" to table: "registrants"
DROP INDEX `registrant_launch_id_status_created_at`;
-- reverse: create index "registrant_launch_id_email_key" to table: "registrants"
DROP INDEX `registrant_launch_id_email_key`;
-- reverse: create index "registrants_manage_token_hash_key" to table: "registrants"
DROP INDEX `registrants_manage_token_hash_key`;
-- reverse: set sequence for "new_registrants" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "new_registrants";
-- reverse: create "new_registrants" table
DROP TABLE `new_registrants`;
