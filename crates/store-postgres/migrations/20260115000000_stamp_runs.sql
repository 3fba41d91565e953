-- Stamp runs: one print job of a lot's serialised stamps. Runs of a lot number their stamps
-- consecutively from 1 (`first_sequence`), so a lot's issued total is the sum of its counts,
-- checked against the lot's cap in the transaction that adds a run (under an advisory lock on
-- the lot). The secret keys each serial's check code; it never leaves the server.

CREATE TABLE stamp_runs (
    id                UUID        NOT NULL PRIMARY KEY,
    organisation_id   UUID        NOT NULL REFERENCES organisations (id),
    gtin              TEXT        NOT NULL CHECK (length(gtin) = 14),
    lot               TEXT        NOT NULL CHECK (length(lot) BETWEEN 1 AND 20),
    first_sequence    BIGINT      NOT NULL CHECK (first_sequence >= 1),
    count             BIGINT      NOT NULL CHECK (count >= 1),
    secret            BYTEA       NOT NULL CHECK (length(secret) = 16),
    symbology         TEXT        NOT NULL,
    layout            TEXT        NOT NULL,
    printed_by        TEXT        NOT NULL,
    printed_at        TIMESTAMPTZ NOT NULL,
    state             TEXT        NOT NULL CHECK (state IN ('printed', 'active', 'deactivated')),
    state_changed_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (gtin, lot, first_sequence)
);

CREATE INDEX stamp_runs_owner ON stamp_runs (organisation_id, id);
