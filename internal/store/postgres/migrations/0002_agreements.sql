-- The agreement's versions, their sign-offs, and the audit log.

-- A version's body is the YAML exactly as uploaded (bytea, so not one byte
-- changes); number runs 1, 2, 3… in upload order.
CREATE TABLE agreement_versions (
    number         integer     PRIMARY KEY,
    body           bytea       NOT NULL,
    effective_from timestamptz NOT NULL,
    uploaded_by    text        NOT NULL,
    uploaded_at    timestamptz NOT NULL,
    note           text        NOT NULL DEFAULT ''
);
CREATE INDEX agreement_versions_effective ON agreement_versions (effective_from, number);

-- The people a version names as its signers, in file order.
CREATE TABLE agreement_signers (
    version  integer NOT NULL REFERENCES agreement_versions (number),
    position integer NOT NULL,
    name     text    NOT NULL,
    PRIMARY KEY (version, name)
);

-- One signature per signer per version; only a listed signer can sign.
CREATE TABLE agreement_signatures (
    version    integer     NOT NULL,
    signer     text        NOT NULL,
    signed_at  timestamptz NOT NULL,
    token_id   text        NOT NULL,
    token_name text        NOT NULL,
    PRIMARY KEY (version, signer),
    FOREIGN KEY (version, signer) REFERENCES agreement_signers (version, name)
);

-- Who did what, when. Rows are only ever added. detail is json, not jsonb,
-- so it reads back exactly as written (the same text as on SQLite).
CREATE TABLE audit_log (
    seq     bigint      PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text        NOT NULL,
    action  text        NOT NULL,
    subject text        NOT NULL,
    detail  json        NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
