-- The weekly review: one row per reviewed week; body holds the snapshot of
-- the week's atoms, the comments and the sign-offs (JSON). Not a
-- projection: a rebuild leaves it alone, which is what keeps locked
-- numbers locked.
CREATE TABLE reviews (
    week   TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    body   TEXT NOT NULL
);

