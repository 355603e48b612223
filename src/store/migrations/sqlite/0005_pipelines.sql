-- Pipelines (seed 000) and the component registry they are built from (seed 002). Component tables
-- use seed 002's serial ids; channels and dependencies reference components by component_id.

CREATE TABLE pipelines (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  description TEXT,
  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'archived')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_pipelines_user_id_created_at ON pipelines (user_id, created_at DESC, id DESC);
CREATE TRIGGER pipelines_updated_at AFTER UPDATE ON pipelines FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE pipelines SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE pipeline_executions (
  id TEXT PRIMARY KEY,
  pipeline_id TEXT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  input_data TEXT CHECK (input_data IS NULL OR json_valid(input_data)),
  output_data TEXT CHECK (output_data IS NULL OR json_valid(output_data)),
  error_message TEXT,
  execution_time INTEGER CHECK (execution_time IS NULL OR execution_time >= 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  completed_at TEXT
) STRICT;
CREATE INDEX idx_pipeline_executions_pipeline_id ON pipeline_executions (pipeline_id, created_at DESC);
CREATE INDEX idx_pipeline_executions_user_id_created_at ON pipeline_executions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_pipeline_executions_status_created_at ON pipeline_executions (status, created_at);
CREATE TRIGGER pipeline_executions_updated_at AFTER UPDATE ON pipeline_executions FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE pipeline_executions SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE component_registry (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL UNIQUE CHECK (length(component_id) BETWEEN 1 AND 100),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  version TEXT NOT NULL DEFAULT '1.0.0' CHECK (length(version) <= 32),
  description TEXT,
  category TEXT CHECK (category IS NULL OR length(category) <= 100),
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  credit_cost INTEGER NOT NULL DEFAULT 0 CHECK (credit_cost >= 0),
  estimated_processing_time INTEGER CHECK (estimated_processing_time IS NULL OR estimated_processing_time >= 0),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_component_registry_category ON component_registry (category);
CREATE INDEX idx_component_registry_is_active ON component_registry (is_active);
CREATE TRIGGER component_registry_updated_at AFTER UPDATE ON component_registry FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE component_registry SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE component_input_channels (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  channel_id TEXT NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 100),
  channel_name TEXT NOT NULL CHECK (length(channel_name) BETWEEN 1 AND 255),
  type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 50),
  position INTEGER NOT NULL DEFAULT 0 CHECK (position >= 0),
  validation_rules TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(validation_rules)),
  default_value TEXT CHECK (default_value IS NULL OR json_valid(default_value)),
  is_required INTEGER NOT NULL DEFAULT 0 CHECK (is_required IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (component_id, channel_id)
) STRICT;
CREATE INDEX idx_component_input_channels_position ON component_input_channels (component_id, position);

CREATE TABLE component_output_channels (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  channel_id TEXT NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 100),
  channel_name TEXT NOT NULL CHECK (length(channel_name) BETWEEN 1 AND 255),
  type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 50),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (component_id, channel_id)
) STRICT;

CREATE TABLE component_usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  execution_id TEXT CHECK (execution_id IS NULL OR length(execution_id) <= 100),
  input_data TEXT CHECK (input_data IS NULL OR json_valid(input_data)),
  output_data TEXT CHECK (output_data IS NULL OR json_valid(output_data)),
  success INTEGER NOT NULL CHECK (success IN (0, 1)),
  execution_time INTEGER CHECK (execution_time IS NULL OR execution_time >= 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_component_usage_component_created ON component_usage (component_id, created_at);
CREATE INDEX idx_component_usage_user_id_created_at ON component_usage (user_id, created_at DESC, id DESC);
CREATE INDEX idx_component_usage_execution_id ON component_usage (execution_id);

CREATE TABLE component_dependencies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  depends_on_component_id TEXT NOT NULL REFERENCES component_registry (component_id) ON DELETE CASCADE ON UPDATE CASCADE,
  dependency_type TEXT NOT NULL DEFAULT 'requires' CHECK (length(dependency_type) BETWEEN 1 AND 50),
  description TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (component_id, depends_on_component_id),
  CHECK (component_id <> depends_on_component_id)
) STRICT;
CREATE INDEX idx_component_dependencies_depends_on ON component_dependencies (depends_on_component_id);
