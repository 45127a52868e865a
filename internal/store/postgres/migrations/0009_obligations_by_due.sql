-- A rep's queue, as on SQLite (same version number): their open
-- obligations, the soonest due first, the first few hundred of them. The
-- due time was only in body, so the queue read every open obligation of
-- the owner to sort them; due_at holds it as a column while the obligation
-- is open and its clock runs, and is NULL otherwise (closed, or paused: no
-- due time). Adding a column with no default rewrites nothing.
ALTER TABLE obligations ADD COLUMN due_at timestamptz;

-- The open ones written before this carry their due time in body only, as
-- Go's RFC 3339 text, to the nanosecond. timestamptz would round the
-- fraction to microseconds where pgx, writing a time.Time, truncates it:
-- the digits past the sixth go first, so the column holds what a save
-- would write.
UPDATE obligations SET due_at = regexp_replace(body::json ->> 'due_at', '([.][0-9]{6})[0-9]+', E'\\1')::timestamptz
WHERE status = 'open' AND body::json ->> 'due_at' IS NOT NULL;

-- The queue reads one owner's entries in order and stops at its limit;
-- ascending order puts NULLs (no due time) last, as the query asks. 0003
-- kept status out of every index so that closing an obligation could be a
-- HOT update; this index gives that up, for the closes, pauses, resumes and
-- reassignments (once or twice in an obligation's life). The frequent
-- rewrite, a touch counted on a cadence, changes no indexed column and
-- stays HOT.
CREATE INDEX obligations_queue ON obligations (owner, due_at, id) WHERE status = 'open';
