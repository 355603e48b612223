-- Durable jobs: the queue every long task runs on (transcriptions, synthesis, generations, pipeline
-- runs, webhook deliveries). Status follows the seeds' flows: pending -> processing -> completed |
-- failed, and cancelled. A processing job holds a lease (owner, token, expiry) renewed by
-- heartbeats; a job whose lease expired is claimed again with attempts + 1. Completing or failing is
-- accepted only with the current lease token. Workers claim with FOR UPDATE SKIP LOCKED and wake on
-- NOTIFY chorus_jobs.

CREATE TABLE jobs (
  id UUID PRIMARY KEY,
  kind VARCHAR(100) NOT NULL CHECK (char_length(kind) >= 1),
  user_id UUID REFERENCES users (id) ON DELETE CASCADE,
  subject_type VARCHAR(50),
  subject_id VARCHAR(64),
  payload JSONB,
  status VARCHAR(16) NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  lease_owner VARCHAR(200),
  lease_token VARCHAR(64),
  lease_expires_at TIMESTAMPTZ(3),
  heartbeat_at TIMESTAMPTZ(3),
  cancel_requested BOOLEAN NOT NULL DEFAULT false,
  callback_url TEXT CHECK (callback_url ~ '^https?://'),
  last_error TEXT,
  result JSONB,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  started_at TIMESTAMPTZ(3),
  finished_at TIMESTAMPTZ(3),
  CHECK ((status = 'processing') = (lease_token IS NOT NULL))
);
CREATE INDEX idx_jobs_claimable ON jobs (priority DESC, run_at, id) WHERE status = 'pending';
CREATE INDEX idx_jobs_leases ON jobs (lease_expires_at) WHERE status = 'processing';
CREATE INDEX idx_jobs_user_id_created_at ON jobs (user_id, created_at DESC, id DESC);
CREATE INDEX idx_jobs_subject ON jobs (subject_type, subject_id);
CREATE INDEX idx_jobs_finished_at ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE TRIGGER jobs_updated_at BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE webhook_deliveries (
  id UUID PRIMARY KEY,
  job_id UUID NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  user_id UUID REFERENCES users (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  event VARCHAR(100) NOT NULL CHECK (char_length(event) >= 1),
  attempt INTEGER NOT NULL CHECK (attempt >= 1),
  status_code SMALLINT CHECK (status_code BETWEEN 100 AND 599),
  error TEXT,
  duration_ms INTEGER CHECK (duration_ms >= 0),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_webhook_deliveries_job_id ON webhook_deliveries (job_id, created_at);

CREATE TABLE webhook_secrets (
  user_id UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_ciphertext BYTEA NOT NULL,
  key_id VARCHAR(64) NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
