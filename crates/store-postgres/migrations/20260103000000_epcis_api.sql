-- What the EPCIS REST API needs: the side index of query fields, the indexes that serve every
-- query filter, API keys, capture jobs and master data.
--
-- Collation: values that are compared by range (identifier prefixes, MATCH_) or listed in order
-- (the /bizSteps, /epcs, … resources, master data children) or joined with them (the location
-- hierarchy) use COLLATE "C", byte order of UTF-8; an index serves a comparison only in its own
-- collation. That is code point order, the order SQLite uses, so both back ends sort and page alike
-- whatever collation the database was created with, and a prefix is one index range.
--
-- Citus: event_fields is distributed by owner_id like the other event tables, so its key starts
-- with owner_id. The filter indexes lead with the filtered value and follow with owner_id: one
-- index then serves a province query (value only) and an organisation's (value and owner).

ALTER TABLE events
    ALTER COLUMN biz_step TYPE text COLLATE "C",
    ALTER COLUMN disposition TYPE text COLLATE "C",
    ALTER COLUMN read_point TYPE text COLLATE "C",
    ALTER COLUMN biz_location TYPE text COLLATE "C";
ALTER TABLE event_identifiers ALTER COLUMN identifier TYPE text COLLATE "C";

-- One row per indexed value of an event (NewEvent.fields), in the order given (`position`), so
-- an event reads back exactly as captured.
CREATE TABLE event_fields (
    owner_id  uuid             NOT NULL,
    sequence  bigint           NOT NULL,
    position  integer          NOT NULL,
    name      text             COLLATE "C" NOT NULL,
    text      text             COLLATE "C",
    number    double precision,
    time      timestamptz,
    PRIMARY KEY (owner_id, sequence, position),
    FOREIGN KEY (owner_id, sequence) REFERENCES events (owner_id, sequence)
);

-- INCLUDE (owner_id) lets a filter return the full event key from the index alone.
CREATE INDEX event_fields_text ON event_fields (name, text, sequence) INCLUDE (owner_id);
CREATE INDEX event_fields_number ON event_fields (name, number, sequence) INCLUDE (owner_id);
CREATE INDEX event_fields_time ON event_fields (name, time, sequence) INCLUDE (owner_id);

CREATE TRIGGER event_fields_append_only BEFORE UPDATE OR DELETE ON event_fields
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();

-- Every page is ordered by (time, sequence); the sequence makes the order total and the keyset
-- cursor exact. These replace the single-column time indexes.
DROP INDEX events_event_time;
DROP INDEX events_record_time;
CREATE INDEX events_event_time ON events (event_time, sequence);
CREATE INDEX events_record_time ON events (record_time, sequence);
CREATE INDEX events_owner_event_time ON events (owner_id, event_time, sequence);
CREATE INDEX events_owner_record_time ON events (owner_id, record_time, sequence);

CREATE INDEX events_event_type ON events (event_type, owner_id);
CREATE INDEX events_biz_step ON events (biz_step, owner_id);
CREATE INDEX events_disposition ON events (disposition, owner_id);
CREATE INDEX events_read_point ON events (read_point, owner_id);
CREATE INDEX events_biz_location ON events (biz_location, owner_id);
-- EQ_eventID across organisations (the unique key leads with owner_id).
CREATE INDEX events_event_id ON events (event_id);

-- API keys. Only the SHA-256 of a token is kept. An organisation key has an owner, a province
-- key has none.
CREATE TABLE api_keys (
    id          uuid        PRIMARY KEY,
    owner_id    uuid        REFERENCES organisations (id),
    scope       text        NOT NULL CHECK (scope IN ('organisation', 'province')),
    label       text        NOT NULL,
    token_hash  bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CHECK ((scope = 'organisation') = (owner_id IS NOT NULL))
);

CREATE INDEX api_keys_owner ON api_keys (owner_id, id);

-- Capture jobs. Ids are UUID v7, so (owner_id, id) lists an organisation's jobs in creation
-- order and the id is the keyset cursor. `errors` is a JSON array of strings.
CREATE TABLE capture_jobs (
    id               uuid        PRIMARY KEY,
    owner_id         uuid        NOT NULL REFERENCES organisations (id),
    created_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    running          boolean     NOT NULL,
    success          boolean,
    error_behaviour  text        NOT NULL CHECK (error_behaviour IN ('rollback', 'proceed')),
    event_count      bigint      NOT NULL CHECK (event_count >= 0),
    captured_count   bigint      NOT NULL CHECK (captured_count >= 0),
    errors           text        NOT NULL
);

CREATE INDEX capture_jobs_owner ON capture_jobs (owner_id, id);
-- Start-up finds the jobs a crash cut off without reading the finished ones.
CREATE INDEX capture_jobs_running ON capture_jobs (id) WHERE running;

-- Master data, per organisation: vocabulary elements with their attributes as a JSON array of
-- [id, value-as-JSON-text] pairs, and the parent -> child links WD_ queries descend.
CREATE TABLE master_data_elements (
    owner_id         uuid NOT NULL REFERENCES organisations (id),
    vocabulary_type  text NOT NULL,
    element_id       text NOT NULL,
    attributes       text NOT NULL,
    PRIMARY KEY (owner_id, vocabulary_type, element_id)
);

-- A province-wide lookup (owner unknown) finds an element by type and id.
CREATE INDEX master_data_elements_element ON master_data_elements (vocabulary_type, element_id);

CREATE TABLE master_data_children (
    owner_id   uuid NOT NULL REFERENCES organisations (id),
    parent_id  text COLLATE "C" NOT NULL,
    child_id   text COLLATE "C" NOT NULL,
    PRIMARY KEY (owner_id, parent_id, child_id)
);

-- A province-wide WD_ query descends every organisation's hierarchy.
CREATE INDEX master_data_children_parent ON master_data_children (parent_id, child_id);
