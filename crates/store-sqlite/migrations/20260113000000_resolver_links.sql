-- Resolver links: where a scanned GS1 Digital Link leads. Each belongs to the organisation that
-- keeps it and names the level it applies to (`anchor`, the canonical key path such as
-- `/01/08934673000017/10/L1`), a GS1 link type (`gs1:pip`), the target and its title, media
-- type and language. A scan walks from its own level up to the primary key and reads every
-- anchor on the way, hence the index on anchor. One target per anchor and type; at most one
-- default link per anchor. Links derived from the registry (gs1:epcis, gs1:traceability) are
-- computed on each scan and never stored.

CREATE TABLE resolver_links (
    id               BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    organisation_id  BLOB    NOT NULL REFERENCES organisations (id),
    anchor           TEXT    NOT NULL CHECK (anchor LIKE '/%' AND length(anchor) <= 200),
    link_type        TEXT    NOT NULL CHECK (link_type LIKE 'gs1:%' AND length(link_type) <= 64),
    href             TEXT    NOT NULL CHECK (length(href) BETWEEN 8 AND 2000),
    title            TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    media_type       TEXT    CHECK (length(media_type) <= 100),
    hreflang         TEXT    CHECK (length(hreflang) <= 35),
    is_default       INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    UNIQUE (anchor, link_type, href)
) STRICT;

CREATE UNIQUE INDEX resolver_links_one_default ON resolver_links (anchor) WHERE is_default = 1;
CREATE INDEX resolver_links_owner ON resolver_links (organisation_id, anchor, id);
