-- Obligations (a projection of the log), the alerts they schedule, and the
-- delivery outbox. Times are Unix microseconds, UTC.

-- The columns are what is filtered or sorted on; body holds the whole
-- obligation as JSON.
CREATE TABLE obligations (
    id         TEXT    PRIMARY KEY,
    lead_key   TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    owner      TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX obligations_lead ON obligations (lead_key);
CREATE INDEX obligations_started ON obligations (started_at, id);
-- Live ingest reads only a lead's open obligations.
CREATE INDEX obligations_open ON obligations (lead_key) WHERE status = 'open';

-- One row per alert of an obligation: warning, breach, escalation. fired_at
-- is set once, in the transaction that stores the alert's deliveries.
CREATE TABLE alerts (
    id            TEXT    PRIMARY KEY,
    obligation_id TEXT    NOT NULL,
    lead_key      TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    fire_at       INTEGER NOT NULL,
    fired_at      INTEGER,
    outcome       TEXT    NOT NULL DEFAULT ''
);
-- The scheduler's index: unfired alerts by time. Its size is the number of
-- pending alerts; a tick reads only the due end of it.
CREATE INDEX alerts_due ON alerts (fire_at) WHERE fired_at IS NULL;
CREATE INDEX alerts_obligation ON alerts (obligation_id);
CREATE INDEX alerts_lead ON alerts (lead_key);

-- The outbox: each fired alert on each channel it must reach.
CREATE TABLE deliveries (
    alert_id   TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending',
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    done_at    INTEGER,
    last_error TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (alert_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE status = 'pending';
CREATE INDEX deliveries_status ON deliveries (status, created_at);

-- Every attempt, whatever its outcome.
CREATE TABLE delivery_attempts (
    seq      INTEGER PRIMARY KEY,
    alert_id TEXT    NOT NULL,
    channel  TEXT    NOT NULL,
    number   INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    took_us  INTEGER NOT NULL,
    status   TEXT    NOT NULL,
    error    TEXT    NOT NULL DEFAULT '',
    next_at  INTEGER
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (alert_id, channel, seq);
