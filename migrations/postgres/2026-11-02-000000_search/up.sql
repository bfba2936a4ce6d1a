-- Keyword search through an index, with exactly the answers of the plain
-- case-insensitive substring match on `search_text`, which stays the judge:
-- every ticket the index names is checked against it.
--
-- `search_words` holds a ticket's words (a GIN index finds the tickets that
-- hold any of some words), and `search_terms` every word ever seen with the
-- number of tickets that held it (a trigram index finds the words that
-- contain a piece of a keyword, and the counts tell the server whether the
-- index or a walk in the list's own order finds a page sooner).
--
-- A word is a run of characters that are not ASCII punctuation, space or
-- control characters; the server cuts keywords by the same rule, whatever
-- the database's locale. Words longer than 400 characters are kept as chunks
-- of 400 every 200, so that any piece of a keyword (at most 200 characters)
-- lies within one chunk.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION ticketd_search_words(t TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(w, s, 400)), '{}')
    FROM regexp_split_to_table(t, '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+') AS w,
         generate_series(1, CASE WHEN length(w) <= 400 THEN 1 ELSE length(w) END, 200) AS s
    WHERE w <> ''
$$;

ALTER TABLE tickets ADD COLUMN search_words TEXT[]
    GENERATED ALWAYS AS (ticketd_search_words(search_text)) STORED;

CREATE TABLE search_terms (
    term    TEXT   PRIMARY KEY,
    -- How many tickets ever held the term, deleted ones too: it only guides
    -- the choice between the index and a walk, never the answer.
    tickets BIGINT NOT NULL
);
INSERT INTO search_terms (term, tickets)
SELECT w, count(*) FROM tickets, unnest(search_words) AS w GROUP BY w;

-- New tickets' words are counted once per statement (a COPY of thousands
-- costs one upsert), in the terms' order, so that concurrent writers lock
-- the terms in the same order and never deadlock.
CREATE FUNCTION ticketd_count_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_terms AS s (term, tickets)
    SELECT w, count(*) FROM new_tickets, unnest(new_tickets.search_words) AS w
    GROUP BY w ORDER BY w
    ON CONFLICT (term) DO UPDATE SET tickets = s.tickets + excluded.tickets;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_count_terms AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_tickets
    FOR EACH STATEMENT EXECUTE FUNCTION ticketd_count_terms();
-- A ticket's text never changes today; if it ever does, its new words are
-- counted (old counts stay as they are: they only guide). Updates that do not
-- set the text (every other one) do not fire this.
CREATE FUNCTION ticketd_count_changed_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_terms AS s (term, tickets)
    SELECT w, 1 FROM unnest(NEW.search_words) AS w ORDER BY w
    ON CONFLICT (term) DO UPDATE SET tickets = s.tickets + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER tickets_recount_terms AFTER UPDATE OF search_text ON tickets
    FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION ticketd_count_changed_terms();

-- Every change of a ticket (a message marks it modified) writes its row anew,
-- and the new row's words into this index. A small pending list takes those
-- entries at the cost of one append each and merges them in batches, which
-- keeps adding a message cheap; searches read the pending list too, so it is
-- kept small (512 kB).
CREATE INDEX tickets_search_words ON tickets USING gin (search_words)
    WITH (fastupdate = on, gin_pending_list_limit = 512);
CREATE INDEX search_terms_trigrams ON search_terms USING gin (term gin_trgm_ops);
