-- The tenant registry: organisations and the GS1 company prefixes they hold.
--
-- Citus (DESIGN.md section 4): these are master data, small and read everywhere, so they become
-- reference tables (`SELECT create_reference_table('organisations')`). Event tables will be
-- distributed by owner organisation (`create_distributed_table('events', 'organisation_id')`), so
-- the organisation id is a uuid that never changes and every event-table key will include it.
-- Ids are UUID v7: time-ordered, so the primary key is also the keyset cursor for listing.

CREATE TABLE organisations (
    id          uuid        PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('enterprise', 'cooperative', 'household', 'agency')),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    tax_code    text        NOT NULL CONSTRAINT organisations_tax_code_key UNIQUE,
    status      text        NOT NULL CHECK (status IN ('pending', 'approved', 'suspended')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Listing by status pages through (status, id).
CREATE INDEX organisations_status_id ON organisations (status, id);

-- A prefix belongs to one organisation; an organisation may hold several. Prefixes may nest
-- (a province prefix and a member's longer one); the longest match owns a key.
CREATE TABLE organisation_company_prefixes (
    prefix           text        PRIMARY KEY CHECK (prefix ~ '^[0-9]{4,12}$'),
    organisation_id  uuid        NOT NULL REFERENCES organisations (id),
    created_at       timestamptz NOT NULL
);

CREATE INDEX organisation_company_prefixes_organisation ON organisation_company_prefixes (organisation_id);
