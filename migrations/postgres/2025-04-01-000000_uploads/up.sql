-- Files users upload, then attach to a message. The key, chosen by the
-- server, is the only name of a file's bytes in storage.
CREATE TABLE uploads (
    upload_key   TEXT      PRIMARY KEY,
    owner_id     TEXT      NOT NULL,
    owner_type   TEXT      NOT NULL,
    file_name    TEXT      NOT NULL,
    content_type TEXT      NOT NULL,
    size_bytes   BIGINT    NOT NULL,
    sha256       TEXT      NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX uploads_created ON uploads (created_at);

-- An attachment made from an upload names it; each upload is attached once.
ALTER TABLE ticket_attachments ADD COLUMN upload_key TEXT REFERENCES uploads (upload_key);
CREATE UNIQUE INDEX ticket_attachments_upload ON ticket_attachments (upload_key);
