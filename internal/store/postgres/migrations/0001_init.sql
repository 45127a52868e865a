-- Accord's PostgreSQL schema, version 1. Same tables and version number as
-- the SQLite schema, in PostgreSQL's own types.
--
-- JSON columns (events.data and the projections' state) are text, not jsonb:
-- they are written far more often than read, never queried inside by SQL,
-- and must come back byte for byte as written (events keep their canonical
-- JSON, so a resent event hashes and renders the same). jsonb would parse,
-- re-serialise (reordering keys, adding spaces) and grow every row on each
-- write for no gain.
--
-- Ids and keys are COLLATE "C": listings order by them and page by cursor
-- on them, and that order must be byte order, as on SQLite, whatever the
-- database's default collation (C comparisons are also the cheapest).
--
-- Distribution (Citus, later): every table has a single-column key, no
-- foreign keys and no database-generated ids (seq is assigned by the writer
-- under an advisory lock), so leads, lead_aliases, opportunities and people
-- can be distributed on their keys, tokens and schema_migrations become
-- reference tables, and the log can be distributed on id (Citus needs the
-- distribution column in every unique index; seq's uniqueness then rests on
-- the writer lock rather than on an index).

-- The event log: the source of truth.
CREATE TABLE events (
    seq             bigint      PRIMARY KEY,
    id              text        COLLATE "C" NOT NULL UNIQUE,
    type            text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    lead_key        text        COLLATE "C",
    lead_ref        text        COLLATE "C",
    opportunity_ref text        COLLATE "C",
    person_ref      text        COLLATE "C",
    hash            text        NOT NULL,
    data            text        NOT NULL
);
-- Partial indexes: most log reads are by seq; only events about a lead or an
-- opportunity need finding by them.
CREATE INDEX events_lead ON events (lead_key) WHERE lead_key IS NOT NULL;
CREATE INDEX events_opportunity ON events (opportunity_ref) WHERE opportunity_ref IS NOT NULL;

-- Projections: rebuilt from the log by `accord rebuild`.
--
-- A lead's row is rewritten by nearly every event about it. Unlike SQLite,
-- leads has no index on updated_at: updated_at changes on every write, and
-- any index on it would rule out HOT updates (a new row version on the same
-- page with no index entries), which is what makes the common write -- a
-- touch, changing only state and updated_at -- cheap; fillfactor leaves the
-- room on each page that HOT needs. Listing by an updated range still works,
-- filtered along the created_at index.
CREATE TABLE leads (
    lead_key   text        COLLATE "C" PRIMARY KEY,
    email_norm text        COLLATE "C" NOT NULL DEFAULT '',
    stage      text        NOT NULL DEFAULT '',
    owner      text        NOT NULL DEFAULT '',
    team       text        NOT NULL DEFAULT '',
    source     text        NOT NULL DEFAULT '',
    segment    text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    state      text        NOT NULL
) WITH (fillfactor = 80);
CREATE INDEX leads_email ON leads (email_norm) WHERE email_norm <> '';
CREATE INDEX leads_created ON leads (created_at, lead_key);
CREATE INDEX leads_stage ON leads (stage, created_at);
CREATE INDEX leads_owner ON leads (owner, created_at);

CREATE TABLE lead_aliases (
    alias    text COLLATE "C" PRIMARY KEY,
    lead_key text COLLATE "C" NOT NULL
);
CREATE INDEX lead_aliases_key ON lead_aliases (lead_key);

CREATE TABLE opportunities (
    opportunity_id text        COLLATE "C" PRIMARY KEY,
    lead_key       text        COLLATE "C" NOT NULL DEFAULT '',
    status         text        NOT NULL,
    updated_at     timestamptz NOT NULL,
    state          text        NOT NULL
) WITH (fillfactor = 80);
CREATE INDEX opportunities_lead ON opportunities (lead_key);

CREATE TABLE people (
    person_id text COLLATE "C" PRIMARY KEY,
    state     text NOT NULL
);

-- API tokens: only a SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id         text        COLLATE "C" PRIMARY KEY,
    name       text        NOT NULL,
    role       text        NOT NULL,
    hash       text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
