CREATE TABLE ticket_categories (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    category_name      TEXT      NOT NULL,
    name_key           TEXT      NOT NULL,
    parent_category_id BIGINT    REFERENCES ticket_categories (id),
    is_active          BOOLEAN   NOT NULL DEFAULT TRUE,
    is_delete          BOOLEAN   NOT NULL DEFAULT FALSE,
    created_by         TEXT      NOT NULL,
    created_by_type    TEXT      NOT NULL,
    created_date       TIMESTAMP NOT NULL,
    modified_by        TEXT      NOT NULL,
    modified_by_type   TEXT      NOT NULL,
    modified_date      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ticket_categories_sibling_name
    ON ticket_categories (COALESCE(parent_category_id, 0), name_key);

CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    ref_id           TEXT      NOT NULL UNIQUE,
    user_id          TEXT      NOT NULL,
    user_type        TEXT      NOT NULL,
    category_id      BIGINT    NOT NULL REFERENCES ticket_categories (id),
    sub_category_id  BIGINT    REFERENCES ticket_categories (id),
    subject          TEXT      NOT NULL,
    description      TEXT      NOT NULL,
    search_text      TEXT      NOT NULL,
    status           INTEGER   NOT NULL CHECK (status BETWEEN 1 AND 5),
    is_active        BOOLEAN   NOT NULL DEFAULT TRUE,
    is_delete        BOOLEAN   NOT NULL DEFAULT FALSE,
    created_by       TEXT      NOT NULL,
    created_by_type  TEXT      NOT NULL,
    created_date     TIMESTAMP NOT NULL,
    modified_by      TEXT      NOT NULL,
    modified_by_type TEXT      NOT NULL,
    modified_date    TIMESTAMP NOT NULL
);
CREATE INDEX tickets_newest ON tickets (created_date DESC, id DESC);
CREATE INDEX tickets_owner_newest ON tickets (user_id, created_date DESC, id DESC);

CREATE TABLE ticket_messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id        BIGINT    NOT NULL REFERENCES tickets (id),
    sender_id        TEXT      NOT NULL,
    sender_type      TEXT      NOT NULL,
    message          TEXT,
    sent_at          TIMESTAMP NOT NULL,
    is_active        BOOLEAN   NOT NULL DEFAULT TRUE,
    is_delete        BOOLEAN   NOT NULL DEFAULT FALSE,
    created_by       TEXT      NOT NULL,
    created_by_type  TEXT      NOT NULL,
    created_date     TIMESTAMP NOT NULL,
    modified_by      TEXT      NOT NULL,
    modified_by_type TEXT      NOT NULL,
    modified_date    TIMESTAMP NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);

CREATE TABLE ticket_attachments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id       BIGINT    NOT NULL REFERENCES ticket_messages (id),
    ticket_id        BIGINT    NOT NULL REFERENCES tickets (id),
    file_name        TEXT      NOT NULL,
    file_path        TEXT      NOT NULL,
    is_active        BOOLEAN   NOT NULL DEFAULT TRUE,
    is_delete        BOOLEAN   NOT NULL DEFAULT FALSE,
    created_by       TEXT      NOT NULL,
    created_by_type  TEXT      NOT NULL,
    created_date     TIMESTAMP NOT NULL,
    modified_by      TEXT      NOT NULL,
    modified_by_type TEXT      NOT NULL,
    modified_date    TIMESTAMP NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, id);
CREATE INDEX ticket_attachments_message ON ticket_attachments (message_id);

CREATE TABLE ticket_logs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id        BIGINT    NOT NULL REFERENCES tickets (id),
    action_taken     TEXT      NOT NULL,
    action_by        TEXT      NOT NULL,
    action_by_type   TEXT      NOT NULL,
    action_at        TIMESTAMP NOT NULL,
    is_active        BOOLEAN   NOT NULL DEFAULT TRUE,
    is_delete        BOOLEAN   NOT NULL DEFAULT FALSE,
    created_by       TEXT      NOT NULL,
    created_by_type  TEXT      NOT NULL,
    created_date     TIMESTAMP NOT NULL,
    modified_by      TEXT      NOT NULL,
    modified_by_type TEXT      NOT NULL,
    modified_date    TIMESTAMP NOT NULL
);
CREATE INDEX ticket_logs_newest ON ticket_logs (action_at DESC, id DESC);
CREATE INDEX ticket_logs_ticket ON ticket_logs (ticket_id, action_at DESC, id DESC);
