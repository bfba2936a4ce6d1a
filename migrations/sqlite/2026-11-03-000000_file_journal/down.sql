DROP TABLE written_files;
