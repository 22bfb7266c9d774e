-- +goose Up
-- Optional texts are NULL when unset (issue 11.4): values the old code stored as "" become NULL.
UPDATE `formats` SET `description` = NULLIF(`description`, '') WHERE `description` = '';
UPDATE `guideline_sets` SET `summary` = NULLIF(`summary`, ''), `url` = NULLIF(`url`, '') WHERE `summary` = '' OR `url` = '';
UPDATE `launches` SET `description` = NULLIF(`description`, ''), `venue` = NULLIF(`venue`, ''), `online_url` = NULLIF(`online_url`, ''), `source_url` = NULLIF(`source_url`, '') WHERE `description` = '' OR `venue` = '' OR `online_url` = '' OR `source_url` = '';
UPDATE `notifications` SET `last_error` = NULLIF(`last_error`, '') WHERE `last_error` = '';
UPDATE `registrants` SET `organisation` = NULLIF(`organisation`, ''), `job_title` = NULLIF(`job_title`, ''), `country` = NULLIF(`country`, ''), `rejection_reason` = NULLIF(`rejection_reason`, ''), `language` = NULLIF(`language`, '') WHERE `organisation` = '' OR `job_title` = '' OR `country` = '' OR `rejection_reason` = '' OR `language` = '';
UPDATE `sessions` SET `description` = NULLIF(`description`, ''), `room` = NULLIF(`room`, ''), `channel` = NULLIF(`channel`, '') WHERE `description` = '' OR `room` = '' OR `channel` = '';
UPDATE `speakers` SET `title` = NULLIF(`title`, ''), `affiliation` = NULLIF(`affiliation`, ''), `bio` = NULLIF(`bio`, '') WHERE `title` = '' OR `affiliation` = '' OR `bio` = '';

-- +goose Down
-- Nothing to undo: NULL and "" both meant "not set".
