-- Lighter lead writes. A lead's row is rewritten by nearly every event
-- about it, and each write transaction's commit copies every page it
-- dirtied into the WAL; two of the leads indexes dirtied pages out of all
-- proportion to what they were for.

-- leads_updated: updated_at changes on every event, so every save of a
-- lead moved its entry in this index, and nothing reads leads through it
-- (a listing by an updated range filters along leads_created, as it
-- always has on PostgreSQL, which never had this index).
DROP INDEX leads_updated;

-- leads_email held every lead's address (~40 bytes an entry), and a new
-- lead's entry lands at a random place in it, dirtying a page of it per
-- new lead. It is replaced by an index of email_key, a 31-bit hash of the
-- address (store.EmailKey), a third the size; lookups compare email_norm
-- on the rows found. The keys of the existing rows are computed here:
-- over the address's characters, h = (h * 31 + code point) mod 2^31 - 1,
-- then plus one (0 is "no email").
ALTER TABLE leads ADD COLUMN email_key INTEGER NOT NULL DEFAULT 0;
WITH RECURSIVE h(rid, e, n, i, v) AS (
    SELECT rowid, email_norm, length(email_norm), 1, 0 FROM leads WHERE email_norm <> ''
    UNION ALL
    SELECT rid, e, n, i + 1, (v * 31 + unicode(substr(e, i, 1))) % 2147483647 FROM h WHERE i <= n
)
UPDATE leads SET email_key = h.v + 1 FROM h WHERE h.rid = leads.rowid AND h.i = h.n + 1;
DROP INDEX leads_email;
CREATE INDEX leads_email_key ON leads (email_key) WHERE email_key <> 0;
