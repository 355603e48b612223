-- The installation itself: one row naming this Chorus deployment, made by the first migration.
CREATE TABLE instance (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  installation_id TEXT NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

INSERT INTO instance (id, installation_id) VALUES (1, md5(random()::text || clock_timestamp()::text));
