-- EPCIS events, append-only: corrections are new events (error declarations), never edits, so a
-- trigger refuses UPDATE and DELETE.
--
-- Citus: both tables are distributed by owner_id (`create_distributed_table('events',
-- 'owner_id')`, then event_identifiers colocated with it), which is why every key and unique
-- constraint starts with owner_id. The eventID and the event hash are unique per owner
-- organisation (the same physical event may be recorded by two organisations).
-- `document` is the event's canonical JSON-LD as text, returned exactly as stored.

CREATE SEQUENCE events_sequence;

CREATE TABLE events (
    owner_id                uuid        NOT NULL REFERENCES organisations (id),
    sequence                bigint      NOT NULL,
    event_id                text        NOT NULL,
    event_hash              text        NOT NULL,
    event_type              text        NOT NULL CHECK (event_type IN ('ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent')),
    action                  text        CHECK (action IN ('ADD', 'OBSERVE', 'DELETE')),
    event_time              timestamptz NOT NULL,
    event_time_zone_offset  text        NOT NULL,
    record_time             timestamptz NOT NULL,
    biz_step                text,
    disposition             text,
    read_point              text,
    biz_location            text,
    document                text        NOT NULL,
    PRIMARY KEY (owner_id, sequence),
    CONSTRAINT events_owner_event_id UNIQUE (owner_id, event_id),
    CONSTRAINT events_owner_hash UNIQUE (owner_id, event_hash)
);

CREATE INDEX events_event_time ON events (event_time);
CREATE INDEX events_record_time ON events (record_time);

-- Every identifier an event names, with its role: what MATCH_ queries and traces look up.
CREATE TABLE event_identifiers (
    owner_id    uuid    NOT NULL,
    sequence    bigint  NOT NULL,
    role        text    NOT NULL CHECK (role IN ('epc', 'parent', 'input', 'output', 'epc_class', 'input_class', 'output_class')),
    identifier  text    NOT NULL,
    PRIMARY KEY (owner_id, sequence, role, identifier),
    FOREIGN KEY (owner_id, sequence) REFERENCES events (owner_id, sequence)
);

-- INCLUDE makes a lookup by identifier an index-only scan.
CREATE INDEX event_identifiers_identifier ON event_identifiers (identifier, sequence) INCLUDE (owner_id, role);

CREATE FUNCTION refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER event_identifiers_append_only BEFORE UPDATE OR DELETE ON event_identifiers
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
