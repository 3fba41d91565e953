-- Partner systems ("federation in"): vendor platforms that capture for several organisations
-- (solution providers: iCheck, TE-FOOD, an ERP vendor) and parties that read what is shared
-- with them (data recipients: an export buyer, an importer, a partner province). The province
-- registers them; each organisation grants them, one permission at a time, the right to capture
-- on its behalf or to read its events, and may revoke it.

CREATE TABLE partners (
    id          uuid        NOT NULL PRIMARY KEY,
    name        text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    kind        text        NOT NULL CHECK (kind IN ('solution_provider', 'data_recipient')),
    contact     text        NOT NULL CHECK (length(contact) BETWEEN 1 AND 200),
    status      text        NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- One row per permission given; a revoked grant keeps its row (what was shared, and until when),
-- and granting again adds a new one, so at most one live row per organisation, partner and
-- permission.
CREATE TABLE partner_grants (
    id               uuid        NOT NULL PRIMARY KEY,
    organisation_id  uuid        NOT NULL REFERENCES organisations (id),
    partner_id       uuid        NOT NULL REFERENCES partners (id),
    permission       text        NOT NULL CHECK (permission IN ('capture', 'read')),
    granted_at       timestamptz NOT NULL,
    revoked_at       timestamptz
);

CREATE UNIQUE INDEX partner_grants_live
    ON partner_grants (organisation_id, partner_id, permission) WHERE revoked_at IS NULL;
-- A partner's request asks which organisations let it read (or capture): its live grants.
CREATE INDEX partner_grants_partner
    ON partner_grants (partner_id, permission, organisation_id) WHERE revoked_at IS NULL;
CREATE INDEX partner_grants_organisation_history ON partner_grants (organisation_id, id);
CREATE INDEX partner_grants_partner_history ON partner_grants (partner_id, id);

-- API keys gain a third scope, a partner's. The constraints replaced are the ones PostgreSQL
-- named when 20260103000000_epcis_api.sql created the table.
ALTER TABLE api_keys ADD COLUMN partner_id uuid REFERENCES partners (id);
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check
    CHECK (scope IN ('organisation', 'province', 'partner'));
ALTER TABLE api_keys ADD CONSTRAINT api_keys_owner_check
    CHECK ((scope = 'organisation') = (owner_id IS NOT NULL));
ALTER TABLE api_keys ADD CONSTRAINT api_keys_partner_check
    CHECK ((scope = 'partner') = (partner_id IS NOT NULL));
CREATE INDEX api_keys_partner ON api_keys (partner_id, id) WHERE partner_id IS NOT NULL;

-- The partner that sent a capture job on its owner's behalf, if one did: the job's record says
-- who captured, and the partner lists its own jobs.
ALTER TABLE capture_jobs ADD COLUMN partner_id uuid REFERENCES partners (id);
CREATE INDEX capture_jobs_partner ON capture_jobs (partner_id, id) WHERE partner_id IS NOT NULL;
