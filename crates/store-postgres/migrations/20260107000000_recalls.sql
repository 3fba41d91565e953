-- Recalls: the reason, the identifier the drill started from, a status that only moves forward
-- (open → notified → closed, each step stamped with when and which API key), and every
-- identifier the drill found, so a public page can ask whether a lot is under recall.
--
-- Recalls are the province's, not one organisation's: with Citus they are a reference table.
-- `created_by` and the other keys name API keys, which are revoked but never deleted.

CREATE TABLE recalls (
    id                uuid        NOT NULL PRIMARY KEY,
    reason            text        NOT NULL,
    start_identifier  text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('open', 'notified', 'closed')),
    created_at        timestamptz NOT NULL,
    created_by        uuid        NOT NULL,
    notified_at       timestamptz,
    notified_by       uuid,
    closed_at         timestamptz,
    closed_by         uuid,
    CHECK ((notified_at IS NULL) = (notified_by IS NULL)),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
    CHECK ((status = 'open') = (notified_at IS NULL)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);

-- `position` keeps the drill's order: affected breadth first, then suspects.
CREATE TABLE recall_lots (
    recall_id        uuid    NOT NULL REFERENCES recalls (id),
    position         integer NOT NULL CHECK (position >= 0),
    identifier       text    NOT NULL,
    role             text    NOT NULL CHECK (role IN ('affected', 'suspect')),
    kind             text    NOT NULL,
    organisation_id  uuid    REFERENCES organisations (id),
    quantity         double precision,
    uom              text,
    PRIMARY KEY (recall_id, position),
    UNIQUE (recall_id, role, identifier)
);

-- "Is this lot under recall?"
CREATE INDEX recall_lots_identifier ON recall_lots (identifier, role, recall_id);
