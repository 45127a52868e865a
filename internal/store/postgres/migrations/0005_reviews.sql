-- The weekly review: one row per reviewed week; body holds the snapshot of
-- the week's atoms, the comments and the sign-offs (JSON text). Not a
-- projection: a rebuild leaves it alone, which is what keeps locked
-- numbers locked.
CREATE TABLE reviews (
    week   text COLLATE "C" PRIMARY KEY,
    status text NOT NULL,
    body   text NOT NULL
);

