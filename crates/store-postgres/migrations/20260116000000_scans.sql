-- The scan log: one row per view of a product's public page. The client's address is never
-- stored, only its hash with a salt kept in the server's memory; the place is a coarse code a
-- proxy header gives (a country or region). The index serves the count of scans of one code.

CREATE TABLE scans (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scanned_at  TIMESTAMPTZ NOT NULL,
    gtin        TEXT NOT NULL CHECK (length(gtin) = 14),
    lot         TEXT CHECK (length(lot) <= 20),
    serial      TEXT CHECK (length(serial) <= 20),
    place       TEXT CHECK (length(place) <= 64),
    device      TEXT NOT NULL CHECK (device IN ('phone', 'tablet', 'desktop', 'bot', 'unknown')),
    client      TEXT CHECK (length(client) <= 64),
    verdict     TEXT CHECK (verdict IN ('genuine', 'inactive', 'unknown', 'deactivated'))
);

CREATE INDEX scans_code ON scans (gtin, lot, serial);
