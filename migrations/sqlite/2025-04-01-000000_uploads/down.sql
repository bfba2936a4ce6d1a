-- SQLite cannot drop a column that references another table: the column
-- stays (always NULL once the uploads are gone).
DROP INDEX ticket_attachments_upload;
UPDATE ticket_attachments SET upload_key = NULL;
DROP TABLE uploads;
