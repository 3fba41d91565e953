-- Named queries and their webhook subscriptions (EPCIS 2.0 REST bindings, /queries).
--
-- A query's `definition` is its parameters as a JSON object, checked by the web layer before it
-- is stored; kept as text so it reads back exactly as written. Deleting a query deletes its
-- subscriptions (ON DELETE CASCADE), so no subscription outlives the query it runs.

CREATE TABLE named_queries (
    owner_id    uuid        NOT NULL REFERENCES organisations (id),
    name        text        NOT NULL,
    definition  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (owner_id, name)
);

-- `schedule` is the client's schedule as JSON, NULL for a stream. The delivery cursor
-- (last_record_time, last_sequence) is the last event the destination accepted; both are NULL
-- until the first delivery, when initial_record_time bounds what is sent.
CREATE TABLE subscriptions (
    id                   uuid        NOT NULL PRIMARY KEY,
    owner_id             uuid        NOT NULL,
    query_name           text        NOT NULL,
    dest                 text        NOT NULL,
    signature_token      text,
    report_if_empty      boolean     NOT NULL,
    stream               boolean     NOT NULL,
    schedule             text,
    initial_record_time  timestamptz NOT NULL,
    last_record_time     timestamptz,
    last_sequence        bigint,
    last_notified_at     timestamptz,
    created_at           timestamptz NOT NULL,
    failures             bigint      NOT NULL CHECK (failures >= 0),
    last_error           text,
    FOREIGN KEY (owner_id, query_name) REFERENCES named_queries (owner_id, name) ON DELETE CASCADE,
    CHECK (stream = (schedule IS NULL)),
    CHECK ((last_record_time IS NULL) = (last_sequence IS NULL))
);

-- A query's subscriptions, and the cascade from a deleted query.
CREATE INDEX subscriptions_query ON subscriptions (owner_id, query_name, id);
