-- Chat: conversations (000's llm_conversations + 003's conversations), messages (000's llm_messages
-- + 003's messages; 000's `tokens` is `token_count`), tool executions, context optimizations, file
-- uploads, usage logs and auto-approval settings (003).

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title TEXT CHECK (title IS NULL OR length(title) <= 500),
  provider TEXT CHECK (provider IS NULL OR length(provider) <= 50),
  model TEXT NOT NULL CHECK (length(model) BETWEEN 1 AND 100),
  system_prompt TEXT,
  context_window_size INTEGER NOT NULL DEFAULT 8192 CHECK (context_window_size > 0),
  auto_approval_settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(auto_approval_settings)),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
-- Seed 003's idx_conversations_user_id, widened to serve keyset pagination of a user's history.
CREATE INDEX idx_conversations_user_id ON conversations (user_id, created_at DESC, id DESC);
CREATE INDEX idx_conversations_created_at ON conversations (created_at);
CREATE TRIGGER conversations_updated_at AFTER UPDATE ON conversations FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE conversations SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

-- One row per message, never one blob per chat. `seq` keeps FTS5 rowids stable (see 0003).
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
  content TEXT NOT NULL,
  images TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(images) AND json_type(images) = 'array'),
  files TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(files) AND json_type(files) = 'array'),
  token_count INTEGER CHECK (token_count IS NULL OR token_count >= 0),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  provider_metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(provider_metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_messages_conversation_id ON messages (conversation_id);
CREATE INDEX idx_messages_created_at ON messages (created_at);
CREATE INDEX idx_messages_conversation_created ON messages (conversation_id, created_at, id);

CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, content = 'messages', content_rowid = 'seq', tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (NEW.seq, NEW.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', OLD.seq, OLD.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', OLD.seq, OLD.content);
  INSERT INTO messages_fts (rowid, content) VALUES (NEW.seq, NEW.content);
END;

CREATE TABLE tool_executions (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  tool_call_id TEXT CHECK (tool_call_id IS NULL OR length(tool_call_id) <= 100),
  tool_name TEXT NOT NULL CHECK (length(tool_name) BETWEEN 1 AND 100),
  parameters TEXT NOT NULL CHECK (json_valid(parameters)),
  result TEXT CHECK (result IS NULL OR json_valid(result)),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'executing', 'completed', 'failed', 'cancelled')),
  approval_requested_at TEXT,
  approved_at TEXT,
  executed_at TEXT,
  completed_at TEXT,
  execution_time_ms INTEGER CHECK (execution_time_ms IS NULL OR execution_time_ms >= 0),
  cost REAL CHECK (cost IS NULL OR cost >= 0),
  error_message TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_tool_executions_conversation_id ON tool_executions (conversation_id);
CREATE INDEX idx_tool_executions_message_id ON tool_executions (message_id);
CREATE INDEX idx_tool_executions_status ON tool_executions (status);
CREATE INDEX idx_tool_executions_tool_name ON tool_executions (tool_name);
CREATE INDEX idx_tool_executions_status_created ON tool_executions (status, created_at);

CREATE TABLE context_optimizations (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  trigger_reason TEXT NOT NULL CHECK (trigger_reason IN ('token_limit', 'user_request', 'auto')),
  optimization_type TEXT NOT NULL CHECK (optimization_type IN ('truncation', 'summarization', 'compression')),
  tokens_before INTEGER NOT NULL CHECK (tokens_before >= 0),
  tokens_after INTEGER NOT NULL CHECK (tokens_after >= 0),
  summary TEXT,
  affected_messages TEXT CHECK (affected_messages IS NULL OR (json_valid(affected_messages) AND json_type(affected_messages) = 'array')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_context_optimizations_conversation_id ON context_optimizations (conversation_id, created_at);

CREATE TABLE file_uploads (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id TEXT REFERENCES conversations (id) ON DELETE CASCADE,
  filename TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
  original_name TEXT NOT NULL CHECK (length(original_name) BETWEEN 1 AND 255),
  mime_type TEXT CHECK (mime_type IS NULL OR length(mime_type) <= 100),
  file_size INTEGER NOT NULL CHECK (file_size >= 0),
  storage_path TEXT NOT NULL CHECK (length(storage_path) BETWEEN 1 AND 500),
  content_hash TEXT CHECK (content_hash IS NULL OR length(content_hash) = 64),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_file_uploads_user_id_created_at ON file_uploads (user_id, created_at DESC, id DESC);
CREATE INDEX idx_file_uploads_conversation_id ON file_uploads (conversation_id);
CREATE INDEX idx_file_uploads_content_hash ON file_uploads (content_hash);

-- One compact row per upstream call; no request or response bodies.
CREATE TABLE usage_logs (
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
) STRICT;
CREATE INDEX idx_usage_logs_user_id ON usage_logs (user_id, created_at DESC, id DESC);
CREATE INDEX idx_usage_logs_created_at ON usage_logs (created_at);
CREATE INDEX idx_usage_logs_conversation_id ON usage_logs (conversation_id);

CREATE TABLE auto_approval_settings (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  read_only_operations INTEGER NOT NULL DEFAULT 0 CHECK (read_only_operations IN (0, 1)),
  low_risk_operations INTEGER NOT NULL DEFAULT 0 CHECK (low_risk_operations IN (0, 1)),
  specific_tools TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(specific_tools) AND json_type(specific_tools) = 'object'),
  max_cost_per_tool REAL NOT NULL DEFAULT 1.00 CHECK (max_cost_per_tool >= 0),
  max_cost_per_hour REAL NOT NULL DEFAULT 10.00 CHECK (max_cost_per_hour >= 0),
  require_approval_for_new_tools INTEGER NOT NULL DEFAULT 1 CHECK (require_approval_for_new_tools IN (0, 1)),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE TRIGGER auto_approval_settings_updated_at AFTER UPDATE ON auto_approval_settings FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE auto_approval_settings SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
