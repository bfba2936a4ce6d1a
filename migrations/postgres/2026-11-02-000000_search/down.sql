DROP TRIGGER tickets_recount_terms ON tickets;
DROP TRIGGER tickets_count_terms ON tickets;
DROP FUNCTION ticketd_count_changed_terms();
DROP FUNCTION ticketd_count_terms();
DROP TABLE search_terms;
ALTER TABLE tickets DROP COLUMN search_words;
DROP FUNCTION ticketd_search_words(TEXT);
