-- Recalls: the reason, the identifier the drill started from, a status that only moves forward
-- (open → notified → closed, each step stamped with when and which API key), and every
-- identifier the drill found, so a public page can ask whether a lot is under recall.
--
-- Recalls are the province's, not one organisation's: with Citus they are a reference table.
-- `created_by` and the other keys name API keys, which are revoked but never deleted.

CREATE TABLE recalls (
    id                BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    reason            TEXT NOT NULL,
    start_identifier  TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'notified', 'closed')),
    created_at        TEXT NOT NULL,
    created_by        BLOB NOT NULL CHECK (length(created_by) = 16),
    notified_at       TEXT,
    notified_by       BLOB,
    closed_at         TEXT,
    closed_by         BLOB,
    CHECK ((notified_at IS NULL) = (notified_by IS NULL)),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
    CHECK ((status = 'open') = (notified_at IS NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
) STRICT;

-- `position` keeps the drill's order: affected breadth first, then suspects.
CREATE TABLE recall_lots (
    recall_id        BLOB    NOT NULL REFERENCES recalls (id),
    position         INTEGER NOT NULL CHECK (position >= 0),
    identifier       TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('affected', 'suspect')),
    kind             TEXT    NOT NULL,
    organisation_id  BLOB    REFERENCES organisations (id),
    quantity         REAL,
    uom              TEXT,
    PRIMARY KEY (recall_id, position),
    UNIQUE (recall_id, role, identifier)
) STRICT, WITHOUT ROWID;

-- "Is this lot under recall?"
CREATE INDEX recall_lots_identifier ON recall_lots (identifier, role, recall_id);
