-- Service-level clocks. `sla` holds a ticket's clocks (targets, due times,
-- pauses, stops, breaches) as JSON; the other columns are what lists and the
-- breach sweep search by, written with it:
-- * `first_response_due`, `resolution_due`: when the running clock falls
--   due, or 9999-12-31 when none runs (no target, paused, stopped), so that
--   `sort=resolutionDueAt` is an index walk with tickets without one last;
-- * `sla_breached`: whether any clock is breached (`slaBreached=true`);
-- * `sla_check_at`: when the next running clock falls due (the sweep).
-- Tickets opened before this migration carry no clocks.
ALTER TABLE tickets ADD COLUMN sla TEXT;
ALTER TABLE tickets ADD COLUMN first_response_due TIMESTAMP NOT NULL DEFAULT '9999-12-31 00:00:00';
ALTER TABLE tickets ADD COLUMN resolution_due TIMESTAMP NOT NULL DEFAULT '9999-12-31 00:00:00';
ALTER TABLE tickets ADD COLUMN sla_breached BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE tickets ADD COLUMN sla_check_at TIMESTAMP;

-- One index per due-time order serves lists with and without deleted tickets
-- (one in a hundred, skipped on the walk): each index is written on every
-- ticket insert, so there are as few as the lists need. Breached tickets and
-- running clocks are a small part of all tickets: their indexes are partial.
CREATE INDEX tickets_first_response_due ON tickets (first_response_due, id);
CREATE INDEX tickets_resolution_due ON tickets (resolution_due, id);
CREATE INDEX tickets_breached ON tickets (created_date, id) WHERE sla_breached;
CREATE INDEX tickets_sla_check ON tickets (sla_check_at) WHERE sla_check_at IS NOT NULL;

-- The policy in force, as JSON (one row; none means the documented default).
CREATE TABLE sla_policy (
    id          INTEGER   PRIMARY KEY CHECK (id = 1),
    policy      TEXT      NOT NULL
);
