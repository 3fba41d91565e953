-- Named queries and their webhook subscriptions (EPCIS 2.0 REST bindings, /queries).
--
-- A query's `definition` is its parameters as a JSON object, checked by the web layer before it
-- is stored. Deleting a query deletes its subscriptions (ON DELETE CASCADE), so no subscription
-- outlives the query it runs.

CREATE TABLE named_queries (
    owner_id    BLOB NOT NULL REFERENCES organisations (id),
    name        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (owner_id, name)
) STRICT, WITHOUT ROWID;

-- `schedule` is the client's schedule as JSON, NULL for a stream. The delivery cursor
-- (last_record_time, last_sequence) is the last event the destination accepted; both are NULL
-- until the first delivery, when initial_record_time bounds what is sent.
CREATE TABLE subscriptions (
    id                   BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    owner_id             BLOB    NOT NULL,
    query_name           TEXT    NOT NULL,
    dest                 TEXT    NOT NULL,
    signature_token      TEXT,
    report_if_empty      INTEGER NOT NULL CHECK (report_if_empty IN (0, 1)),
    stream               INTEGER NOT NULL CHECK (stream IN (0, 1)),
    schedule             TEXT,
    initial_record_time  TEXT    NOT NULL,
    last_record_time     TEXT,
    last_sequence        INTEGER,
    last_notified_at     TEXT,
    created_at           TEXT    NOT NULL,
    failures             INTEGER NOT NULL CHECK (failures >= 0),
    last_error           TEXT,
    FOREIGN KEY (owner_id, query_name) REFERENCES named_queries (owner_id, name) ON DELETE CASCADE,
    CHECK (stream = (schedule IS NULL)),
    CHECK ((last_record_time IS NULL) = (last_sequence IS NULL))
) STRICT;

-- A query's subscriptions, and the cascade from a deleted query.
CREATE INDEX subscriptions_query ON subscriptions (owner_id, query_name, id);
