-- A usage row is spend already incurred: deleting a conversation sets its rows' conversation_id to
-- NULL instead of deleting them (003 cascaded), so a user's usage by day and model, and what it
-- cost, stay as they were. (Deleting the user still takes their rows.) SQLite cannot change a
-- foreign key in place: the table is rebuilt, as in 0013.
CREATE TABLE usage_logs_kept (
  id TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
  provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 50),
  model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 100),
  input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cost REAL CHECK (cost IS NULL OR cost >= 0),
  latency_ms INTEGER CHECK (latency_ms IS NULL OR latency_ms >= 0),
  status INTEGER CHECK (status IS NULL OR status BETWEEN 100 AND 599),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (user_id, created_at, id)
) STRICT, WITHOUT ROWID;
INSERT INTO usage_logs_kept (id, user_id, conversation_id, provider, model, input_tokens, output_tokens, cost,
                             latency_ms, status, created_at)
  SELECT id, user_id, conversation_id, provider, model, input_tokens, output_tokens, cost, latency_ms, status,
         created_at
  FROM usage_logs;
DROP TABLE usage_logs;
ALTER TABLE usage_logs_kept RENAME TO usage_logs;
CREATE INDEX idx_usage_logs_conversation_id ON usage_logs (conversation_id) WHERE conversation_id IS NOT NULL;
