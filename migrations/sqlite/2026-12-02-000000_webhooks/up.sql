-- Webhook endpoints, and the deliveries of events to them with each attempt.
--
-- Secrets are kept as they are: they key the HMAC of every delivery.
CREATE TABLE webhook_endpoints (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    url                   TEXT      NOT NULL,
    description           TEXT      NOT NULL,
    event_types           TEXT      NOT NULL,
    include_internal      BOOLEAN   NOT NULL,
    active                BOOLEAN   NOT NULL,
    disabled_reason       TEXT,
    secret                TEXT      NOT NULL,
    previous_secret       TEXT,
    previous_secret_until TIMESTAMP,
    last_success_at       TIMESTAMP,
    created_by            TEXT      NOT NULL,
    created_by_type       TEXT      NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);

-- The position of the last event queued for delivery (one row).
CREATE TABLE webhook_queue (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    position  BIGINT  NOT NULL
);
INSERT INTO webhook_queue (id, position) VALUES (1, 0);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      BIGINT    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         BIGINT    NOT NULL REFERENCES ticket_events (id) ON DELETE CASCADE,
    event_position   BIGINT    NOT NULL,
    event_type       TEXT      NOT NULL,
    ticket_id        BIGINT    NOT NULL,
    state            TEXT      NOT NULL,
    attempts         INTEGER   NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    leased_until     TIMESTAMP,
    first_attempt_at TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    done_at          TIMESTAMP
);
-- What is due, and the earliest pending delivery of an endpoint's ticket.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_ticket ON webhook_deliveries (endpoint_id, ticket_id, event_position) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  BIGINT    NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    status_code  INTEGER,
    duration_ms  BIGINT    NOT NULL,
    error        TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
