-- The files this installation writes, noted before their bytes: the sweep
-- of files left by interrupted uploads removes only files named here, never
-- files of another installation sharing the storage, or anything else there.
CREATE TABLE written_files (
    upload_key   TEXT      PRIMARY KEY,
    written_at   TIMESTAMP NOT NULL
);
CREATE INDEX written_files_written ON written_files (written_at);
