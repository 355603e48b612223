-- Pipelines (seed 000) and the component registry they are built from (seed 002). Component tables
-- use seed 002's serial ids; channels and dependencies reference components by component_id.

CREATE TABLE pipelines (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name VARCHAR(255) NOT NULL CHECK (char_length(name) >= 1),
  description TEXT,
  config JSONB NOT NULL DEFAULT '{}',
  status VARCHAR(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'archived')),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_pipelines_user_id_created_at ON pipelines (user_id, created_at DESC, id DESC);
CREATE TRIGGER pipelines_updated_at BEFORE UPDATE ON pipelines FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE pipeline_executions (
  id UUID PRIMARY KEY,
  pipeline_id UUID NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  input_data JSONB,
  output_data JSONB,
  error_message TEXT,
  execution_time INTEGER CHECK (execution_time >= 0),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  completed_at TIMESTAMPTZ(3)
);
CREATE INDEX idx_pipeline_executions_pipeline_id ON pipeline_executions (pipeline_id, created_at DESC);
CREATE INDEX idx_pipeline_executions_user_id_created_at ON pipeline_executions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_pipeline_executions_status_created_at ON pipeline_executions (status, created_at);
CREATE TRIGGER pipeline_executions_updated_at BEFORE UPDATE ON pipeline_executions FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE component_registry (
  id BIGSERIAL PRIMARY KEY,
  component_id VARCHAR(100) NOT NULL UNIQUE CHECK (char_length(component_id) >= 1),
  name VARCHAR(255) NOT NULL CHECK (char_length(name) >= 1),
  version VARCHAR(32) NOT NULL DEFAULT '1.0.0',
  description TEXT,
  category VARCHAR(100),
  tags TEXT[] NOT NULL DEFAULT '{}',
  credit_cost INTEGER NOT NULL DEFAULT 0 CHECK (credit_cost >= 0),
  estimated_processing_time INTEGER CHECK (estimated_processing_time >= 0),
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_component_registry_category ON component_registry (category);
CREATE INDEX idx_component_registry_is_active ON component_registry (is_active);
CREATE TRIGGER component_registry_updated_at BEFORE UPDATE ON component_registry FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE component_input_channels (
  id BIGSERIAL PRIMARY KEY,
  component_id VARCHAR(100) NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  channel_id VARCHAR(100) NOT NULL CHECK (char_length(channel_id) >= 1),
  channel_name VARCHAR(255) NOT NULL CHECK (char_length(channel_name) >= 1),
  type VARCHAR(50) NOT NULL CHECK (char_length(type) >= 1),
  position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
  validation_rules JSONB NOT NULL DEFAULT '{}',
  default_value JSONB,
  is_required BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  UNIQUE (component_id, channel_id)
);
CREATE INDEX idx_component_input_channels_position ON component_input_channels (component_id, position);

CREATE TABLE component_output_channels (
  id BIGSERIAL PRIMARY KEY,
  component_id VARCHAR(100) NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  channel_id VARCHAR(100) NOT NULL CHECK (char_length(channel_id) >= 1),
  channel_name VARCHAR(255) NOT NULL CHECK (char_length(channel_name) >= 1),
  type VARCHAR(50) NOT NULL CHECK (char_length(type) >= 1),
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  UNIQUE (component_id, channel_id)
);

CREATE TABLE component_usage (
  id BIGSERIAL PRIMARY KEY,
  component_id VARCHAR(100) NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  execution_id VARCHAR(100),
  input_data JSONB,
  output_data JSONB,
  success BOOLEAN NOT NULL,
  execution_time INTEGER CHECK (execution_time >= 0),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_component_usage_component_created ON component_usage (component_id, created_at);
CREATE INDEX idx_component_usage_user_id_created_at ON component_usage (user_id, created_at DESC, id DESC);
CREATE INDEX idx_component_usage_execution_id ON component_usage (execution_id);

CREATE TABLE component_dependencies (
  id BIGSERIAL PRIMARY KEY,
  component_id VARCHAR(100) NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  depends_on_component_id VARCHAR(100) NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  dependency_type VARCHAR(50) NOT NULL DEFAULT 'requires' CHECK (char_length(dependency_type) >= 1),
  description TEXT,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  UNIQUE (component_id, depends_on_component_id),
  CHECK (component_id <> depends_on_component_id)
);
CREATE INDEX idx_component_dependencies_depends_on ON component_dependencies (depends_on_component_id);
