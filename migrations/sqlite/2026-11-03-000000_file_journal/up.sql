-- The files this installation writes, noted before their bytes: the sweep
-- of files left by interrupted uploads removes only files named here, never
-- files of another installation sharing the storage, or anything else there.
CREATE TABLE written_files (
    upload_key   TEXT      PRIMARY KEY,
    written_at   TIMESTAMP NOT NULL
);
CREATE INDEX written_files_written ON written_files (written_at);

-- A user's uploads not attached yet are counted against a quota.
CREATE INDEX uploads_owner ON uploads (owner_id);
