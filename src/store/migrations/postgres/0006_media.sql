-- Media generation paid with credits (seed 002): recipes and tags, generations, credit
-- transactions, backlog videos, recipe samples, the three asset libraries, and the providers and
-- services that do the work. Seed 002's serial ids; its camelCase fields in snake_case.

CREATE TABLE tags (
  id BIGSERIAL PRIMARY KEY,
  name VARCHAR(100) NOT NULL UNIQUE CHECK (char_length(name) >= 1),
  description TEXT,
  color VARCHAR(32),
  is_active BOOLEAN NOT NULL DEFAULT true,
  is_hidden BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_tags_is_hidden ON tags (is_hidden);
CREATE TRIGGER tags_updated_at BEFORE UPDATE ON tags FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE recipes (
  id BIGSERIAL PRIMARY KEY,
  name VARCHAR(255) NOT NULL CHECK (char_length(name) >= 1),
  slug VARCHAR(255) NOT NULL UNIQUE CHECK (char_length(slug) >= 1),
  description TEXT,
  workflow_type VARCHAR(16) NOT NULL CHECK (workflow_type IN ('image', 'video', 'hybrid')),
  generation_type VARCHAR(16) NOT NULL CHECK (generation_type IN ('image', 'video')),
  category VARCHAR(100),
  credit_cost INTEGER NOT NULL DEFAULT 1 CHECK (credit_cost >= 0),
  usage_count INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  -- Ids of tags (seed 002: an integer array referencing tags.id).
  tag_highlights BIGINT[] NOT NULL DEFAULT '{}',
  prompt_template TEXT,
  config JSONB NOT NULL DEFAULT '{}',
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_recipes_category ON recipes (category);
CREATE INDEX idx_recipes_is_active ON recipes (is_active, usage_count DESC);
CREATE TRIGGER recipes_updated_at BEFORE UPDATE ON recipes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE recipe_usage (
  recipe_id BIGINT PRIMARY KEY REFERENCES recipes (id) ON DELETE CASCADE,
  usage_count BIGINT NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  last_used_at TIMESTAMPTZ(3)
);

-- Upstream providers (kind: an OpenAI-compatible API or Anthropic's) and the services — model names
-- users call — that route to them with a price per million tokens.
CREATE TABLE providers (
  id BIGSERIAL PRIMARY KEY,
  name VARCHAR(100) NOT NULL UNIQUE CHECK (char_length(name) >= 1),
  kind VARCHAR(16) NOT NULL CHECK (kind IN ('openai', 'anthropic')),
  base_url TEXT NOT NULL CHECK (base_url ~ '^https?://'),
  credentials_ciphertext BYTEA,
  key_id VARCHAR(64),
  config JSONB NOT NULL DEFAULT '{}',
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CHECK ((credentials_ciphertext IS NULL) = (key_id IS NULL))
);
CREATE TRIGGER providers_updated_at BEFORE UPDATE ON providers FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE services (
  id BIGSERIAL PRIMARY KEY,
  provider_id BIGINT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
  name VARCHAR(100) NOT NULL CHECK (char_length(name) >= 1),
  upstream_model VARCHAR(200) NOT NULL CHECK (char_length(upstream_model) >= 1),
  service_type VARCHAR(16) NOT NULL DEFAULT 'llm' CHECK (service_type IN ('llm', 'asr', 'tts', 'image', 'video')),
  input_price_per_million NUMERIC(14, 6) NOT NULL DEFAULT 0 CHECK (input_price_per_million >= 0),
  output_price_per_million NUMERIC(14, 6) NOT NULL DEFAULT 0 CHECK (output_price_per_million >= 0),
  weight INTEGER NOT NULL DEFAULT 1 CHECK (weight > 0),
  config JSONB NOT NULL DEFAULT '{}',
  is_active BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  UNIQUE (provider_id, name)
);
CREATE INDEX idx_services_name ON services (name) WHERE is_active;
CREATE TRIGGER services_updated_at BEFORE UPDATE ON services FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE generations (
  id BIGSERIAL PRIMARY KEY,
  -- YouTube-style: 11 URL-safe characters (64 random bits).
  short_id VARCHAR(11) NOT NULL UNIQUE CHECK (short_id ~ '^[A-Za-z0-9_-]{11}$'),
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  recipe_id BIGINT REFERENCES recipes (id) ON DELETE SET NULL,
  media_type VARCHAR(16) NOT NULL CHECK (media_type IN ('image', 'video')),
  status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  prompt TEXT,
  recipe_variables JSONB NOT NULL DEFAULT '{}',
  credit_cost INTEGER NOT NULL DEFAULT 0 CHECK (credit_cost >= 0),
  result_url TEXT CHECK (result_url ~ '^https?://'),
  thumbnail_url TEXT CHECK (thumbnail_url ~ '^https?://'),
  service_id BIGINT REFERENCES services (id) ON DELETE SET NULL,
  error_message TEXT,
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  processing_started_at TIMESTAMPTZ(3),
  completed_at TIMESTAMPTZ(3),
  refunded_at TIMESTAMPTZ(3),
  -- Only a failed generation is refunded.
  CHECK (refunded_at IS NULL OR status = 'failed')
);
CREATE INDEX idx_generations_user_id_created_at ON generations (user_id, created_at DESC, id DESC);
CREATE INDEX idx_generations_status_created_at ON generations (status, created_at);
CREATE INDEX idx_generations_recipe_id ON generations (recipe_id);
CREATE TRIGGER generations_updated_at BEFORE UPDATE ON generations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The credit ledger: every change of users.credits, signed (spend < 0, refund and grants > 0).
CREATE TABLE credit_transactions (
  id BIGSERIAL PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  amount INTEGER NOT NULL CHECK (amount <> 0),
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  type VARCHAR(16) NOT NULL CHECK (type IN ('spend', 'refund', 'grant', 'purchase', 'daily_refresh', 'adjustment')),
  generation_id BIGINT REFERENCES generations (id) ON DELETE SET NULL,
  description TEXT,
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CHECK ((type = 'spend') = (amount < 0) OR type = 'adjustment')
);
CREATE INDEX idx_credit_transactions_user_id_created_at ON credit_transactions (user_id, created_at DESC, id DESC);
-- A generation is charged once and refunded at most once.
CREATE UNIQUE INDEX idx_credit_transactions_generation_type ON credit_transactions (generation_id, type)
  WHERE generation_id IS NOT NULL AND type IN ('spend', 'refund');

CREATE TABLE backlog_videos (
  id BIGSERIAL PRIMARY KEY,
  recipe_id BIGINT NOT NULL REFERENCES recipes (id) ON DELETE CASCADE,
  generation_id BIGINT REFERENCES generations (id) ON DELETE SET NULL,
  video_url TEXT NOT NULL CHECK (video_url ~ '^https?://'),
  thumbnail_url TEXT,
  prompt TEXT,
  recipe_variables JSONB NOT NULL DEFAULT '{}',
  status VARCHAR(16) NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'claimed', 'expired')),
  claimed_by UUID REFERENCES users (id) ON DELETE SET NULL,
  claimed_at TIMESTAMPTZ(3),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_backlog_videos_available ON backlog_videos (recipe_id, created_at) WHERE status = 'available';
CREATE TRIGGER backlog_videos_updated_at BEFORE UPDATE ON backlog_videos FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE recipe_samples (
  id BIGSERIAL PRIMARY KEY,
  recipe_id BIGINT NOT NULL REFERENCES recipes (id) ON DELETE CASCADE,
  generation_id BIGINT REFERENCES generations (id) ON DELETE SET NULL,
  media_type VARCHAR(16) NOT NULL CHECK (media_type IN ('image', 'video')),
  url TEXT NOT NULL CHECK (url ~ '^https?://'),
  thumbnail_url TEXT,
  is_featured BOOLEAN NOT NULL DEFAULT false,
  position INTEGER NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_recipe_samples_recipe_id ON recipe_samples (recipe_id, position);

CREATE TABLE user_assets (
  id BIGSERIAL PRIMARY KEY,
  asset_id VARCHAR(64) NOT NULL UNIQUE CHECK (char_length(asset_id) >= 1),
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  original_filename VARCHAR(255),
  display_name VARCHAR(255),
  -- lower-cased, accent-free display name for search (seed 002: "normalized name search").
  normalized_name VARCHAR(255),
  s3_key TEXT,
  cdn_url TEXT,
  mime_type VARCHAR(100),
  file_size BIGINT CHECK (file_size >= 0),
  asset_type VARCHAR(16) NOT NULL CHECK (asset_type IN ('image', 'video', 'audio', 'document', 'other')),
  source VARCHAR(16) NOT NULL DEFAULT 'upload' CHECK (source IN ('upload', 'generation', 'import', 'system', 'market')),
  dimensions JSONB,
  duration NUMERIC(10, 2) CHECK (duration >= 0),
  user_tags TEXT[] NOT NULL DEFAULT '{}',
  system_tags TEXT[] NOT NULL DEFAULT '{}',
  auto_classification JSONB,
  ai_classification JSONB,
  usage_count INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  last_used_at TIMESTAMPTZ(3),
  is_deleted BOOLEAN NOT NULL DEFAULT false,
  deleted_at TIMESTAMPTZ(3),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CHECK (is_deleted = (deleted_at IS NOT NULL))
);
CREATE INDEX idx_user_assets_user_id_created_at ON user_assets (user_id, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX idx_user_assets_normalized_name ON user_assets (user_id, normalized_name) WHERE NOT is_deleted;
CREATE INDEX idx_user_assets_asset_type ON user_assets (user_id, asset_type) WHERE NOT is_deleted;
CREATE TRIGGER user_assets_updated_at BEFORE UPDATE ON user_assets FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE system_assets (
  id BIGSERIAL PRIMARY KEY,
  system_id VARCHAR(100) NOT NULL CHECK (char_length(system_id) >= 1),
  asset_id VARCHAR(64) NOT NULL UNIQUE CHECK (char_length(asset_id) >= 1),
  name VARCHAR(255) NOT NULL CHECK (char_length(name) >= 1),
  url TEXT NOT NULL CHECK (url ~ '^https?://'),
  mime_type VARCHAR(100),
  file_size BIGINT CHECK (file_size >= 0),
  dimensions JSONB,
  tags TEXT[] NOT NULL DEFAULT '{}',
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_system_assets_system_id ON system_assets (system_id);
CREATE TRIGGER system_assets_updated_at BEFORE UPDATE ON system_assets FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE market_assets (
  id BIGSERIAL PRIMARY KEY,
  creator_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  asset_id VARCHAR(64) NOT NULL UNIQUE CHECK (char_length(asset_id) >= 1),
  name VARCHAR(255) NOT NULL CHECK (char_length(name) >= 1),
  url TEXT NOT NULL CHECK (url ~ '^https?://'),
  mime_type VARCHAR(100),
  file_size BIGINT CHECK (file_size >= 0),
  dimensions JSONB,
  tags TEXT[] NOT NULL DEFAULT '{}',
  metadata JSONB NOT NULL DEFAULT '{}',
  is_public BOOLEAN NOT NULL DEFAULT true,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_market_assets_creator_id ON market_assets (creator_id, created_at DESC, id DESC);
CREATE INDEX idx_market_assets_public ON market_assets (created_at DESC) WHERE is_public;
CREATE TRIGGER market_assets_updated_at BEFORE UPDATE ON market_assets FOR EACH ROW EXECUTE FUNCTION set_updated_at();
