DROP TABLE users;
ALTER TABLE ticket_logs DROP COLUMN changes;
ALTER TABLE ticket_logs DROP COLUMN visibility;
ALTER TABLE ticket_messages DROP COLUMN visibility;
DROP INDEX tickets_status_newest;
DROP INDEX tickets_assignee_newest;
ALTER TABLE tickets DROP COLUMN version;
ALTER TABLE tickets DROP COLUMN assignee_id;
ALTER TABLE tickets DROP COLUMN priority;
