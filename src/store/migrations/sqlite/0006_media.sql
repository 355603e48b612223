-- Media generation paid with credits (seed 002): recipes and tags, generations, credit
-- transactions, backlog videos, recipe samples, the three asset libraries, and the providers and
-- services that do the work. Seed 002's serial ids; its camelCase fields in snake_case.

CREATE TABLE tags (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  description TEXT,
  color TEXT CHECK (color IS NULL OR length(color) <= 32),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  is_hidden INTEGER NOT NULL DEFAULT 0 CHECK (is_hidden IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_tags_is_hidden ON tags (is_hidden);
CREATE TRIGGER tags_updated_at AFTER UPDATE ON tags FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE tags SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE recipes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  slug TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 255),
  description TEXT,
  workflow_type TEXT NOT NULL CHECK (workflow_type IN ('image', 'video', 'hybrid')),
  generation_type TEXT NOT NULL CHECK (generation_type IN ('image', 'video')),
  category TEXT CHECK (category IS NULL OR length(category) <= 100),
  credit_cost INTEGER NOT NULL DEFAULT 1 CHECK (credit_cost >= 0),
  usage_count INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  -- Ids of tags (seed 002: an integer array referencing tags.id).
  tag_highlights TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tag_highlights) AND json_type(tag_highlights) = 'array'),
  prompt_template TEXT,
  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_recipes_category ON recipes (category);
CREATE INDEX idx_recipes_is_active ON recipes (is_active, usage_count DESC);
CREATE TRIGGER recipes_updated_at AFTER UPDATE ON recipes FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE recipes SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE recipe_usage (
  recipe_id INTEGER PRIMARY KEY REFERENCES recipes (id) ON DELETE CASCADE,
  usage_count INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  last_used_at TEXT
) STRICT;

-- Upstream providers (kind: an OpenAI-compatible API or Anthropic's) and the services — model names
-- users call — that route to them with a price per million tokens.
CREATE TABLE providers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  kind TEXT NOT NULL CHECK (kind IN ('openai', 'anthropic')),
  base_url TEXT NOT NULL CHECK (base_url GLOB 'http://*' OR base_url GLOB 'https://*'),
  credentials_ciphertext BLOB,
  key_id TEXT CHECK (key_id IS NULL OR length(key_id) <= 64),
  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((credentials_ciphertext IS NULL) = (key_id IS NULL))
) STRICT;
CREATE TRIGGER providers_updated_at AFTER UPDATE ON providers FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE providers SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE services (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  upstream_model TEXT NOT NULL CHECK (length(upstream_model) BETWEEN 1 AND 200),
  service_type TEXT NOT NULL DEFAULT 'llm' CHECK (service_type IN ('llm', 'asr', 'tts', 'image', 'video')),
  input_price_per_million REAL NOT NULL DEFAULT 0 CHECK (input_price_per_million >= 0),
  output_price_per_million REAL NOT NULL DEFAULT 0 CHECK (output_price_per_million >= 0),
  weight INTEGER NOT NULL DEFAULT 1 CHECK (weight > 0),
  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (provider_id, name)
) STRICT;
CREATE INDEX idx_services_name ON services (name) WHERE is_active = 1;
CREATE TRIGGER services_updated_at AFTER UPDATE ON services FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE services SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE generations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- YouTube-style: 11 URL-safe characters (64 random bits).
  short_id TEXT NOT NULL UNIQUE CHECK (length(short_id) = 11 AND short_id NOT GLOB '*[^A-Za-z0-9_-]*'),
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  recipe_id INTEGER REFERENCES recipes (id) ON DELETE SET NULL,
  media_type TEXT NOT NULL CHECK (media_type IN ('image', 'video')),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  prompt TEXT,
  recipe_variables TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(recipe_variables)),
  credit_cost INTEGER NOT NULL DEFAULT 0 CHECK (credit_cost >= 0),
  result_url TEXT CHECK (result_url IS NULL OR result_url GLOB 'http://*' OR result_url GLOB 'https://*'),
  thumbnail_url TEXT CHECK (thumbnail_url IS NULL OR thumbnail_url GLOB 'http://*' OR thumbnail_url GLOB 'https://*'),
  service_id INTEGER REFERENCES services (id) ON DELETE SET NULL,
  error_message TEXT,
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  processing_started_at TEXT,
  completed_at TEXT,
  refunded_at TEXT,
  -- Only a failed generation is refunded.
  CHECK (refunded_at IS NULL OR status = 'failed')
) STRICT;
CREATE INDEX idx_generations_user_id_created_at ON generations (user_id, created_at DESC, id DESC);
CREATE INDEX idx_generations_status_created_at ON generations (status, created_at);
CREATE INDEX idx_generations_recipe_id ON generations (recipe_id);
CREATE TRIGGER generations_updated_at AFTER UPDATE ON generations FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE generations SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

-- The credit ledger: every change of users.credits, signed (spend < 0, refund and grants > 0).
CREATE TABLE credit_transactions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  amount INTEGER NOT NULL CHECK (amount <> 0),
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  type TEXT NOT NULL CHECK (type IN ('spend', 'refund', 'grant', 'purchase', 'daily_refresh', 'adjustment')),
  generation_id INTEGER REFERENCES generations (id) ON DELETE SET NULL,
  description TEXT,
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((type = 'spend') = (amount < 0) OR type = 'adjustment')
) STRICT;
CREATE INDEX idx_credit_transactions_user_id_created_at ON credit_transactions (user_id, created_at DESC, id DESC);
-- A generation is charged once and refunded at most once.
CREATE UNIQUE INDEX idx_credit_transactions_generation_type ON credit_transactions (generation_id, type)
  WHERE generation_id IS NOT NULL AND type IN ('spend', 'refund');

CREATE TABLE backlog_videos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recipe_id INTEGER NOT NULL REFERENCES recipes (id) ON DELETE CASCADE,
  generation_id INTEGER REFERENCES generations (id) ON DELETE SET NULL,
  video_url TEXT NOT NULL CHECK (video_url GLOB 'http://*' OR video_url GLOB 'https://*'),
  thumbnail_url TEXT,
  prompt TEXT,
  recipe_variables TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(recipe_variables)),
  status TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'claimed', 'expired')),
  claimed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  claimed_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_backlog_videos_available ON backlog_videos (recipe_id, created_at) WHERE status = 'available';
CREATE TRIGGER backlog_videos_updated_at AFTER UPDATE ON backlog_videos FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE backlog_videos SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE recipe_samples (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recipe_id INTEGER NOT NULL REFERENCES recipes (id) ON DELETE CASCADE,
  generation_id INTEGER REFERENCES generations (id) ON DELETE SET NULL,
  media_type TEXT NOT NULL CHECK (media_type IN ('image', 'video')),
  url TEXT NOT NULL CHECK (url GLOB 'http://*' OR url GLOB 'https://*'),
  thumbnail_url TEXT,
  is_featured INTEGER NOT NULL DEFAULT 0 CHECK (is_featured IN (0, 1)),
  position INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_recipe_samples_recipe_id ON recipe_samples (recipe_id, position);

CREATE TABLE user_assets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id TEXT NOT NULL UNIQUE CHECK (length(asset_id) BETWEEN 1 AND 64),
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  original_filename TEXT CHECK (original_filename IS NULL OR length(original_filename) <= 255),
  display_name TEXT CHECK (display_name IS NULL OR length(display_name) <= 255),
  -- lower-cased, accent-free display name for search (seed 002: "normalized name search").
  normalized_name TEXT CHECK (normalized_name IS NULL OR length(normalized_name) <= 255),
  s3_key TEXT,
  cdn_url TEXT,
  mime_type TEXT CHECK (mime_type IS NULL OR length(mime_type) <= 100),
  file_size INTEGER CHECK (file_size IS NULL OR file_size >= 0),
  asset_type TEXT NOT NULL CHECK (asset_type IN ('image', 'video', 'audio', 'document', 'other')),
  source TEXT NOT NULL DEFAULT 'upload' CHECK (source IN ('upload', 'generation', 'import', 'system', 'market')),
  dimensions TEXT CHECK (dimensions IS NULL OR json_valid(dimensions)),
  duration REAL CHECK (duration IS NULL OR duration >= 0),
  user_tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(user_tags) AND json_type(user_tags) = 'array'),
  system_tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(system_tags) AND json_type(system_tags) = 'array'),
  auto_classification TEXT CHECK (auto_classification IS NULL OR json_valid(auto_classification)),
  ai_classification TEXT CHECK (ai_classification IS NULL OR json_valid(ai_classification)),
  usage_count INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  last_used_at TEXT,
  is_deleted INTEGER NOT NULL DEFAULT 0 CHECK (is_deleted IN (0, 1)),
  deleted_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((is_deleted = 1) = (deleted_at IS NOT NULL))
) STRICT;
CREATE INDEX idx_user_assets_user_id_created_at ON user_assets (user_id, created_at DESC, id DESC) WHERE is_deleted = 0;
CREATE INDEX idx_user_assets_normalized_name ON user_assets (user_id, normalized_name) WHERE is_deleted = 0;
CREATE INDEX idx_user_assets_asset_type ON user_assets (user_id, asset_type) WHERE is_deleted = 0;
CREATE TRIGGER user_assets_updated_at AFTER UPDATE ON user_assets FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE user_assets SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE system_assets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  system_id TEXT NOT NULL CHECK (length(system_id) BETWEEN 1 AND 100),
  asset_id TEXT NOT NULL UNIQUE CHECK (length(asset_id) BETWEEN 1 AND 64),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  url TEXT NOT NULL CHECK (url GLOB 'http://*' OR url GLOB 'https://*'),
  mime_type TEXT CHECK (mime_type IS NULL OR length(mime_type) <= 100),
  file_size INTEGER CHECK (file_size IS NULL OR file_size >= 0),
  dimensions TEXT CHECK (dimensions IS NULL OR json_valid(dimensions)),
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_system_assets_system_id ON system_assets (system_id);
CREATE TRIGGER system_assets_updated_at AFTER UPDATE ON system_assets FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE system_assets SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE market_assets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  creator_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL UNIQUE CHECK (length(asset_id) BETWEEN 1 AND 64),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  url TEXT NOT NULL CHECK (url GLOB 'http://*' OR url GLOB 'https://*'),
  mime_type TEXT CHECK (mime_type IS NULL OR length(mime_type) <= 100),
  file_size INTEGER CHECK (file_size IS NULL OR file_size >= 0),
  dimensions TEXT CHECK (dimensions IS NULL OR json_valid(dimensions)),
  tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  is_public INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_market_assets_creator_id ON market_assets (creator_id, created_at DESC, id DESC);
CREATE INDEX idx_market_assets_public ON market_assets (created_at DESC) WHERE is_public = 1;
CREATE TRIGGER market_assets_updated_at AFTER UPDATE ON market_assets FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE market_assets SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
