-- The tenant registry: organisations and the GS1 company prefixes they hold.
-- Ids are UUID v7 stored as 16-byte BLOBs, which sort in creation order byte by byte, so the
-- primary key is also the keyset cursor for listing. Times are RFC 3339 text in UTC.
-- STRICT makes SQLite refuse a value of the wrong type instead of storing it anyway.

CREATE TABLE organisations (
    id          BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    kind        TEXT NOT NULL CHECK (kind IN ('enterprise', 'cooperative', 'household', 'agency')),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tax_code    TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'suspended')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- Listing by status pages through (status, id).
CREATE INDEX organisations_status_id ON organisations (status, id);

-- A prefix belongs to one organisation; an organisation may hold several. Prefixes may nest
-- (a province prefix and a member's longer one); the longest match owns a key.
CREATE TABLE organisation_company_prefixes (
    prefix           TEXT NOT NULL PRIMARY KEY CHECK (length(prefix) BETWEEN 4 AND 12 AND prefix NOT GLOB '*[^0-9]*'),
    organisation_id  BLOB NOT NULL REFERENCES organisations (id),
    created_at       TEXT NOT NULL
) STRICT;

CREATE INDEX organisation_company_prefixes_organisation ON organisation_company_prefixes (organisation_id);
