-- Registry records other than organisations: facilities, products and the province's product
-- groups. Each keeps its typed details as one JSON document (`body`, written and read only
-- through the domain types, which check every field), beside the columns lists filter on.
-- The key (a GLN, a GTIN, a group code) is unique within its kind: one code, one record.
-- Records are never deleted, since printed codes point at them; they are suspended instead.
-- With Citus these are reference tables: every node resolves a code without a hop.

CREATE TABLE registry_records (
    id               uuid        NOT NULL PRIMARY KEY,
    kind             text        NOT NULL CHECK (kind IN ('facility', 'product', 'product_group')),
    organisation_id  uuid        REFERENCES organisations (id),
    key              text        NOT NULL CHECK (length(key) BETWEEN 1 AND 40),
    name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status           text        NOT NULL CHECK (status IN ('pending', 'approved', 'suspended')),
    body             jsonb       NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (kind, key)
);

-- An organisation's records of one kind, and the province's review queue, page by id.
CREATE INDEX registry_records_owner ON registry_records (kind, organisation_id, id);
CREATE INDEX registry_records_status ON registry_records (kind, status, id);

-- Uploaded images, served as they were checked: the media type comes from the bytes.
CREATE TABLE media (
    id               uuid        NOT NULL PRIMARY KEY,
    organisation_id  uuid        NOT NULL REFERENCES organisations (id),
    media_type       text        NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes            bytea       NOT NULL,
    created_at       timestamptz NOT NULL
);
