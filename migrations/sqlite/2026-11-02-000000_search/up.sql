-- Keyword search through an index, with exactly the answers of the plain
-- case-insensitive substring match on `search_text` (which stays the judge:
-- every candidate the index names is checked against it). An FTS5 table
-- with the trigram tokenizer indexes `search_text` without a copy of it
-- (`content = 'tickets'`); `detail = 'none'` keeps it small, as the server
-- asks for tickets holding every trigram of a keyword and checks the rest.
-- Triggers keep it in step with the tickets.
CREATE VIRTUAL TABLE tickets_fts USING fts5(
    search_text,
    content = 'tickets',
    content_rowid = 'id',
    tokenize = 'trigram',
    detail = 'none'
);

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF search_text ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO tickets_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- The tickets already there.
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');
