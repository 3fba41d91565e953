-- Partner systems ("federation in"): vendor platforms that capture for several organisations
-- (solution providers: iCheck, TE-FOOD, an ERP vendor) and parties that read what is shared
-- with them (data recipients: an export buyer, an importer, a partner province). The province
-- registers them; each organisation grants them, one permission at a time, the right to capture
-- on its behalf or to read its events, and may revoke it.

CREATE TABLE partners (
    id          BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    kind        TEXT NOT NULL CHECK (kind IN ('solution_provider', 'data_recipient')),
    contact     TEXT NOT NULL CHECK (length(contact) BETWEEN 1 AND 200),
    status      TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

-- One row per permission given; a revoked grant keeps its row (what was shared, and until when),
-- and granting again adds a new one, so at most one live row per organisation, partner and
-- permission.
CREATE TABLE partner_grants (
    id               BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    organisation_id  BLOB NOT NULL REFERENCES organisations (id),
    partner_id       BLOB NOT NULL REFERENCES partners (id),
    permission       TEXT NOT NULL CHECK (permission IN ('capture', 'read')),
    granted_at       TEXT NOT NULL,
    revoked_at       TEXT
) STRICT;

CREATE UNIQUE INDEX partner_grants_live
    ON partner_grants (organisation_id, partner_id, permission) WHERE revoked_at IS NULL;
-- A partner's request asks which organisations let it read (or capture): its live grants.
CREATE INDEX partner_grants_partner
    ON partner_grants (partner_id, permission, organisation_id) WHERE revoked_at IS NULL;
CREATE INDEX partner_grants_organisation_history ON partner_grants (organisation_id, id);
CREATE INDEX partner_grants_partner_history ON partner_grants (partner_id, id);

-- API keys gain a third scope, a partner's. SQLite cannot change a table's CHECK constraints, so
-- the table is rebuilt with the same rows; nothing refers to it by foreign key.
CREATE TABLE api_keys_with_partners (
    id          BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    owner_id    BLOB REFERENCES organisations (id),
    partner_id  BLOB REFERENCES partners (id),
    scope       TEXT NOT NULL CHECK (scope IN ('organisation', 'province', 'partner')),
    label       TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    CHECK ((scope = 'organisation') = (owner_id IS NOT NULL)),
    CHECK ((scope = 'partner') = (partner_id IS NOT NULL))
) STRICT;

INSERT INTO api_keys_with_partners (id, owner_id, scope, label, token_hash, created_at, revoked_at)
    SELECT id, owner_id, scope, label, token_hash, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_with_partners RENAME TO api_keys;

CREATE INDEX api_keys_owner ON api_keys (owner_id, id);
CREATE INDEX api_keys_partner ON api_keys (partner_id, id) WHERE partner_id IS NOT NULL;

-- The partner that sent a capture job on its owner's behalf, if one did: the job's record says
-- who captured, and the partner lists its own jobs.
ALTER TABLE capture_jobs ADD COLUMN partner_id BLOB REFERENCES partners (id);
CREATE INDEX capture_jobs_partner ON capture_jobs (partner_id, id) WHERE partner_id IS NOT NULL;
