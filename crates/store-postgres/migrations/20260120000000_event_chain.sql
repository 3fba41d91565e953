-- Tamper evidence. Each organisation's events form a hash chain: `event_chain` gives every event
-- its position in its owner's chain and the link there, SHA-256 over the previous link and the
-- event hash (see `nguon_store::chain`). `chain_checkpoints` holds links signed with the
-- province's ed25519 key; the key itself lives in a file, never in the database. Both tables are
-- append-only, like `events`.
--
-- Citus: both are distributed by owner_id, colocated with `events`.

CREATE TABLE event_chain (
    owner_id  uuid    NOT NULL REFERENCES organisations (id),
    position  bigint  NOT NULL CHECK (position >= 1),
    sequence  bigint  NOT NULL,
    link      bytea   NOT NULL CHECK (length(link) = 32),
    PRIMARY KEY (owner_id, position),
    CONSTRAINT event_chain_owner_sequence UNIQUE (owner_id, sequence),
    FOREIGN KEY (owner_id, sequence) REFERENCES events (owner_id, sequence)
);

CREATE TABLE chain_checkpoints (
    owner_id   uuid         NOT NULL REFERENCES organisations (id),
    position   bigint       NOT NULL CHECK (position >= 1),
    link       bytea        NOT NULL,
    signed_at  timestamptz  NOT NULL,
    signature  bytea        NOT NULL,
    PRIMARY KEY (owner_id, position)
);

CREATE TRIGGER event_chain_append_only BEFORE UPDATE OR DELETE ON event_chain
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();
CREATE TRIGGER chain_checkpoints_append_only BEFORE UPDATE OR DELETE ON chain_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_event_change();

-- The events captured before the chain existed are chained once, in capture (sequence) order, by
-- the store right after this migration, in the same code as captures. The row marks that work as
-- due and bounds it, so an event written later without a chain row is reported, never chained.
CREATE TABLE event_chain_backfill (
    up_to_sequence bigint NOT NULL
);
INSERT INTO event_chain_backfill (up_to_sequence) SELECT coalesce(max(sequence), 0) FROM events;
