-- Obligations (a projection of the log), the alerts they schedule, and the
-- delivery outbox. Same tables as SQLite's 0003, in PostgreSQL's types; ids
-- and keys are COLLATE "C" and JSON is text, as in 0001.
--
-- Several accord processes share these tables. Firing alerts and claiming
-- deliveries do not take the writer lock: they claim rows with FOR UPDATE
-- SKIP LOCKED, so each alert fires in exactly one process and a delivery is
-- tried by one process at a time.

-- The columns are what is filtered or sorted on; body holds the whole
-- obligation as JSON. An obligation is rewritten as it changes; most
-- changes touch no indexed column, and fillfactor leaves room for HOT
-- updates. There is no partial index of the open ones (SQLite has one): a
-- lead has a handful of obligations, found by obligations_lead, and an
-- index on status would make every close a non-HOT update.
CREATE TABLE obligations (
    id         text        COLLATE "C" PRIMARY KEY,
    lead_key   text        COLLATE "C" NOT NULL,
    status     text        NOT NULL,
    owner      text        NOT NULL,
    started_at timestamptz NOT NULL,
    body       text        NOT NULL
) WITH (fillfactor = 80);
CREATE INDEX obligations_lead ON obligations (lead_key);
CREATE INDEX obligations_started ON obligations (started_at, id);

-- One row per alert of an obligation: warning, breach, escalation. fired_at
-- is set once, in the transaction that stores the alert's deliveries. Fired
-- alerts are kept (a rebuild never fires one again), so the table only
-- grows; the indexes the scheduler and the ingest use cover the unfired
-- rows only.
CREATE TABLE alerts (
    id            text        COLLATE "C" PRIMARY KEY,
    obligation_id text        COLLATE "C" NOT NULL,
    lead_key      text        COLLATE "C" NOT NULL,
    kind          text        NOT NULL,
    fire_at       timestamptz NOT NULL,
    fired_at      timestamptz,
    outcome       text        NOT NULL DEFAULT ''
);
-- The scheduler's index: unfired alerts in firing order. Its size is the
-- number of pending alerts; a tick reads only the due end of it.
CREATE INDEX alerts_due ON alerts (fire_at, id) WHERE fired_at IS NULL;
-- Saving an obligation replaces its unfired alerts.
CREATE INDEX alerts_obligation ON alerts (obligation_id) WHERE fired_at IS NULL;
CREATE INDEX alerts_lead ON alerts (lead_key);

-- The outbox: each fired alert on each channel it must reach.
CREATE TABLE deliveries (
    alert_id   text        COLLATE "C" NOT NULL,
    channel    text        COLLATE "C" NOT NULL,
    payload    bytea       NOT NULL,
    status     text        NOT NULL DEFAULT 'pending',
    attempts   integer     NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    done_at    timestamptz,
    last_error text        NOT NULL DEFAULT '',
    PRIMARY KEY (alert_id, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE status = 'pending';
CREATE INDEX deliveries_status ON deliveries (status, created_at);

-- Every attempt, whatever its outcome. An attempt's number can repeat (a
-- lease runs out mid-try and another process tries again), so rows are
-- numbered by the database. (The one database-generated id in the schema:
-- attempts are written by many processes, outside the writer lock.)
CREATE TABLE delivery_attempts (
    seq      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id text        COLLATE "C" NOT NULL,
    channel  text        COLLATE "C" NOT NULL,
    number   integer     NOT NULL,
    at       timestamptz NOT NULL,
    took_us  bigint      NOT NULL,
    status   text        NOT NULL,
    error    text        NOT NULL DEFAULT '',
    next_at  timestamptz
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (alert_id, channel, seq);
