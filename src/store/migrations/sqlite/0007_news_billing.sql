-- News history and its media (seed 004), subscriptions (004, billed through Polar per 003), and
-- usage_metrics: the union of 000's per-service counters and 004's per-action events.

CREATE TABLE news_history (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  headline TEXT NOT NULL,
  content TEXT NOT NULL,
  source_url TEXT CHECK (source_url IS NULL OR source_url GLOB 'http://*' OR source_url GLOB 'https://*'),
  published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
-- Seed 004's idx_news_user_id, widened to serve keyset pagination.
CREATE INDEX idx_news_user_id ON news_history (user_id, created_at DESC, id DESC);
CREATE INDEX idx_news_created_at ON news_history (created_at);
CREATE TRIGGER news_history_updated_at AFTER UPDATE ON news_history FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE news_history SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE seq = NEW.seq; END;

-- Seed 004's idx_news_headline (a GIN over headline) becomes this FTS5 index over headline and content.
CREATE VIRTUAL TABLE news_history_fts USING fts5(
  headline, content, content = 'news_history', content_rowid = 'seq', tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER news_history_fts_insert AFTER INSERT ON news_history BEGIN
  INSERT INTO news_history_fts (rowid, headline, content) VALUES (NEW.seq, NEW.headline, NEW.content);
END;
CREATE TRIGGER news_history_fts_delete AFTER DELETE ON news_history BEGIN
  INSERT INTO news_history_fts (news_history_fts, rowid, headline, content) VALUES ('delete', OLD.seq, OLD.headline, OLD.content);
END;
CREATE TRIGGER news_history_fts_update AFTER UPDATE OF headline, content ON news_history BEGIN
  INSERT INTO news_history_fts (news_history_fts, rowid, headline, content) VALUES ('delete', OLD.seq, OLD.headline, OLD.content);
  INSERT INTO news_history_fts (rowid, headline, content) VALUES (NEW.seq, NEW.headline, NEW.content);
END;

CREATE TABLE media_assets (
  id TEXT PRIMARY KEY,
  news_id TEXT NOT NULL REFERENCES news_history (id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('image', 'audio')),
  url TEXT NOT NULL CHECK (url GLOB 'http://*' OR url GLOB 'https://*'),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_media_news_id ON media_assets (news_id);
CREATE INDEX idx_media_type ON media_assets (type);

CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  plan TEXT NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
  status TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'expired')),
  start_date TEXT NOT NULL,
  end_date TEXT,
  external_id TEXT UNIQUE CHECK (external_id IS NULL OR length(external_id) <= 255),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK (end_date IS NULL OR end_date >= start_date)
) STRICT;
CREATE INDEX idx_subscriptions_user_id ON subscriptions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_subscriptions_status ON subscriptions (status);
-- One active subscription per user.
CREATE UNIQUE INDEX idx_subscriptions_one_active ON subscriptions (user_id) WHERE status = 'active';
CREATE TRIGGER subscriptions_updated_at AFTER UPDATE ON subscriptions FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE subscriptions SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

-- Two kinds of rows share this table: a daily counter per user and service (seed 000: `service`,
-- counts, cost, `date`; action is NULL; one row per user, service and day) and an event (seed 004:
-- `action`, optionally about a news item or a subscription).
CREATE TABLE usage_metrics (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  service TEXT CHECK (service IS NULL OR service IN ('asr', 'tts', 'llm', 'pipeline')),
  request_count INTEGER NOT NULL DEFAULT 0 CHECK (request_count >= 0),
  token_count INTEGER NOT NULL DEFAULT 0 CHECK (token_count >= 0),
  input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  audio_seconds REAL NOT NULL DEFAULT 0 CHECK (audio_seconds >= 0),
  characters INTEGER NOT NULL DEFAULT 0 CHECK (characters >= 0),
  cost REAL NOT NULL DEFAULT 0 CHECK (cost >= 0),
  date TEXT CHECK (date IS NULL OR date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  news_id TEXT REFERENCES news_history (id) ON DELETE SET NULL,
  subscription_id TEXT REFERENCES subscriptions (id) ON DELETE SET NULL,
  action TEXT CHECK (action IS NULL OR length(action) BETWEEN 1 AND 100),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK ((action IS NULL AND service IS NOT NULL AND date IS NOT NULL) OR action IS NOT NULL)
) STRICT;
-- Seed 004's idx_metrics_user_id, widened to serve keyset pagination.
CREATE INDEX idx_metrics_user_id ON usage_metrics (user_id, created_at DESC, id DESC);
CREATE INDEX idx_metrics_created_at ON usage_metrics (created_at);
CREATE UNIQUE INDEX idx_metrics_daily ON usage_metrics (user_id, service, date) WHERE action IS NULL;
CREATE TRIGGER usage_metrics_updated_at AFTER UPDATE ON usage_metrics FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE usage_metrics SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
