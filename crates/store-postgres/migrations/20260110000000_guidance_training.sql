-- Plan 140: the indexes the dashboard's aggregates read, the guidance library and training
-- records. Guidance and training are the province's: with Citus, reference tables.

-- Whether an organisation recorded an event lately is one seek per organisation into
-- events_owner_event_time (20260103000000_epcis_api).
-- Counting events per owner and shape (what a chain stage is recognised by) can be an
-- index-only scan instead of a scan of the table, whose rows carry each event's document.
CREATE INDEX events_shape ON events (owner_id, event_type, action, biz_step) INCLUDE (event_time);

-- Guidance documents, versioned by title: each upload of a title adds the next version, and
-- nothing is replaced or deleted, so a document once handed out can be found again.
CREATE TABLE guidance_documents (
    id              uuid        NOT NULL PRIMARY KEY,
    title           text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    version         integer     NOT NULL CHECK (version >= 1),
    product_group   text        CHECK (char_length(product_group) BETWEEN 1 AND 40),
    file_name       text        NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 200),
    media_type      text        NOT NULL,
    bytes           bytea       NOT NULL,
    created_at      timestamptz NOT NULL,
    created_by      text        NOT NULL,
    UNIQUE (title, version)
);

CREATE FUNCTION refuse_guidance_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'guidance versions are kept as uploaded';
END;
$$;

CREATE TRIGGER guidance_documents_kept BEFORE UPDATE ON guidance_documents
    FOR EACH ROW EXECUTE FUNCTION refuse_guidance_change();

-- Training sessions and the organisations that attended, with how many people each sent.
CREATE TABLE training_sessions (
    id             uuid        NOT NULL PRIMARY KEY,
    title          text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    held_on        date        NOT NULL,
    place          text        NOT NULL CHECK (char_length(place) BETWEEN 1 AND 200),
    product_group  text        CHECK (char_length(product_group) BETWEEN 1 AND 40),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE INDEX training_sessions_held_on ON training_sessions (held_on, id);

CREATE TABLE training_participants (
    session_id       uuid    NOT NULL REFERENCES training_sessions (id),
    organisation_id  uuid    NOT NULL REFERENCES organisations (id),
    people           integer NOT NULL CHECK (people BETWEEN 1 AND 10000),
    PRIMARY KEY (session_id, organisation_id)
);

-- "Organisations reached" counts distinct organisations over every session.
CREATE INDEX training_participants_organisation ON training_participants (organisation_id);
