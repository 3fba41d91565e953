-- Registry records other than organisations: facilities, products and the province's product
-- groups. Each keeps its typed details as one JSON document (`body`, written and read only
-- through the domain types, which check every field), beside the columns lists filter on.
-- The key (a GLN, a GTIN, a group code) is unique within its kind: one code, one record.
-- Records are never deleted, since printed codes point at them; they are suspended instead.

CREATE TABLE registry_records (
    id               BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    kind             TEXT NOT NULL CHECK (kind IN ('facility', 'product', 'product_group')),
    organisation_id  BLOB REFERENCES organisations (id),
    key              TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 40),
    name             TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'suspended')),
    body             TEXT NOT NULL CHECK (json_valid(body)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (kind, key)
) STRICT;

-- An organisation's records of one kind, and the province's review queue, page by id.
CREATE INDEX registry_records_owner ON registry_records (kind, organisation_id, id);
CREATE INDEX registry_records_status ON registry_records (kind, status, id);

-- Uploaded images, served as they were checked: the media type comes from the bytes.
CREATE TABLE media (
    id               BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    organisation_id  BLOB NOT NULL REFERENCES organisations (id),
    media_type       TEXT NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes            BLOB NOT NULL,
    created_at       TEXT NOT NULL
) STRICT;
