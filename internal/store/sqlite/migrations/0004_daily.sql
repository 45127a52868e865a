-- The reporting atoms: per day (in the organisation's time zone), metric,
-- dimension and value, a count and an amount in cents. A projection: ingest
-- adds each batch's difference; a rebuild recounts.
CREATE TABLE daily (
    dim    TEXT    NOT NULL,
    metric TEXT    NOT NULL,
    day    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    cents  INTEGER NOT NULL,
    PRIMARY KEY (dim, metric, day, value)
) WITHOUT ROWID;
