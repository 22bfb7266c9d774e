-- +goose Up
-- drop index "launch_region_id" from table: "launches"
DROP INDEX `launch_region_id`;
-- create index "launch_region_id_id" to table: "launches"
CREATE INDEX `launch_region_id_id` ON `launches` (`region_id`, `id`);
-- create index "launch_region_id_starts_at_id" to table: "launches"
CREATE INDEX `launch_region_id_starts_at_id` ON `launches` (`region_id`, `starts_at`, `id`);
-- create index "session_launch_id_position_id" to table: "sessions"
CREATE INDEX `session_launch_id_position_id` ON `sessions` (`launch_id`, `position`, `id`);
-- drop index "registrant_launch_id_status_created_at" from table: "registrants"
DROP INDEX `registrant_launch_id_status_created_at`;
-- create index "registrant_launch_id_id" to table: "registrants"
CREATE INDEX `registrant_launch_id_id` ON `registrants` (`launch_id`, `id`);
-- create index "registrant_launch_id_status_created_at_id" to table: "registrants"
CREATE INDEX `registrant_launch_id_status_created_at_id` ON `registrants` (`launch_id`, `status`, `created_at`, `id`);

-- +goose Down
-- reverse: create index "registrant_launch_id_status_created_at_id" to table: "registrants"
DROP INDEX `registrant_launch_id_status_created_at_id`;
-- reverse: create index "registrant_launch_id_id" to table: "registrants"
DROP INDEX `registrant_launch_id_id`;
-- reverse: drop index "registrant_launch_id_status_created_at" from table: "registrants"
CREATE INDEX `registrant_launch_id_status_created_at` ON `registrants` (`launch_id`, `status`, `created_at`);
-- reverse: create index "session_launch_id_position_id" to table: "sessions"
DROP INDEX `session_launch_id_position_id`;
-- reverse: create index "launch_region_id_starts_at_id" to table: "launches"
DROP INDEX `launch_region_id_starts_at_id`;
-- reverse: create index "launch_region_id_id" to table: "launches"
DROP INDEX `launch_region_id_id`;
-- reverse: drop index "launch_region_id" from table: "launches"
CREATE INDEX `launch_region_id` ON `launches` (`region_id`);
