-- Lighter lead writes, as on SQLite (same version number). leads never
-- had an index on updated_at here (see 0001); SQLite drops its own.
--
-- leads_email held every lead's address, and a new lead's entry lands at a
-- random place in it. It is replaced by an index of email_key, a 31-bit
-- hash of the address (store.EmailKey), a third the size; lookups compare
-- email_norm on the rows found. The keys of the existing rows are computed
-- here: over the address's characters, h = (h * 31 + code point) mod
-- 2^31 - 1, then plus one (0 is "no email"). The code points are read from
-- the address's UTF-8 bytes, so the keys are right whatever the database's
-- encoding.
ALTER TABLE leads ADD COLUMN email_key integer NOT NULL DEFAULT 0;

CREATE FUNCTION pg_temp.accord_email_key(e text) RETURNS integer LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    b bytea := convert_to(e, 'UTF8');
    n integer := length(b);
    i integer := 0;
    c integer;
    h bigint := 0;
BEGIN
    WHILE i < n LOOP
        c := get_byte(b, i);
        IF c >= 240 THEN
            c := ((c & 7) << 18) | ((get_byte(b, i + 1) & 63) << 12) | ((get_byte(b, i + 2) & 63) << 6) | (get_byte(b, i + 3) & 63);
            i := i + 4;
        ELSIF c >= 224 THEN
            c := ((c & 15) << 12) | ((get_byte(b, i + 1) & 63) << 6) | (get_byte(b, i + 2) & 63);
            i := i + 3;
        ELSIF c >= 192 THEN
            c := ((c & 31) << 6) | (get_byte(b, i + 1) & 63);
            i := i + 2;
        ELSE
            i := i + 1;
        END IF;
        h := (h * 31 + c) % 2147483647;
    END LOOP;
    RETURN h + 1;
END
$$;
UPDATE leads SET email_key = pg_temp.accord_email_key(email_norm) WHERE email_norm <> '';
DROP FUNCTION pg_temp.accord_email_key(text);

DROP INDEX leads_email;
CREATE INDEX leads_email_key ON leads (email_key) WHERE email_key <> 0;
