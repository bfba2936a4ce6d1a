DROP INDEX ticket_attachments_upload;
ALTER TABLE ticket_attachments DROP COLUMN upload_key;
DROP TABLE uploads;
