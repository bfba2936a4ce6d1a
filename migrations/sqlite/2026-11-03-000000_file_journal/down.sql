DROP INDEX uploads_owner;
DROP TABLE written_files;
