-- Portal accounts: users, their sign-in sessions, and the audit log of every change.
--
-- A user holds one role; organisation roles name their organisation and province roles name
-- none (the CHECK keeps the two in step). Only the argon2id PHC string of a password is kept,
-- and only the SHA-256 of a session token, so a copy of this file signs nobody in.

CREATE TABLE users (
    id               BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    email            TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name             TEXT CHECK (length(name) BETWEEN 1 AND 100),
    role             TEXT NOT NULL CHECK (role IN ('province_admin', 'inspector', 'org_admin', 'org_staff')),
    organisation_id  BLOB REFERENCES organisations (id),
    status           TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    password_hash    TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    CHECK ((role IN ('org_admin', 'org_staff')) = (organisation_id IS NOT NULL))
) STRICT;

CREATE INDEX users_organisation ON users (organisation_id, email);

CREATE TABLE sessions (
    id            BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    user_id       BLOB NOT NULL REFERENCES users (id),
    token_hash    BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    revoked_at    TEXT
) STRICT;

-- Revoking a user's sessions finds the live ones without reading the ended ones.
CREATE INDEX sessions_user_live ON sessions (user_id) WHERE revoked_at IS NULL;

-- The audit log. Ids are UUID v7, so id order is time order and the id is the keyset cursor
-- (newest first); at_us (integer microseconds, UTC) serves date ranges. before and after are
-- JSON text. Each search filter has an index ending in id, so a filtered page is one range scan.
CREATE TABLE audit_log (
    id               BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    at_us            INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    entity_kind      TEXT    NOT NULL,
    entity_id        TEXT    NOT NULL,
    organisation_id  BLOB,
    before           TEXT CHECK (before IS NULL OR json_valid(before)),
    after            TEXT CHECK (after IS NULL OR json_valid(after))
) STRICT;

CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_organisation ON audit_log (organisation_id, id);
CREATE INDEX audit_log_at ON audit_log (at_us);

-- The log is append-only: an entry that could be edited would prove nothing.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
