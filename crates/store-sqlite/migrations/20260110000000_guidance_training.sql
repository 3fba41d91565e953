-- Plan 140: the indexes the dashboard's aggregates read, the guidance library and training
-- records.

-- Whether an organisation recorded an event lately is one seek per organisation into
-- events_owner_event_time (20260103000000_epcis_api).
-- Counting events per owner and shape (what a chain stage is recognised by) reads this covering
-- index instead of the table, whose rows carry each event's whole document.
CREATE INDEX events_shape ON events (owner_id, event_type, action, biz_step, event_time_us);

-- Guidance documents, versioned by title: each upload of a title adds the next version, and
-- nothing is replaced or deleted, so a document once handed out can be found again. The bytes
-- are kept here, served with the media type their content was checked against.
CREATE TABLE guidance_documents (
    id              BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    title           TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    version         INTEGER NOT NULL CHECK (version >= 1),
    product_group   TEXT    CHECK (length(product_group) BETWEEN 1 AND 40),
    file_name       TEXT    NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    media_type      TEXT    NOT NULL,
    bytes           BLOB    NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    UNIQUE (title, version)
) STRICT;

CREATE TRIGGER guidance_documents_no_update BEFORE UPDATE ON guidance_documents
BEGIN SELECT RAISE(ABORT, 'guidance versions are kept as uploaded'); END;

-- Training sessions and the organisations that attended, with how many people each sent.
-- product_group is a catalogue code when the session was about one group.
CREATE TABLE training_sessions (
    id             BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    title          TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    held_on        TEXT NOT NULL CHECK (held_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    place          TEXT NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    product_group  TEXT CHECK (length(product_group) BETWEEN 1 AND 40),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

CREATE INDEX training_sessions_held_on ON training_sessions (held_on, id);

CREATE TABLE training_participants (
    session_id       BLOB    NOT NULL REFERENCES training_sessions (id),
    organisation_id  BLOB    NOT NULL REFERENCES organisations (id),
    people           INTEGER NOT NULL CHECK (people BETWEEN 1 AND 10000),
    PRIMARY KEY (session_id, organisation_id)
) STRICT, WITHOUT ROWID;

-- "Organisations reached" counts distinct organisations over every session.
CREATE INDEX training_participants_organisation ON training_participants (organisation_id);
