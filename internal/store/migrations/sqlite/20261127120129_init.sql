-- +goose Up
-- create "formats" table
CREATE TABLE `formats` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `name` text NOT NULL, `description` text NULL, `typical_duration_days` integer NULL);
-- create index "format_kind" to table: "formats"
CREATE UNIQUE INDEX `format_kind` ON `formats` (`kind`);
-- create "guideline_sets" table
CREATE TABLE `guideline_sets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `audience` text NOT NULL, `title` text NOT NULL, `summary` text NULL, `url` text NULL);
-- set sequence for "guideline_sets" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("guideline_sets", 4294967296);
-- create index "guidelineset_audience" to table: "guideline_sets"
CREATE UNIQUE INDEX `guidelineset_audience` ON `guideline_sets` (`audience`);
-- create "launches" table
CREATE TABLE `launches` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `slug` text NOT NULL, `title` text NOT NULL, `description` text NULL, `status` text NOT NULL DEFAULT ('DRAFT'), `starts_at` datetime NOT NULL, `ends_at` datetime NOT NULL, `timezone` text NOT NULL, `time_confirmed` bool NOT NULL DEFAULT (true), `venue` text NULL, `online` bool NOT NULL DEFAULT (false), `online_url` text NULL, `languages` json NOT NULL, `hosts` json NOT NULL, `capacity` integer NULL, `waitlist_enabled` bool NOT NULL DEFAULT (false), `requires_approval` bool NOT NULL DEFAULT (false), `registration_opens_at` datetime NULL, `registration_closes_at` datetime NULL, `source_url` text NULL, `format_id` integer NOT NULL, `region_id` integer NOT NULL, CONSTRAINT `launches_formats_launches` FOREIGN KEY (`format_id`) REFERENCES `formats` (`id`) ON DELETE NO ACTION, CONSTRAINT `launches_regions_launches` FOREIGN KEY (`region_id`) REFERENCES `regions` (`id`) ON DELETE NO ACTION);
-- set sequence for "launches" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("launches", 8589934592);
-- create index "launches_slug_key" to table: "launches"
CREATE UNIQUE INDEX `launches_slug_key` ON `launches` (`slug`);
-- create index "launch_region_id" to table: "launches"
CREATE INDEX `launch_region_id` ON `launches` (`region_id`);
-- create index "launch_format_id" to table: "launches"
CREATE INDEX `launch_format_id` ON `launches` (`format_id`);
-- create index "launch_starts_at" to table: "launches"
CREATE INDEX `launch_starts_at` ON `launches` (`starts_at`);
-- create index "launch_status_starts_at" to table: "launches"
CREATE INDEX `launch_status_starts_at` ON `launches` (`status`, `starts_at`);
-- create index "launch_updated_at" to table: "launches"
CREATE INDEX `launch_updated_at` ON `launches` (`updated_at`);
-- create "objectives" table
CREATE TABLE `objectives` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `text` text NOT NULL, `position` integer NOT NULL DEFAULT (0), `series_wide` bool NOT NULL DEFAULT (false));
-- set sequence for "objectives" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("objectives", 12884901888);
-- create index "objective_updated_at" to table: "objectives"
CREATE INDEX `objective_updated_at` ON `objectives` (`updated_at`);
-- create "regions" table
CREATE TABLE `regions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `default_timezone` text NOT NULL);
-- set sequence for "regions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("regions", 17179869184);
-- create index "regions_code_key" to table: "regions"
CREATE UNIQUE INDEX `regions_code_key` ON `regions` (`code`);
-- create "registrants" table
CREATE TABLE `registrants` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `email` text NOT NULL, `email_key` text NOT NULL, `organisation` text NULL, `job_title` text NULL, `country` text NULL, `stakeholder` text NOT NULL DEFAULT ('OTHER'), `attendance` text NOT NULL DEFAULT ('ONLINE'), `status` text NOT NULL, `waitlist_position` integer NULL, `checked_in_at` datetime NULL, `consent_at` datetime NOT NULL, `launch_id` integer NOT NULL, CONSTRAINT `registrants_launches_registrants` FOREIGN KEY (`launch_id`) REFERENCES `launches` (`id`) ON DELETE NO ACTION);
-- set sequence for "registrants" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("registrants", 21474836480);
-- create index "registrant_launch_id_email_key" to table: "registrants"
CREATE UNIQUE INDEX `registrant_launch_id_email_key` ON `registrants` (`launch_id`, `email_key`) WHERE status <> 'CANCELLED';
-- create index "registrant_launch_id_status_created_at" to table: "registrants"
CREATE INDEX `registrant_launch_id_status_created_at` ON `registrants` (`launch_id`, `status`, `created_at`);
-- create index "registrant_updated_at" to table: "registrants"
CREATE INDEX `registrant_updated_at` ON `registrants` (`updated_at`);
-- create "sessions" table
CREATE TABLE `sessions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `description` text NULL, `kind` text NOT NULL, `starts_at` datetime NOT NULL, `ends_at` datetime NOT NULL, `time_confirmed` bool NOT NULL DEFAULT (true), `room` text NULL, `channel` text NULL, `interpretation_languages` json NOT NULL, `position` integer NOT NULL DEFAULT (0), `launch_id` integer NOT NULL, CONSTRAINT `sessions_launches_sessions` FOREIGN KEY (`launch_id`) REFERENCES `launches` (`id`) ON DELETE NO ACTION);
-- set sequence for "sessions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sessions", 25769803776);
-- create index "session_launch_id_starts_at" to table: "sessions"
CREATE INDEX `session_launch_id_starts_at` ON `sessions` (`launch_id`, `starts_at`);
-- create index "session_updated_at" to table: "sessions"
CREATE INDEX `session_updated_at` ON `sessions` (`updated_at`);
-- create "speakers" table
CREATE TABLE `speakers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `title` text NULL, `affiliation` text NULL, `bio` text NULL);
-- set sequence for "speakers" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("speakers", 30064771072);
-- create index "speaker_updated_at" to table: "speakers"
CREATE INDEX `speaker_updated_at` ON `speakers` (`updated_at`);
-- create "launch_objectives" table
CREATE TABLE `launch_objectives` (`launch_id` integer NOT NULL, `objective_id` integer NOT NULL, PRIMARY KEY (`launch_id`, `objective_id`), CONSTRAINT `launch_objectives_launch_id` FOREIGN KEY (`launch_id`) REFERENCES `launches` (`id`) ON DELETE CASCADE, CONSTRAINT `launch_objectives_objective_id` FOREIGN KEY (`objective_id`) REFERENCES `objectives` (`id`) ON DELETE CASCADE);
-- create "launch_guideline_sets" table
CREATE TABLE `launch_guideline_sets` (`launch_id` integer NOT NULL, `guideline_set_id` integer NOT NULL, PRIMARY KEY (`launch_id`, `guideline_set_id`), CONSTRAINT `launch_guideline_sets_launch_id` FOREIGN KEY (`launch_id`) REFERENCES `launches` (`id`) ON DELETE CASCADE, CONSTRAINT `launch_guideline_sets_guideline_set_id` FOREIGN KEY (`guideline_set_id`) REFERENCES `guideline_sets` (`id`) ON DELETE CASCADE);
-- create "session_speakers" table
CREATE TABLE `session_speakers` (`session_id` integer NOT NULL, `speaker_id` integer NOT NULL, PRIMARY KEY (`session_id`, `speaker_id`), CONSTRAINT `session_speakers_session_id` FOREIGN KEY (`session_id`) REFERENCES `sessions` (`id`) ON DELETE CASCADE, CONSTRAINT `session_speakers_speaker_id` FOREIGN KEY (`speaker_id`) REFERENCES `speakers` (`id`) ON DELETE CASCADE);
-- create "session_guideline_sets" table
CREATE TABLE `session_guideline_sets` (`session_id` integer NOT NULL, `guideline_set_id` integer NOT NULL, PRIMARY KEY (`session_id`, `guideline_set_id`), CONSTRAINT `session_guideline_sets_session_id` FOREIGN KEY (`session_id`) REFERENCES `sessions` (`id`) ON DELETE CASCADE, CONSTRAINT `session_guideline_sets_guideline_set_id` FOREIGN KEY (`guideline_set_id`) REFERENCES `guideline_sets` (`id`) ON DELETE CASCADE);

-- +goose Down
-- reverse: create "session_guideline_sets" table
DROP TABLE `session_guideline_sets`;
-- reverse: create "session_speakers" table
DROP TABLE `session_speakers`;
-- reverse: create "launch_guideline_sets" table
DROP TABLE `launch_guideline_sets`;
-- reverse: create "launch_objectives" table
DROP TABLE `launch_objectives`;
-- reverse: create index "speaker_updated_at" to table: "speakers"
DROP INDEX `speaker_updated_at`;
-- reverse: set sequence for "speakers" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "speakers";
-- reverse: create "speakers" table
DROP TABLE `speakers`;
-- reverse: create index "session_updated_at" to table: "sessions"
DROP INDEX `session_updated_at`;
-- reverse: create index "session_launch_id_starts_at" to table: "sessions"
DROP INDEX `session_launch_id_starts_at`;
-- reverse: set sequence for "sessions" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "sessions";
-- reverse: create "sessions" table
DROP TABLE `sessions`;
-- reverse: create index "registrant_updated_at" to table: "registrants"
DROP INDEX `registrant_updated_at`;
-- reverse: create index "registrant_launch_id_status_created_at" to table: "registrants"
DROP INDEX `registrant_launch_id_status_created_at`;
-- reverse: create index "registrant_launch_id_email_key" to table: "registrants"
DROP INDEX `registrant_launch_id_email_key`;
-- reverse: set sequence for "registrants" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "registrants";
-- reverse: create "registrants" table
DROP TABLE `registrants`;
-- reverse: create index "regions_code_key" to table: "regions"
DROP INDEX `regions_code_key`;
-- reverse: set sequence for "regions" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "regions";
-- reverse: create "regions" table
DROP TABLE `regions`;
-- reverse: create index "objective_updated_at" to table: "objectives"
DROP INDEX `objective_updated_at`;
-- reverse: set sequence for "objectives" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "objectives";
-- reverse: create "objectives" table
DROP TABLE `objectives`;
-- reverse: create index "launch_updated_at" to table: "launches"
DROP INDEX `launch_updated_at`;
-- reverse: create index "launch_status_starts_at" to table: "launches"
DROP INDEX `launch_status_starts_at`;
-- reverse: create index "launch_starts_at" to table: "launches"
DROP INDEX `launch_starts_at`;
-- reverse: create index "launch_format_id" to table: "launches"
DROP INDEX `launch_format_id`;
-- reverse: create index "launch_region_id" to table: "launches"
DROP INDEX `launch_region_id`;
-- reverse: create index "launches_slug_key" to table: "launches"
DROP INDEX `launches_slug_key`;
-- reverse: set sequence for "launches" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "launches";
-- reverse: create "launches" table
DROP TABLE `launches`;
-- reverse: create index "guidelineset_audience" to table: "guideline_sets"
DROP INDEX `guidelineset_audience`;
-- reverse: set sequence for "guideline_sets" table
UPDATE sqlite_sequence SET seq = 0 WHERE name = "guideline_sets";
-- reverse: create "guideline_sets" table
DROP TABLE `guideline_sets`;
-- reverse: create index "format_kind" to table: "formats"
DROP INDEX `format_kind`;
-- reverse: create "formats" table
DROP TABLE `formats`;
