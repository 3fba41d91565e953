-- Organisations get an address: a street line in a current commune, kept as the same JSON
-- document a facility's address is (written and read only through `nguon_domain::Address`),
-- with its commune code beside it for the list's commune filter. `search_name` is the name
-- folded for search (lower case, no diacritics), written by the program, which fills it for
-- rows older than this column when it opens the database.

ALTER TABLE organisations ADD COLUMN address TEXT CHECK (address IS NULL OR json_valid(address));
ALTER TABLE organisations ADD COLUMN commune TEXT CHECK (commune IS NULL OR (length(commune) = 5 AND commune NOT GLOB '*[^0-9]*'));
ALTER TABLE organisations ADD COLUMN search_name TEXT NOT NULL DEFAULT '';

CREATE INDEX organisations_commune_id ON organisations (commune, id);
CREATE INDEX organisations_kind_id ON organisations (kind, id);
