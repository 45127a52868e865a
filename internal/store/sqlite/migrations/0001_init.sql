-- The event log: the source of truth. Times are Unix microseconds, UTC.
CREATE TABLE events (
    seq             INTEGER PRIMARY KEY,
    id              TEXT    NOT NULL UNIQUE,
    type            TEXT    NOT NULL,
    occurred_at     INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    lead_key        TEXT,
    lead_ref        TEXT,
    opportunity_ref TEXT,
    person_ref      TEXT,
    hash            TEXT    NOT NULL,
    data            TEXT    NOT NULL
);
CREATE INDEX events_lead ON events (lead_key) WHERE lead_key IS NOT NULL;
CREATE INDEX events_opportunity ON events (opportunity_ref) WHERE opportunity_ref IS NOT NULL;

-- Projections: rebuilt from the log by `accord rebuild`.
CREATE TABLE leads (
    lead_key   TEXT PRIMARY KEY,
    email_norm TEXT    NOT NULL DEFAULT '',
    stage      TEXT    NOT NULL DEFAULT '',
    owner      TEXT    NOT NULL DEFAULT '',
    team       TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL DEFAULT '',
    segment    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    state      TEXT    NOT NULL
);
CREATE INDEX leads_email ON leads (email_norm) WHERE email_norm <> '';
CREATE INDEX leads_created ON leads (created_at, lead_key);
CREATE INDEX leads_updated ON leads (updated_at);
CREATE INDEX leads_stage ON leads (stage, created_at);
CREATE INDEX leads_owner ON leads (owner, created_at);

CREATE TABLE lead_aliases (
    alias    TEXT PRIMARY KEY,
    lead_key TEXT NOT NULL
);
CREATE INDEX lead_aliases_key ON lead_aliases (lead_key);

CREATE TABLE opportunities (
    opportunity_id TEXT PRIMARY KEY,
    lead_key       TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    state          TEXT    NOT NULL
);
CREATE INDEX opportunities_lead ON opportunities (lead_key);

CREATE TABLE people (
    person_id TEXT PRIMARY KEY,
    state     TEXT NOT NULL
);

-- API tokens: only a SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
