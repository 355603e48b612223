-- usage_logs takes a row per model call, written in batches by the gateway; measured with callgrind,
-- two changes take ~20% off the instructions SQLite spends per row:
-- * No index on created_at alone (003 had one): ids are UUIDv7, so the primary key already orders
--   rows by time (a time range over all users is a range of ids), and a user's rows by time are
--   idx_usage_logs_user_id's. No query of Chorus read through it.
-- * WITHOUT ROWID: rows live in the primary key's B-tree, instead of a rowid B-tree plus a second
--   B-tree for the TEXT primary key. Rows are small (~130 bytes) and arrive in key order.
CREATE TABLE usage_logs_lean (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id TEXT REFERENCES conversations (id) ON DELETE CASCADE,
  provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 50),
  model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 100),
  input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cost REAL CHECK (cost IS NULL OR cost >= 0),
  latency_ms INTEGER CHECK (latency_ms IS NULL OR latency_ms >= 0),
  status INTEGER CHECK (status IS NULL OR status BETWEEN 100 AND 599),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT, WITHOUT ROWID;
INSERT INTO usage_logs_lean (id, user_id, conversation_id, provider, model, input_tokens, output_tokens, cost,
                             latency_ms, status, created_at)
  SELECT id, user_id, conversation_id, provider, model, input_tokens, output_tokens, cost, latency_ms, status,
         created_at
  FROM usage_logs;
DROP TABLE usage_logs;
ALTER TABLE usage_logs_lean RENAME TO usage_logs;
CREATE INDEX idx_usage_logs_user_id ON usage_logs (user_id, created_at DESC, id DESC);
CREATE INDEX idx_usage_logs_conversation_id ON usage_logs (conversation_id) WHERE conversation_id IS NOT NULL;
