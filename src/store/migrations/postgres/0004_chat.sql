-- Chat: conversations (000's llm_conversations + 003's conversations), messages (000's llm_messages
-- + 003's messages; 000's `tokens` is `token_count`), tool executions, context optimizations, file
-- uploads, usage logs and auto-approval settings (003).

CREATE TABLE conversations (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title VARCHAR(500),
  provider VARCHAR(50),
  model VARCHAR(100) NOT NULL CHECK (char_length(model) >= 1),
  system_prompt TEXT,
  context_window_size INTEGER NOT NULL DEFAULT 8192 CHECK (context_window_size > 0),
  auto_approval_settings JSONB NOT NULL DEFAULT '{}',
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
-- Seed 003's idx_conversations_user_id, widened to serve keyset pagination of a user's history.
CREATE INDEX idx_conversations_user_id ON conversations (user_id, created_at DESC, id DESC);
CREATE INDEX idx_conversations_created_at ON conversations (created_at);
CREATE TRIGGER conversations_updated_at BEFORE UPDATE ON conversations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per message, never one blob per chat.
CREATE TABLE messages (
  id UUID PRIMARY KEY,
  conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role VARCHAR(20) NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
  content TEXT NOT NULL,
  images JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(images) = 'array'),
  files JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(files) = 'array'),
  token_count INTEGER CHECK (token_count >= 0),
  metadata JSONB NOT NULL DEFAULT '{}',
  provider_metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  search_vector TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', content)) STORED
);
CREATE INDEX idx_messages_conversation_id ON messages (conversation_id);
CREATE INDEX idx_messages_created_at ON messages (created_at);
CREATE INDEX idx_messages_conversation_created ON messages (conversation_id, created_at, id);
CREATE INDEX idx_messages_search ON messages USING gin (search_vector);

CREATE TABLE tool_executions (
  id UUID PRIMARY KEY,
  message_id UUID NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  tool_call_id VARCHAR(100),
  tool_name VARCHAR(100) NOT NULL CHECK (char_length(tool_name) >= 1),
  parameters JSONB NOT NULL,
  result JSONB,
  status VARCHAR(20) NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'executing', 'completed', 'failed', 'cancelled')),
  approval_requested_at TIMESTAMPTZ(3),
  approved_at TIMESTAMPTZ(3),
  executed_at TIMESTAMPTZ(3),
  completed_at TIMESTAMPTZ(3),
  execution_time_ms INTEGER CHECK (execution_time_ms >= 0),
  cost NUMERIC(10, 4) CHECK (cost >= 0),
  error_message TEXT,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_tool_executions_conversation_id ON tool_executions (conversation_id);
CREATE INDEX idx_tool_executions_message_id ON tool_executions (message_id);
CREATE INDEX idx_tool_executions_status ON tool_executions (status);
CREATE INDEX idx_tool_executions_tool_name ON tool_executions (tool_name);
CREATE INDEX idx_tool_executions_status_created ON tool_executions (status, created_at);

CREATE TABLE context_optimizations (
  id UUID PRIMARY KEY,
  conversation_id UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  trigger_reason VARCHAR(50) NOT NULL CHECK (trigger_reason IN ('token_limit', 'user_request', 'auto')),
  optimization_type VARCHAR(50) NOT NULL CHECK (optimization_type IN ('truncation', 'summarization', 'compression')),
  tokens_before INTEGER NOT NULL CHECK (tokens_before >= 0),
  tokens_after INTEGER NOT NULL CHECK (tokens_after >= 0),
  summary TEXT,
  affected_messages JSONB CHECK (jsonb_typeof(affected_messages) = 'array'),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_context_optimizations_conversation_id ON context_optimizations (conversation_id, created_at);

CREATE TABLE file_uploads (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id UUID REFERENCES conversations (id) ON DELETE CASCADE,
  filename VARCHAR(255) NOT NULL CHECK (char_length(filename) >= 1),
  original_name VARCHAR(255) NOT NULL CHECK (char_length(original_name) >= 1),
  mime_type VARCHAR(100),
  file_size BIGINT NOT NULL CHECK (file_size >= 0),
  storage_path VARCHAR(500) NOT NULL CHECK (char_length(storage_path) >= 1),
  content_hash VARCHAR(64) CHECK (char_length(content_hash) = 64),
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_file_uploads_user_id_created_at ON file_uploads (user_id, created_at DESC, id DESC);
CREATE INDEX idx_file_uploads_conversation_id ON file_uploads (conversation_id);
CREATE INDEX idx_file_uploads_content_hash ON file_uploads (content_hash);

-- One compact row per upstream call; no request or response bodies.
CREATE TABLE usage_logs (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id UUID REFERENCES conversations (id) ON DELETE CASCADE,
  provider VARCHAR(50) NOT NULL CHECK (char_length(provider) >= 1),
  model VARCHAR(100) NOT NULL CHECK (char_length(model) >= 1),
  input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  cost NUMERIC(14, 6) CHECK (cost >= 0),
  latency_ms INTEGER CHECK (latency_ms >= 0),
  status SMALLINT CHECK (status BETWEEN 100 AND 599),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_usage_logs_user_id ON usage_logs (user_id, created_at DESC, id DESC);
CREATE INDEX idx_usage_logs_created_at ON usage_logs (created_at);
CREATE INDEX idx_usage_logs_conversation_id ON usage_logs (conversation_id);

CREATE TABLE auto_approval_settings (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  read_only_operations BOOLEAN NOT NULL DEFAULT false,
  low_risk_operations BOOLEAN NOT NULL DEFAULT false,
  specific_tools JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(specific_tools) = 'object'),
  max_cost_per_tool NUMERIC(10, 4) NOT NULL DEFAULT 1.00 CHECK (max_cost_per_tool >= 0),
  max_cost_per_hour NUMERIC(10, 4) NOT NULL DEFAULT 10.00 CHECK (max_cost_per_hour >= 0),
  require_approval_for_new_tools BOOLEAN NOT NULL DEFAULT true,
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE TRIGGER auto_approval_settings_updated_at BEFORE UPDATE ON auto_approval_settings FOR EACH ROW EXECUTE FUNCTION set_updated_at();
