-- Households' personal data (Law 91/2025/QH15). A consent statement names the whole set of
-- personal fields a household agrees to publish; a withdrawal is a new statement with fewer
-- fields or none, so the history stays and the newest statement is the current one.
CREATE TABLE consents (
    id               BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    organisation_id  BLOB NOT NULL REFERENCES organisations (id),
    -- Field names separated by spaces, in order; empty for a withdrawal of every consent.
    fields           TEXT NOT NULL CHECK (fields NOT GLOB '*[^a-z ]*'),
    basis            TEXT NOT NULL CHECK (length(basis) BETWEEN 1 AND 500),
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL
) STRICT;

CREATE INDEX consents_organisation ON consents (organisation_id, id);

-- An erasure pseudonymised a household's personal fields: once, for good, so one row per
-- organisation at most.
CREATE TABLE personal_data_erasures (
    organisation_id  BLOB    NOT NULL PRIMARY KEY REFERENCES organisations (id),
    reason           TEXT    NOT NULL CHECK (reason IN ('request', 'retention')),
    users            INTEGER NOT NULL CHECK (users >= 0),
    erased_by        TEXT    NOT NULL,
    erased_at        TEXT    NOT NULL
) STRICT;

-- Both are evidence of what the household agreed to and when its data went: never edited.
CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'consent statements are append-only'); END;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'consent statements are append-only'); END;
CREATE TRIGGER personal_data_erasures_no_update BEFORE UPDATE ON personal_data_erasures
BEGIN SELECT RAISE(ABORT, 'erasures are irreversible'); END;
CREATE TRIGGER personal_data_erasures_no_delete BEFORE DELETE ON personal_data_erasures
BEGIN SELECT RAISE(ABORT, 'erasures are irreversible'); END;
