-- The events of changes (an outbox): each write that leaves an audit-log
-- entry writes its events in the same transaction, with the ticket as the
-- change left it (`snapshot`, in the store's own format).
--
-- Readers go on from the `position` of the last event they read. SQLite has
-- one writer at a time, so ids follow the commits and an event's position
-- is its id, set in its own transaction.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    position    BIGINT    UNIQUE,
    event_type  TEXT      NOT NULL,
    ticket_id   BIGINT    NOT NULL REFERENCES tickets (id),
    owner_id    TEXT      NOT NULL,
    visibility  TEXT      NOT NULL,
    actor_id    TEXT      NOT NULL,
    actor_type  TEXT      NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    snapshot    TEXT      NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, position);
CREATE INDEX ticket_events_owner ON ticket_events (owner_id, position);
CREATE INDEX ticket_events_occurred ON ticket_events (occurred_at);
