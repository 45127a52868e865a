-- The reporting atoms: per day (in the organisation's time zone), metric,
-- dimension and value, a count and an amount in cents. A projection: ingest
-- adds each batch's difference; a rebuild recounts. Keys are COLLATE "C" so
-- they order as on SQLite.
CREATE TABLE daily (
    dim    text   COLLATE "C" NOT NULL,
    metric text   COLLATE "C" NOT NULL,
    day    text   COLLATE "C" NOT NULL,
    value  text   COLLATE "C" NOT NULL,
    n      bigint NOT NULL,
    cents  bigint NOT NULL,
    PRIMARY KEY (dim, metric, day, value)
);
