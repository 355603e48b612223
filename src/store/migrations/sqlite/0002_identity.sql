-- Identity: users (seeds 000, 001, 002, 004), sessions, refresh tokens, API keys, settings, and
-- per-user provider keys (001's encrypted key columns, 003's provider_configs).
--
-- SQLite conventions used in every migration:
--   * STRICT tables; ids are UUIDv7 text made by the application (time-ordered), or INTEGER for the
--     tables seed 002 numbers with serial ids.
--   * timestamps: TEXT, UTC ISO-8601 with milliseconds ('2026-11-26T14:07:45.123Z').
--   * booleans: INTEGER 0/1 with a CHECK; JSON: TEXT with CHECK (json_valid(...)); arrays: JSON arrays.
--   * money and fractional measures: REAL (PostgreSQL uses NUMERIC).
--   * updated_at: repositories set it in every UPDATE (so RETURNING shows the new value); an AFTER
--     UPDATE trigger per table (seed 004's trigger) stamps the time for any UPDATE that leaves it
--     unchanged. Recursive triggers are off, so the trigger's own UPDATE does not fire it again.
--   * serial ids are AUTOINCREMENT so that, like PostgreSQL's BIGSERIAL, an id is never reused.
--   * URL checks use GLOB, which is case-sensitive like PostgreSQL's regular expressions.

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT CHECK (email IS NULL OR (length(email) BETWEEN 3 AND 255 AND email LIKE '%_@_%')),
  username TEXT CHECK (username IS NULL OR length(username) BETWEEN 3 AND 100),
  password_hash TEXT CHECK (password_hash IS NULL OR length(password_hash) <= 255),
  first_name TEXT CHECK (first_name IS NULL OR length(first_name) <= 100),
  last_name TEXT CHECK (last_name IS NULL OR length(last_name) <= 100),
  avatar TEXT,
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  is_verified INTEGER NOT NULL DEFAULT 0 CHECK (is_verified IN (0, 1)),
  account_type TEXT NOT NULL DEFAULT 'registered' CHECK (account_type IN ('system', 'guest', 'registered')),
  access_role TEXT NOT NULL DEFAULT 'user' CHECK (access_role IN ('user', 'test', 'admin')),
  credits INTEGER NOT NULL DEFAULT 10 CHECK (credits >= 0),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  last_login_at TEXT,
  last_seen_at TEXT,
  last_credit_refresh TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  -- A registered account can log in: it has an email, a username and a password.
  CHECK (account_type <> 'registered' OR (email IS NOT NULL AND username IS NOT NULL AND password_hash IS NOT NULL))
) STRICT;
-- Case-insensitive uniqueness: "Alice@x.com" and "alice@x.com" are one account.
CREATE UNIQUE INDEX idx_users_email ON users (lower(email));
CREATE UNIQUE INDEX idx_users_username ON users (lower(username));
CREATE INDEX idx_users_created_at ON users (created_at DESC, id DESC);
CREATE TRIGGER users_updated_at AFTER UPDATE ON users FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  ip_address TEXT CHECK (ip_address IS NULL OR length(ip_address) <= 45),
  user_agent TEXT,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  last_used_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_sessions_user_id ON sessions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);

CREATE TABLE refresh_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id TEXT REFERENCES sessions (id) ON DELETE CASCADE,
  family_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  expires_at TEXT NOT NULL,
  used_at TEXT,
  revoked_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX idx_refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX idx_refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  key_hash TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
  key_prefix TEXT NOT NULL CHECK (length(key_prefix) BETWEEN 4 AND 24),
  scopes TEXT NOT NULL DEFAULT '["all"]' CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
  last_used_at TEXT,
  expires_at TEXT,
  revoked_at TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_api_keys_user_id ON api_keys (user_id, created_at DESC, id DESC);
CREATE TRIGGER api_keys_updated_at AFTER UPDATE ON api_keys FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE api_keys SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE user_settings (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  preferred_language TEXT NOT NULL DEFAULT 'en' CHECK (length(preferred_language) BETWEEN 2 AND 10),
  summary_quality TEXT NOT NULL DEFAULT 'balanced' CHECK (length(summary_quality) BETWEEN 1 AND 20),
  settings_json TEXT NOT NULL DEFAULT '{}'
    CHECK (json_valid(settings_json) AND json_type(settings_json) = 'object' AND length(settings_json) <= 65536),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE TRIGGER user_settings_updated_at AFTER UPDATE ON user_settings FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE user_settings SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE user_id = NEW.user_id; END;

-- Seed 003's provider_configs, holding seed 001's openai/elevenlabs key columns as rows.
-- The key is sealed with AES-256-GCM (nonce and tag inside api_key_ciphertext) under the master
-- key named by key_id; only its last four characters are ever shown.
CREATE TABLE provider_configs (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider TEXT NOT NULL CHECK (length(provider) BETWEEN 1 AND 50),
  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND json_type(config) = 'object'),
  api_key_ciphertext BLOB,
  key_id TEXT CHECK (key_id IS NULL OR length(key_id) <= 64),
  api_key_last4 TEXT CHECK (api_key_last4 IS NULL OR length(api_key_last4) <= 4),
  base_url TEXT CHECK (base_url IS NULL OR base_url GLOB 'http://*' OR base_url GLOB 'https://*'),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (user_id, provider),
  CHECK ((api_key_ciphertext IS NULL) = (key_id IS NULL))
) STRICT;
-- At most one default provider per user.
CREATE UNIQUE INDEX idx_provider_configs_default ON provider_configs (user_id) WHERE is_default = 1;
CREATE TRIGGER provider_configs_updated_at AFTER UPDATE ON provider_configs FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE provider_configs SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
