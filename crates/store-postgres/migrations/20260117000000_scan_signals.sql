-- Counterfeit signals from the scan log: each scan names the organisation that registered the
-- GTIN (so an organisation reads its own scans) and whether the page showed an open recall. The
-- indexes serve one serial across lots (the same serial under two lots) and a window of scans.

ALTER TABLE scans ADD COLUMN organisation_id UUID REFERENCES organisations (id);
ALTER TABLE scans ADD COLUMN recalled BOOLEAN NOT NULL DEFAULT false;

CREATE INDEX scans_serial ON scans (gtin, serial) WHERE serial IS NOT NULL;
CREATE INDEX scans_owner_time ON scans (organisation_id, scanned_at);
CREATE INDEX scans_time ON scans (scanned_at);
