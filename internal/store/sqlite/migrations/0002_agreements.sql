-- The agreement's versions, their sign-offs, and the audit log. Times are
-- Unix microseconds, UTC.

-- A version's body is the YAML exactly as uploaded (a BLOB, so not one byte
-- changes); number runs 1, 2, 3… in upload order.
CREATE TABLE agreement_versions (
    number         INTEGER PRIMARY KEY,
    body           BLOB    NOT NULL,
    effective_from INTEGER NOT NULL,
    uploaded_by    TEXT    NOT NULL,
    uploaded_at    INTEGER NOT NULL,
    note           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX agreement_versions_effective ON agreement_versions (effective_from, number);

-- The people a version names as its signers, in file order.
CREATE TABLE agreement_signers (
    version  INTEGER NOT NULL REFERENCES agreement_versions (number),
    position INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    PRIMARY KEY (version, name)
);

-- One signature per signer per version; only a listed signer can sign.
CREATE TABLE agreement_signatures (
    version    INTEGER NOT NULL,
    signer     TEXT    NOT NULL,
    signed_at  INTEGER NOT NULL,
    token_id   TEXT    NOT NULL,
    token_name TEXT    NOT NULL,
    PRIMARY KEY (version, signer),
    FOREIGN KEY (version, signer) REFERENCES agreement_signers (version, name)
);

-- Who did what, when. Rows are only ever added.
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
