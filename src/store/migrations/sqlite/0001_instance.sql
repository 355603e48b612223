-- The installation itself: one row naming this Chorus deployment, made by the first migration.
-- Timestamps in SQLite are TEXT in one encoding everywhere: UTC ISO-8601 with milliseconds
-- ('2026-11-26T14:07:45.123Z'), which sorts correctly as text and works with SQLite's date functions.
CREATE TABLE instance (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  installation_id TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

INSERT INTO instance (id, installation_id) VALUES (1, lower(hex(randomblob(16))));
