-- News history and its media (seed 004), subscriptions (004, billed through Polar per 003), and
-- usage_metrics: the union of 000's per-service counters and 004's per-action events.

CREATE TABLE news_history (
  id UUID PRIMARY KEY,
  user_id UUID REFERENCES users (id) ON DELETE CASCADE,
  headline TEXT NOT NULL,
  content TEXT NOT NULL,
  source_url TEXT CHECK (source_url ~ '^https?://'),
  published_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  search_vector TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', headline), 'A') || setweight(to_tsvector('english', content), 'B')) STORED
);
-- Seed 004's idx_news_user_id, widened to serve keyset pagination.
CREATE INDEX idx_news_user_id ON news_history (user_id, created_at DESC, id DESC);
CREATE INDEX idx_news_created_at ON news_history (created_at);
CREATE INDEX idx_news_headline ON news_history USING gin (to_tsvector('english', headline));
CREATE INDEX idx_news_search ON news_history USING gin (search_vector);
CREATE TRIGGER news_history_updated_at BEFORE UPDATE ON news_history FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE media_assets (
  id UUID PRIMARY KEY,
  news_id UUID NOT NULL REFERENCES news_history (id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('image', 'audio')),
  url TEXT NOT NULL CHECK (url ~ '^https?://'),
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_media_news_id ON media_assets (news_id);
CREATE INDEX idx_media_type ON media_assets (type);

CREATE TABLE subscriptions (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  plan TEXT NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
  status TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'expired')),
  start_date TIMESTAMPTZ(3) NOT NULL,
  end_date TIMESTAMPTZ(3),
  external_id VARCHAR(255) UNIQUE,
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX idx_subscriptions_user_id ON subscriptions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_subscriptions_status ON subscriptions (status);
-- One active subscription per user.
CREATE UNIQUE INDEX idx_subscriptions_one_active ON subscriptions (user_id) WHERE status = 'active';
CREATE TRIGGER subscriptions_updated_at BEFORE UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Two kinds of rows share this table: a daily counter per user and service (seed 000: `service`,
-- counts, cost, `date`; action is NULL; one row per user, service and day) and an event (seed 004:
-- `action`, optionally about a news item or a subscription).
CREATE TABLE usage_metrics (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  service VARCHAR(16) CHECK (service IN ('asr', 'tts', 'llm', 'pipeline')),
  request_count INTEGER NOT NULL DEFAULT 0 CHECK (request_count >= 0),
  token_count BIGINT NOT NULL DEFAULT 0 CHECK (token_count >= 0),
  input_tokens BIGINT NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens BIGINT NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  audio_seconds NUMERIC(14, 3) NOT NULL DEFAULT 0 CHECK (audio_seconds >= 0),
  characters BIGINT NOT NULL DEFAULT 0 CHECK (characters >= 0),
  cost NUMERIC(14, 6) NOT NULL DEFAULT 0 CHECK (cost >= 0),
  date DATE,
  news_id UUID REFERENCES news_history (id) ON DELETE SET NULL,
  subscription_id UUID REFERENCES subscriptions (id) ON DELETE SET NULL,
  action TEXT CHECK (char_length(action) BETWEEN 1 AND 100),
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CHECK ((action IS NULL AND service IS NOT NULL AND date IS NOT NULL) OR action IS NOT NULL)
);
-- Seed 004's idx_metrics_user_id, widened to serve keyset pagination.
CREATE INDEX idx_metrics_user_id ON usage_metrics (user_id, created_at DESC, id DESC);
CREATE INDEX idx_metrics_created_at ON usage_metrics (created_at);
CREATE UNIQUE INDEX idx_metrics_daily ON usage_metrics (user_id, service, date) WHERE action IS NULL;
CREATE TRIGGER usage_metrics_updated_at BEFORE UPDATE ON usage_metrics FOR EACH ROW EXECUTE FUNCTION set_updated_at();
