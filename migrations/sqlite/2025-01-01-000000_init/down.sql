DROP TABLE ticket_logs;
DROP TABLE ticket_attachments;
DROP TABLE ticket_messages;
DROP TABLE tickets;
DROP TABLE ticket_categories;
