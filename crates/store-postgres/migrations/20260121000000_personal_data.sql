-- Households' personal data (Law 91/2025/QH15). A consent statement names the whole set of
-- personal fields a household agrees to publish; a withdrawal is a new statement with fewer
-- fields or none, so the history stays and the newest statement is the current one.
CREATE TABLE consents (
    id               uuid        NOT NULL PRIMARY KEY,
    organisation_id  uuid        NOT NULL REFERENCES organisations (id),
    -- Field names separated by spaces, in order; empty for a withdrawal of every consent.
    fields           text        NOT NULL CHECK (fields ~ '^[a-z ]*$'),
    basis            text        NOT NULL CHECK (length(basis) BETWEEN 1 AND 500),
    recorded_by      text        NOT NULL,
    recorded_at      timestamptz NOT NULL
);

CREATE INDEX consents_organisation ON consents (organisation_id, id);

-- An erasure pseudonymised a household's personal fields: once, for good, so one row per
-- organisation at most.
CREATE TABLE personal_data_erasures (
    organisation_id  uuid        NOT NULL PRIMARY KEY REFERENCES organisations (id),
    reason           text        NOT NULL CHECK (reason IN ('request', 'retention')),
    users            integer     NOT NULL CHECK (users >= 0),
    erased_by        text        NOT NULL,
    erased_at        timestamptz NOT NULL
);

-- Both are evidence of what the household agreed to and when its data went: never edited.
CREATE FUNCTION personal_data_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents
    FOR EACH STATEMENT EXECUTE FUNCTION personal_data_append_only();
CREATE TRIGGER personal_data_erasures_append_only BEFORE UPDATE OR DELETE ON personal_data_erasures
    FOR EACH STATEMENT EXECUTE FUNCTION personal_data_append_only();
