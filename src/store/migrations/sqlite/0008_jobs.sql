-- Durable jobs: the queue every long task runs on (transcriptions, synthesis, generations, pipeline
-- runs, webhook deliveries). Status follows the seeds' flows: pending -> processing -> completed |
-- failed, and cancelled. A processing job holds a lease (owner, token, expiry) renewed by
-- heartbeats; a job whose lease expired is claimed again with attempts + 1. Completing or failing is
-- accepted only with the current lease token.

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  subject_type TEXT CHECK (subject_type IS NULL OR length(subject_type) <= 50),
  subject_id TEXT CHECK (subject_id IS NULL OR length(subject_id) <= 64),
  payload TEXT CHECK (payload IS NULL OR json_valid(payload)),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  lease_owner TEXT,
  lease_token TEXT,
  lease_expires_at TEXT,
  heartbeat_at TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
  callback_url TEXT CHECK (callback_url IS NULL OR callback_url GLOB 'http://*' OR callback_url GLOB 'https://*'),
  last_error TEXT,
  result TEXT CHECK (result IS NULL OR json_valid(result)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  started_at TEXT,
  finished_at TEXT,
  CHECK ((status = 'processing') = (lease_token IS NOT NULL))
) STRICT;
-- Claimable work, in claim order; expired leases are found through the second index.
CREATE INDEX idx_jobs_claimable ON jobs (priority DESC, run_at, id) WHERE status = 'pending';
CREATE INDEX idx_jobs_leases ON jobs (lease_expires_at) WHERE status = 'processing';
CREATE INDEX idx_jobs_user_id_created_at ON jobs (user_id, created_at DESC, id DESC);
CREATE INDEX idx_jobs_subject ON jobs (subject_type, subject_id);
CREATE INDEX idx_jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE TRIGGER jobs_updated_at AFTER UPDATE ON jobs FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE jobs SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

-- One row per delivery attempt of a job's webhook.
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  event TEXT NOT NULL CHECK (length(event) BETWEEN 1 AND 100),
  attempt INTEGER NOT NULL CHECK (attempt >= 1),
  status_code INTEGER CHECK (status_code IS NULL OR status_code BETWEEN 100 AND 599),
  error TEXT,
  duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_webhook_deliveries_job_id ON webhook_deliveries (job_id, created_at);

-- Each user's secret for signing webhooks (HMAC-SHA256), sealed like provider keys.
CREATE TABLE webhook_secrets (
  user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_ciphertext BLOB NOT NULL,
  key_id TEXT NOT NULL CHECK (length(key_id) <= 64),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
