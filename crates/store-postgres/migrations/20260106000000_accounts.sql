-- Portal accounts: users, their sign-in sessions, and the audit log of every change.
--
-- A user holds one role; organisation roles name their organisation and province roles name
-- none (the CHECK keeps the two in step). Only the argon2id PHC string of a password is kept,
-- and only the SHA-256 of a session token, so a copy of the database signs nobody in.

CREATE TABLE users (
    id               uuid        NOT NULL PRIMARY KEY,
    email            text        NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name             text        CHECK (length(name) BETWEEN 1 AND 100),
    role             text        NOT NULL CHECK (role IN ('province_admin', 'inspector', 'org_admin', 'org_staff')),
    organisation_id  uuid        REFERENCES organisations (id),
    status           text        NOT NULL CHECK (status IN ('active', 'disabled')),
    password_hash    text        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK ((role IN ('org_admin', 'org_staff')) = (organisation_id IS NOT NULL))
);

CREATE INDEX users_organisation ON users (organisation_id, email);

CREATE TABLE sessions (
    id            uuid        NOT NULL PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id),
    token_hash    bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    csrf_token    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);

-- Revoking a user's sessions finds the live ones without reading the ended ones.
CREATE INDEX sessions_user_live ON sessions (user_id) WHERE revoked_at IS NULL;

-- The audit log. Ids are UUID v7, so id order is time order and the id is the keyset cursor
-- (newest first). Each search filter has an index ending in id, so a filtered page is one range
-- scan. Citus: a reference table (small, written with the changes it records).
CREATE TABLE audit_log (
    id               uuid        NOT NULL PRIMARY KEY,
    at               timestamptz NOT NULL,
    actor            text        NOT NULL,
    action           text        NOT NULL,
    entity_kind      text        NOT NULL,
    entity_id        text        NOT NULL,
    organisation_id  uuid,
    before           jsonb,
    after            jsonb
);

CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_organisation ON audit_log (organisation_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- The log is append-only: an entry that could be edited would prove nothing.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
