-- Sending records to the national portal and partner EPCIS endpoints.
--
-- `sync_outbox` is written in the transaction of the change it reports (an organisation's or a
-- product's change, a run of captured events), so a change that committed is never missing from
-- it. Each configured target copies the rows after its cursor into `sync_deliveries`, one row per
-- outbox row and target, which then carries that target's status. Times are integer
-- microseconds since the Unix epoch in UTC, so the worker's due-time comparisons are numeric.

CREATE TABLE sync_outbox (
    id               INTEGER PRIMARY KEY,
    organisation_id  BLOB NOT NULL REFERENCES organisations (id) CHECK (length(organisation_id) = 16),
    subject_kind     TEXT NOT NULL CHECK (subject_kind IN ('organisation', 'product', 'events')),
    record_id        BLOB CHECK (length(record_id) = 16),
    first_sequence   INTEGER,
    last_sequence    INTEGER,
    created_at       INTEGER NOT NULL,
    CHECK ((subject_kind = 'product') = (record_id IS NOT NULL)),
    CHECK ((subject_kind = 'events') = (first_sequence IS NOT NULL AND last_sequence IS NOT NULL
                                         AND first_sequence <= last_sequence))
) STRICT;

CREATE TABLE sync_cursors (
    target        TEXT NOT NULL PRIMARY KEY,
    last_outbox   INTEGER NOT NULL
) STRICT;

CREATE TABLE sync_deliveries (
    id                INTEGER PRIMARY KEY,
    target            TEXT NOT NULL,
    outbox_id         INTEGER NOT NULL REFERENCES sync_outbox (id),
    organisation_id   BLOB NOT NULL CHECK (length(organisation_id) = 16),
    subject_kind      TEXT NOT NULL CHECK (subject_kind IN ('organisation', 'product', 'events')),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'confirmed', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    locked_until      INTEGER,
    idempotency_key   TEXT NOT NULL UNIQUE,
    remote_reference  TEXT,
    reason_vi         TEXT,
    reason_en         TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    sent_at           INTEGER,
    confirmed_at      INTEGER,
    UNIQUE (target, outbox_id)
) STRICT;

-- The worker's pick: what is due per target, in the order of changes.
CREATE INDEX sync_deliveries_due ON sync_deliveries (target, status, next_attempt_at);
-- An organisation's profile goes before its other records: a pending profile holds them back.
CREATE INDEX sync_deliveries_profile ON sync_deliveries (target, organisation_id, status, subject_kind, outbox_id);

-- What was recorded before the outbox existed goes in first, in the order a portal needs it:
-- organisations, then their products, then their events in runs of at most 500.
INSERT INTO sync_outbox (organisation_id, subject_kind, created_at)
SELECT id, 'organisation', CAST(unixepoch('subsec') * 1000000 AS INTEGER)
FROM organisations ORDER BY id;

INSERT INTO sync_outbox (organisation_id, subject_kind, record_id, created_at)
SELECT organisation_id, 'product', id, CAST(unixepoch('subsec') * 1000000 AS INTEGER)
FROM registry_records WHERE kind = 'product' AND organisation_id IS NOT NULL ORDER BY id;

INSERT INTO sync_outbox (organisation_id, subject_kind, first_sequence, last_sequence, created_at)
SELECT owner_id, 'events', MIN(sequence), MAX(sequence), CAST(unixepoch('subsec') * 1000000 AS INTEGER)
FROM (SELECT owner_id, sequence,
             (ROW_NUMBER() OVER (PARTITION BY owner_id ORDER BY sequence) - 1) / 500 AS run
      FROM events)
GROUP BY owner_id, run ORDER BY MIN(sequence);
