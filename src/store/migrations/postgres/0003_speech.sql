-- Speech: transcriptions and tts_requests (seed 000), audio_history (001), and the audio tracks,
-- alignments and generation history of seed 004, each given an owner.
--
-- Searched text is indexed by a generated tsvector column with a GIN index, so the index follows
-- every insert, update and delete by construction.

CREATE TABLE transcriptions (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  audio_url TEXT,
  transcript_text TEXT,
  language VARCHAR(10),
  status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  duration NUMERIC(10, 2) CHECK (duration >= 0),
  model VARCHAR(50),
  confidence NUMERIC(5, 4) CHECK (confidence >= 0 AND confidence <= 1),
  error_message TEXT,
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  completed_at TIMESTAMPTZ(3),
  search_vector TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', coalesce(transcript_text, ''))) STORED
);
CREATE INDEX idx_transcriptions_status_created_at ON transcriptions (status, created_at);
CREATE INDEX idx_transcriptions_user_id_created_at ON transcriptions (user_id, created_at DESC, id DESC);
CREATE INDEX idx_transcriptions_search ON transcriptions USING gin (search_vector);
CREATE TRIGGER transcriptions_updated_at BEFORE UPDATE ON transcriptions FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE tts_requests (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  input_text TEXT NOT NULL,
  audio_url TEXT,
  voice VARCHAR(50),
  language VARCHAR(10),
  status VARCHAR(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  duration NUMERIC(10, 2) CHECK (duration >= 0),
  model VARCHAR(50),
  error_message TEXT,
  metadata JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  completed_at TIMESTAMPTZ(3)
);
CREATE INDEX idx_tts_requests_status_created_at ON tts_requests (status, created_at);
CREATE INDEX idx_tts_requests_user_id_created_at ON tts_requests (user_id, created_at DESC, id DESC);
CREATE TRIGGER tts_requests_updated_at BEFORE UPDATE ON tts_requests FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE audio_history (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title VARCHAR(500),
  audio_url TEXT,
  file_size_bytes BIGINT CHECK (file_size_bytes >= 0),
  duration_seconds INTEGER CHECK (duration_seconds >= 0),
  transcript TEXT,
  summary TEXT,
  key_moments JSONB,
  processing_options JSONB,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  search_vector TSVECTOR GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(transcript, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(summary, '')), 'B')) STORED
);
CREATE INDEX idx_audio_history_user_id_created_at ON audio_history (user_id, created_at DESC, id DESC);
CREATE INDEX idx_audio_history_search ON audio_history USING gin (search_vector);

-- Seed 004's audio tracks, with an owner, the stored file (content-addressed: storage_key is the
-- SHA-256 of the bytes) and the cache key of the request that made it.
CREATE TABLE audio_tracks (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  url TEXT NOT NULL CONSTRAINT valid_url CHECK (url ~ '^https?://'),
  text TEXT NOT NULL,
  duration DOUBLE PRECISION NOT NULL CONSTRAINT valid_duration CHECK (duration > 0),
  storage_key VARCHAR(64) CHECK (char_length(storage_key) = 64),
  content_type VARCHAR(100),
  byte_size BIGINT CHECK (byte_size >= 0),
  cache_key VARCHAR(64) CHECK (char_length(cache_key) = 64),
  metadata JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_audio_tracks_created_at ON audio_tracks (created_at);
CREATE INDEX idx_audio_tracks_user_id_created_at ON audio_tracks (user_id, created_at DESC, id DESC);
CREATE INDEX idx_audio_tracks_cache_key ON audio_tracks (user_id, cache_key) WHERE cache_key IS NOT NULL;
CREATE INDEX idx_audio_tracks_storage_key ON audio_tracks (storage_key) WHERE storage_key IS NOT NULL;
CREATE TRIGGER audio_tracks_updated_at BEFORE UPDATE ON audio_tracks FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- True when every character ends no earlier than it starts and starts no earlier than the one
-- before. (Seed 004's valid_times calls array_min, which PostgreSQL does not have; this is what it
-- means to check.)
CREATE FUNCTION alignment_times_ordered(starts DOUBLE PRECISION[], ends DOUBLE PRECISION[])
RETURNS BOOLEAN LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM generate_subscripts(starts, 1) AS i
    WHERE ends[i] < starts[i] OR (i > 1 AND starts[i] < starts[i - 1]))
$$;

CREATE TABLE audio_alignments (
  id UUID PRIMARY KEY,
  track_id UUID NOT NULL REFERENCES audio_tracks (id) ON DELETE CASCADE,
  characters TEXT[] NOT NULL,
  start_times DOUBLE PRECISION[] NOT NULL,
  end_times DOUBLE PRECISION[] NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT valid_alignment CHECK (
    cardinality(characters) = cardinality(start_times) AND
    cardinality(characters) = cardinality(end_times)),
  CONSTRAINT valid_times CHECK (alignment_times_ordered(start_times, end_times))
);
CREATE INDEX idx_audio_alignments_track_id ON audio_alignments (track_id);
CREATE TRIGGER audio_alignments_updated_at BEFORE UPDATE ON audio_alignments FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE audio_generation_history (
  id UUID PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  track_id UUID REFERENCES audio_tracks (id) ON DELETE CASCADE,
  voice_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  settings JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  status TEXT NOT NULL CONSTRAINT valid_status CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  error TEXT,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX idx_audio_generation_history_track_id ON audio_generation_history (track_id);
CREATE INDEX idx_audio_generation_history_status ON audio_generation_history (status, created_at);
CREATE INDEX idx_audio_generation_history_user_id_created_at ON audio_generation_history (user_id, created_at DESC, id DESC);
CREATE TRIGGER audio_generation_history_updated_at BEFORE UPDATE ON audio_generation_history FOR EACH ROW EXECUTE FUNCTION set_updated_at();
