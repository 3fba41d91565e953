-- What the EPCIS REST API needs: the side index of query fields, the indexes that serve every
-- query filter, API keys, capture jobs and master data.
--
-- Every EQ_ filter on an events column is served by an index led by that column and followed by
-- owner_id, so one index serves a province query (column only) and an organisation's (column and
-- owner); the rowid (sequence) closes every index, which is the tie-breaker of every order.

-- One row per indexed value of an event (NewEvent.fields), in the order given (`position`), so
-- an event reads back exactly as captured. time_us is integer microseconds, as in `events`.
CREATE TABLE event_fields (
    sequence  INTEGER NOT NULL REFERENCES events (sequence),
    position  INTEGER NOT NULL,
    name      TEXT    NOT NULL,
    text      TEXT,
    number    REAL,
    time_us   INTEGER,
    PRIMARY KEY (sequence, position)
) STRICT, WITHOUT ROWID;

CREATE INDEX event_fields_text ON event_fields (name, text, sequence);
CREATE INDEX event_fields_number ON event_fields (name, number, sequence);
CREATE INDEX event_fields_time ON event_fields (name, time_us, sequence);

CREATE TRIGGER event_fields_no_update BEFORE UPDATE ON event_fields
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER event_fields_no_delete BEFORE DELETE ON event_fields
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE INDEX events_event_type ON events (event_type, owner_id);
CREATE INDEX events_biz_step ON events (biz_step, owner_id);
CREATE INDEX events_disposition ON events (disposition, owner_id);
CREATE INDEX events_read_point ON events (read_point, owner_id);
CREATE INDEX events_biz_location ON events (biz_location, owner_id);
-- EQ_eventID across organisations (the unique key leads with owner_id).
CREATE INDEX events_event_id ON events (event_id);
-- An organisation's events in time order, for its pages without a more selective filter.
CREATE INDEX events_owner_event_time ON events (owner_id, event_time_us);
CREATE INDEX events_owner_record_time ON events (owner_id, record_time_us);

-- API keys. Only the SHA-256 of a token is kept. An organisation key has an owner, a province
-- key has none.
CREATE TABLE api_keys (
    id          BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    owner_id    BLOB REFERENCES organisations (id),
    scope       TEXT NOT NULL CHECK (scope IN ('organisation', 'province')),
    label       TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    CHECK ((scope = 'organisation') = (owner_id IS NOT NULL))
) STRICT;

CREATE INDEX api_keys_owner ON api_keys (owner_id, id);

-- Capture jobs. Ids are UUID v7, so (owner_id, id) lists an organisation's jobs in creation
-- order and the id is the keyset cursor. `errors` is a JSON array of strings.
CREATE TABLE capture_jobs (
    id               BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    owner_id         BLOB    NOT NULL REFERENCES organisations (id),
    created_at       TEXT    NOT NULL,
    finished_at      TEXT,
    running          INTEGER NOT NULL CHECK (running IN (0, 1)),
    success          INTEGER CHECK (success IN (0, 1)),
    error_behaviour  TEXT    NOT NULL CHECK (error_behaviour IN ('rollback', 'proceed')),
    event_count      INTEGER NOT NULL CHECK (event_count >= 0),
    captured_count   INTEGER NOT NULL CHECK (captured_count >= 0),
    errors           TEXT    NOT NULL
) STRICT;

CREATE INDEX capture_jobs_owner ON capture_jobs (owner_id, id);
-- Start-up finds the jobs a crash cut off without reading the finished ones.
CREATE INDEX capture_jobs_running ON capture_jobs (id) WHERE running = 1;

-- Master data, per organisation: vocabulary elements with their attributes as a JSON array of
-- [id, value-as-JSON-text] pairs, and the parent -> child links WD_ queries descend.
CREATE TABLE master_data_elements (
    owner_id         BLOB NOT NULL REFERENCES organisations (id),
    vocabulary_type  TEXT NOT NULL,
    element_id       TEXT NOT NULL,
    attributes       TEXT NOT NULL,
    PRIMARY KEY (owner_id, vocabulary_type, element_id)
) STRICT, WITHOUT ROWID;

-- A province-wide lookup (owner unknown) finds an element by type and id.
CREATE INDEX master_data_elements_element ON master_data_elements (vocabulary_type, element_id);

CREATE TABLE master_data_children (
    owner_id   BLOB NOT NULL REFERENCES organisations (id),
    parent_id  TEXT NOT NULL,
    child_id   TEXT NOT NULL,
    PRIMARY KEY (owner_id, parent_id, child_id)
) STRICT, WITHOUT ROWID;

-- A province-wide WD_ query descends every organisation's hierarchy.
CREATE INDEX master_data_children_parent ON master_data_children (parent_id, child_id);
