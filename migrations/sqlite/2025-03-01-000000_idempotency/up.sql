CREATE TABLE idempotency_keys (
    user_id      TEXT      NOT NULL,
    idem_key     TEXT      NOT NULL,
    request_hash TEXT      NOT NULL,
    status_code  INTEGER,
    response     TEXT,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
