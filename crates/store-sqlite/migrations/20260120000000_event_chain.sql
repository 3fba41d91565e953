-- Tamper evidence. Each organisation's events form a hash chain: `event_chain` gives every event
-- its position in its owner's chain and the link there, SHA-256 over the previous link and the
-- event hash (see `nguon_store::chain`). `chain_checkpoints` holds links signed with the
-- province's ed25519 key; the key itself lives in a file, never in the database. Both tables are
-- append-only, like `events`. Times are integer microseconds since the Unix epoch in UTC.

CREATE TABLE event_chain (
    owner_id  BLOB    NOT NULL REFERENCES organisations (id),
    position  INTEGER NOT NULL CHECK (position >= 1),
    sequence  INTEGER NOT NULL REFERENCES events (sequence),
    link      BLOB    NOT NULL CHECK (length(link) = 32),
    PRIMARY KEY (owner_id, position),
    UNIQUE (owner_id, sequence)
) STRICT, WITHOUT ROWID;

CREATE TABLE chain_checkpoints (
    owner_id   BLOB    NOT NULL REFERENCES organisations (id),
    position   INTEGER NOT NULL CHECK (position >= 1),
    link       BLOB    NOT NULL,
    signed_at  INTEGER NOT NULL,
    signature  BLOB    NOT NULL,
    PRIMARY KEY (owner_id, position)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER event_chain_no_update BEFORE UPDATE ON event_chain
BEGIN SELECT RAISE(ABORT, 'the event chain is append-only'); END;
CREATE TRIGGER event_chain_no_delete BEFORE DELETE ON event_chain
BEGIN SELECT RAISE(ABORT, 'the event chain is append-only'); END;
CREATE TRIGGER chain_checkpoints_no_update BEFORE UPDATE ON chain_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER chain_checkpoints_no_delete BEFORE DELETE ON chain_checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;

-- The events captured before the chain existed are chained once, in capture (sequence) order, by
-- the store right after this migration: SQL here has no SHA-256. The row marks that work as due
-- and bounds it, so an event written later without a chain row is reported, never chained.
CREATE TABLE event_chain_backfill (
    up_to_sequence INTEGER NOT NULL
) STRICT;
INSERT INTO event_chain_backfill (up_to_sequence) SELECT coalesce(max(sequence), 0) FROM events;
