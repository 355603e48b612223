-- Identity: users (seeds 000, 001, 002, 004), sessions, refresh tokens, API keys, settings, and
-- per-user provider keys (001's encrypted key columns, 003's provider_configs).
--
-- PostgreSQL conventions used in every migration:
--   * ids: UUID (UUIDv7, time-ordered, made by the application) or BIGSERIAL where seed 002 says serial.
--   * timestamps: TIMESTAMPTZ(3) — millisecond precision, the same as SQLite's text timestamps, so a
--     keyset cursor read from one row compares exactly with that row.
--   * JSONB for JSON, native arrays where seeds 002 and 004 use arrays, NUMERIC for money.
--   * updated_at: repositories set it in every UPDATE; the BEFORE UPDATE trigger set_updated_at()
--     (seed 004's trigger) stamps now() for any UPDATE that leaves it unchanged.

-- Stamps updated_at for an UPDATE that does not set it itself (repositories set it, so both dialects
-- keep the time the application chose).
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TABLE users (
  id UUID PRIMARY KEY,
  email VARCHAR(255) CHECK (email IS NULL OR (char_length(email) >= 3 AND email LIKE '%_@_%')),
  username VARCHAR(100) CHECK (username IS NULL OR char_length(username) >= 3),
  password_hash VARCHAR(255),
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  avatar TEXT,
  is_active BOOLEAN NOT NULL DEFAULT true,
  is_verified BOOLEAN NOT NULL DEFAULT false,
  account_type VARCHAR(16) NOT NULL DEFAULT 'registered' CHECK (account_type IN ('system', 'guest', 'registered')),
  access_role VARCHAR(16) NOT NULL DEFAULT 'user' CHECK (access_role IN ('user', 'test', 'admin')),
  credits INTEGER NOT NULL DEFAULT 10 CHECK (credits >= 0),
  metadata JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  last_login_at TIMESTAMPTZ(3),
  last_seen_at TIMESTAMPTZ(3),
  last_credit_refresh TIMESTAMPTZ(3),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  -- A registered account can log in: it has an email, a username and a password.
  CHECK (account_type <> 'registered' OR (email IS NOT NULL AND username IS NOT NULL AND password_hash IS NOT NULL))
);
-- Case-insensitive uniqueness: "Alice@x.com" and "alice@x.com" are one account.
CREATE UNIQUE INDEX idx_users_email ON users (lower(email));
CREATE UNIQUE INDEX idx_users_username ON users (lower(username));
CREATE INDEX idx_users_created_at ON users (created_at DESC, id DESC);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE sessions (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash VARCHAR(64) NOT NULL UNIQUE CHECK (char_length(token_hash) = 64),
  ip_address VARCHAR(45),
  user_agent TEXT,
  expires_at TIMESTAMPTZ(3) NOT NULL,
  revoked_at TIMESTAMPTZ(3),
  last_used_at TIMESTAMPTZ(3),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_sessions_user_id ON sessions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);

CREATE TABLE refresh_tokens (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id UUID REFERENCES sessions (id) ON DELETE CASCADE,
  family_id UUID NOT NULL,
  token_hash VARCHAR(64) NOT NULL UNIQUE CHECK (char_length(token_hash) = 64),
  expires_at TIMESTAMPTZ(3) NOT NULL,
  used_at TIMESTAMPTZ(3),
  revoked_at TIMESTAMPTZ(3),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX idx_refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX idx_refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE api_keys (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name VARCHAR(255) NOT NULL CHECK (char_length(name) >= 1),
  key_hash VARCHAR(64) NOT NULL UNIQUE CHECK (char_length(key_hash) = 64),
  key_prefix VARCHAR(24) NOT NULL CHECK (char_length(key_prefix) >= 4),
  scopes JSONB NOT NULL DEFAULT '["all"]' CHECK (jsonb_typeof(scopes) = 'array'),
  last_used_at TIMESTAMPTZ(3),
  expires_at TIMESTAMPTZ(3),
  revoked_at TIMESTAMPTZ(3),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_api_keys_user_id ON api_keys (user_id, created_at DESC, id DESC);
CREATE TRIGGER api_keys_updated_at BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE user_settings (
  user_id UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  preferred_language VARCHAR(10) NOT NULL DEFAULT 'en' CHECK (char_length(preferred_language) >= 2),
  summary_quality VARCHAR(20) NOT NULL DEFAULT 'balanced' CHECK (char_length(summary_quality) >= 1),
  settings_json JSONB NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(settings_json) = 'object' AND octet_length(settings_json::text) <= 65536),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE TRIGGER user_settings_updated_at BEFORE UPDATE ON user_settings FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Seed 003's provider_configs, holding seed 001's openai/elevenlabs key columns as rows.
-- The key is sealed with AES-256-GCM (nonce and tag inside api_key_ciphertext) under the master
-- key named by key_id; only its last four characters are ever shown.
CREATE TABLE provider_configs (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider VARCHAR(50) NOT NULL CHECK (char_length(provider) >= 1),
  config JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  api_key_ciphertext BYTEA,
  key_id VARCHAR(64),
  api_key_last4 VARCHAR(4),
  base_url TEXT CHECK (base_url IS NULL OR base_url ~ '^https?://'),
  is_active BOOLEAN NOT NULL DEFAULT true,
  is_default BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  UNIQUE (user_id, provider),
  CHECK ((api_key_ciphertext IS NULL) = (key_id IS NULL))
);
-- At most one default provider per user.
CREATE UNIQUE INDEX idx_provider_configs_default ON provider_configs (user_id) WHERE is_default;
CREATE TRIGGER provider_configs_updated_at BEFORE UPDATE ON provider_configs FOR EACH ROW EXECUTE FUNCTION set_updated_at();
