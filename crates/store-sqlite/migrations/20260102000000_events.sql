-- EPCIS events, append-only: corrections are new events (error declarations), never edits, so
-- triggers refuse UPDATE and DELETE.
-- `sequence` is the capture order; times are integer microseconds since the Unix epoch in UTC, so
-- range filters and ordering compare integers. The eventID and the event hash are unique per
-- owner organisation (the same physical event may be recorded by two organisations).
-- `document` is the event's canonical JSON-LD, returned as stored.

CREATE TABLE events (
    sequence                INTEGER NOT NULL PRIMARY KEY,
    owner_id                BLOB    NOT NULL REFERENCES organisations (id),
    event_id                TEXT    NOT NULL,
    event_hash              TEXT    NOT NULL,
    event_type              TEXT    NOT NULL CHECK (event_type IN ('ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent')),
    action                  TEXT    CHECK (action IN ('ADD', 'OBSERVE', 'DELETE')),
    event_time_us           INTEGER NOT NULL,
    event_time_zone_offset  TEXT    NOT NULL,
    record_time_us          INTEGER NOT NULL,
    biz_step                TEXT,
    disposition             TEXT,
    read_point              TEXT,
    biz_location            TEXT,
    document                TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX events_owner_event_id ON events (owner_id, event_id);
CREATE UNIQUE INDEX events_owner_hash ON events (owner_id, event_hash);
CREATE INDEX events_event_time ON events (event_time_us);
CREATE INDEX events_record_time ON events (record_time_us);

-- Every identifier an event names, with its role: what MATCH_ queries and traces look up.
CREATE TABLE event_identifiers (
    sequence    INTEGER NOT NULL REFERENCES events (sequence),
    role        TEXT    NOT NULL CHECK (role IN ('epc', 'parent', 'input', 'output', 'epc_class', 'input_class', 'output_class')),
    identifier  TEXT    NOT NULL,
    PRIMARY KEY (sequence, role, identifier)
) STRICT, WITHOUT ROWID;

CREATE INDEX event_identifiers_identifier ON event_identifiers (identifier, sequence);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER event_identifiers_no_update BEFORE UPDATE ON event_identifiers
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER event_identifiers_no_delete BEFORE DELETE ON event_identifiers
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
