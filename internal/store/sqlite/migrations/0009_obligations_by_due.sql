-- A rep's queue: their open obligations, the soonest due first, the first
-- few hundred of them. The due time was only in body, so the queue read
-- every open obligation of the owner to sort them; due_at holds it as a
-- column (Unix microseconds) while the obligation is open and its clock
-- runs, and is NULL otherwise (closed, or paused: no due time).
ALTER TABLE obligations ADD COLUMN due_at INTEGER;

-- The open ones written before this carry their due time in body only, as
-- Go's RFC 3339 text ("2026-03-02T09:05:00.25-05:00"). unixepoch() is given
-- the text without its fraction, which it would round to milliseconds (and
-- into the next second from .9995 on); the fraction's first six digits are
-- the microseconds.
WITH t AS (
    SELECT id, json_extract(body, '$.due_at') AS x FROM obligations WHERE status = 'open'
), p AS (
    SELECT id, x,
        CASE WHEN substr(x, -1) = 'Z' THEN 'Z' ELSE substr(x, -6) END AS tz,
        CASE WHEN substr(x, 20, 1) = '.'
            THEN substr(x, 21, length(x) - 20 - CASE WHEN substr(x, -1) = 'Z' THEN 1 ELSE 6 END)
            ELSE '' END AS frac
    FROM t WHERE x IS NOT NULL
)
UPDATE obligations SET due_at = unixepoch(substr(p.x, 1, 19) || p.tz) * 1000000 + CAST(substr(p.frac || '000000', 1, 6) AS INTEGER)
FROM p WHERE p.id = obligations.id;

-- The queue reads one owner's entries in order and stops at its limit.
-- SQLite sorts NULLs first; the "due_at IS NULL" key puts the obligations
-- without a due time last, as the query asks (ORDER BY due_at IS NULL,
-- due_at, id), so the order is the index's and nothing is sorted. Only
-- open obligations are in it, and an obligation's entry moves only when
-- it closes, pauses, resumes or changes owner, not on every touch.
CREATE INDEX obligations_queue ON obligations (owner, due_at IS NULL, due_at, id) WHERE status = 'open';
