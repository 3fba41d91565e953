-- The event log in capture order, for backups and integrity checks that read it page by page.
-- `sequence` comes from one database-wide sequence, so it is unique on its own; SQLite's
-- `events.sequence` is already the table's primary key.
CREATE UNIQUE INDEX events_in_capture_order ON events (sequence);
