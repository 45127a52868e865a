-- The web app's users and their server-side sessions, as on SQLite (same
-- version number). A session row is found by the SHA-256 of the cookie's
-- secret; the secret itself is never stored. Both are small reference
-- tables if the schema is ever distributed.
CREATE TABLE users (
    id            text        COLLATE "C" PRIMARY KEY,
    email         text        NOT NULL UNIQUE, -- lower case, trimmed
    name          text        NOT NULL,
    role          text        NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz
);

CREATE TABLE sessions (
    hash         text        COLLATE "C" PRIMARY KEY,
    user_id      text        COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
