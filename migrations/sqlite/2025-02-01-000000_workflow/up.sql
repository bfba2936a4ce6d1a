ALTER TABLE tickets ADD COLUMN priority INTEGER NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4);
ALTER TABLE tickets ADD COLUMN assignee_id TEXT;
ALTER TABLE tickets ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE INDEX tickets_assignee_newest ON tickets (assignee_id, created_date DESC, id DESC);
CREATE INDEX tickets_status_newest ON tickets (status, created_date DESC, id DESC);

ALTER TABLE ticket_messages ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'internal'));
ALTER TABLE ticket_logs ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'internal'));
ALTER TABLE ticket_logs ADD COLUMN changes TEXT NOT NULL DEFAULT '[]';

CREATE TABLE users (
    user_id    TEXT      PRIMARY KEY,
    user_type  TEXT      NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen  TIMESTAMP NOT NULL
);
