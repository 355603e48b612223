-- Speech: transcriptions and tts_requests (seed 000), audio_history (001), and the audio tracks,
-- alignments and generation history of seed 004, each given an owner.
--
-- Tables searched with FTS5 (transcriptions, audio_history) carry `seq INTEGER PRIMARY KEY` with the
-- UUID in `id TEXT NOT NULL UNIQUE`: an external-content FTS5 index addresses rows by rowid, and only
-- an INTEGER PRIMARY KEY keeps rowids stable across VACUUM.
--
-- Searches are per user. The FTS index also holds `owner_key` (a virtual column: the random last 12
-- hex digits of the owner's UUID), so a query intersects the owner's postings with the words'
-- inside the index instead of joining every match to its row to test the owner (5x faster for
-- common words at a million rows). The join still checks user_id exactly.

CREATE TABLE transcriptions (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  audio_url TEXT,
  transcript_text TEXT,
  language TEXT CHECK (language IS NULL OR length(language) <= 10),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  duration REAL CHECK (duration IS NULL OR duration >= 0),
  model TEXT CHECK (model IS NULL OR length(model) <= 50),
  confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
  error_message TEXT,
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  completed_at TEXT,
  owner_key TEXT GENERATED ALWAYS AS (substr(user_id, 25, 12)) VIRTUAL
) STRICT;
CREATE INDEX idx_transcriptions_status_created_at ON transcriptions (status, created_at);
CREATE INDEX idx_transcriptions_user_id_created_at ON transcriptions (user_id, created_at DESC, id DESC);
CREATE TRIGGER transcriptions_updated_at AFTER UPDATE ON transcriptions FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE transcriptions SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE seq = NEW.seq; END;

CREATE VIRTUAL TABLE transcriptions_fts USING fts5(
  transcript_text, owner_key, content = 'transcriptions', content_rowid = 'seq',
  tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER transcriptions_fts_insert AFTER INSERT ON transcriptions BEGIN
  INSERT INTO transcriptions_fts (rowid, transcript_text, owner_key) VALUES (NEW.seq, NEW.transcript_text, NEW.owner_key);
END;
CREATE TRIGGER transcriptions_fts_delete AFTER DELETE ON transcriptions BEGIN
  INSERT INTO transcriptions_fts (transcriptions_fts, rowid, transcript_text, owner_key)
    VALUES ('delete', OLD.seq, OLD.transcript_text, OLD.owner_key);
END;
CREATE TRIGGER transcriptions_fts_update AFTER UPDATE OF transcript_text, user_id ON transcriptions BEGIN
  INSERT INTO transcriptions_fts (transcriptions_fts, rowid, transcript_text, owner_key)
    VALUES ('delete', OLD.seq, OLD.transcript_text, OLD.owner_key);
  INSERT INTO transcriptions_fts (rowid, transcript_text, owner_key) VALUES (NEW.seq, NEW.transcript_text, NEW.owner_key);
END;

CREATE TABLE tts_requests (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  input_text TEXT NOT NULL,
  audio_url TEXT,
  voice TEXT CHECK (voice IS NULL OR length(voice) <= 50),
  language TEXT CHECK (language IS NULL OR length(language) <= 10),
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  duration REAL CHECK (duration IS NULL OR duration >= 0),
  model TEXT CHECK (model IS NULL OR length(model) <= 50),
  error_message TEXT,
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  completed_at TEXT
) STRICT;
CREATE INDEX idx_tts_requests_status_created_at ON tts_requests (status, created_at);
CREATE INDEX idx_tts_requests_user_id_created_at ON tts_requests (user_id, created_at DESC, id DESC);
CREATE TRIGGER tts_requests_updated_at AFTER UPDATE ON tts_requests FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE tts_requests SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE audio_history (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title TEXT CHECK (title IS NULL OR length(title) <= 500),
  audio_url TEXT,
  file_size_bytes INTEGER CHECK (file_size_bytes IS NULL OR file_size_bytes >= 0),
  duration_seconds INTEGER CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
  transcript TEXT,
  summary TEXT,
  key_moments TEXT CHECK (key_moments IS NULL OR json_valid(key_moments)),
  processing_options TEXT CHECK (processing_options IS NULL OR json_valid(processing_options)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  owner_key TEXT GENERATED ALWAYS AS (substr(user_id, 25, 12)) VIRTUAL
) STRICT;
CREATE INDEX idx_audio_history_user_id_created_at ON audio_history (user_id, created_at DESC, id DESC);

CREATE VIRTUAL TABLE audio_history_fts USING fts5(
  transcript, summary, owner_key, content = 'audio_history', content_rowid = 'seq',
  tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TRIGGER audio_history_fts_insert AFTER INSERT ON audio_history BEGIN
  INSERT INTO audio_history_fts (rowid, transcript, summary, owner_key)
    VALUES (NEW.seq, NEW.transcript, NEW.summary, NEW.owner_key);
END;
CREATE TRIGGER audio_history_fts_delete AFTER DELETE ON audio_history BEGIN
  INSERT INTO audio_history_fts (audio_history_fts, rowid, transcript, summary, owner_key)
    VALUES ('delete', OLD.seq, OLD.transcript, OLD.summary, OLD.owner_key);
END;
CREATE TRIGGER audio_history_fts_update AFTER UPDATE OF transcript, summary, user_id ON audio_history BEGIN
  INSERT INTO audio_history_fts (audio_history_fts, rowid, transcript, summary, owner_key)
    VALUES ('delete', OLD.seq, OLD.transcript, OLD.summary, OLD.owner_key);
  INSERT INTO audio_history_fts (rowid, transcript, summary, owner_key)
    VALUES (NEW.seq, NEW.transcript, NEW.summary, NEW.owner_key);
END;

-- Seed 004's audio tracks, with an owner, the stored file (content-addressed: storage_key is the
-- SHA-256 of the bytes) and the cache key of the request that made it.
CREATE TABLE audio_tracks (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  url TEXT NOT NULL CONSTRAINT valid_url CHECK (url GLOB 'http://*' OR url GLOB 'https://*'),
  text TEXT NOT NULL,
  duration REAL NOT NULL CONSTRAINT valid_duration CHECK (duration > 0),
  storage_key TEXT CHECK (storage_key IS NULL OR length(storage_key) = 64),
  content_type TEXT CHECK (content_type IS NULL OR length(content_type) <= 100),
  byte_size INTEGER CHECK (byte_size IS NULL OR byte_size >= 0),
  cache_key TEXT CHECK (cache_key IS NULL OR length(cache_key) = 64),
  metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_audio_tracks_created_at ON audio_tracks (created_at);
CREATE INDEX idx_audio_tracks_user_id_created_at ON audio_tracks (user_id, created_at DESC, id DESC);
CREATE INDEX idx_audio_tracks_cache_key ON audio_tracks (user_id, cache_key) WHERE cache_key IS NOT NULL;
CREATE INDEX idx_audio_tracks_storage_key ON audio_tracks (storage_key) WHERE storage_key IS NOT NULL;
CREATE TRIGGER audio_tracks_updated_at AFTER UPDATE ON audio_tracks FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE audio_tracks SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

-- Per-character timings. The arrays are JSON arrays of equal length (valid_alignment); each
-- character ends no earlier than it starts and starts no earlier than the one before (the trigger
-- below, since a SQLite CHECK cannot iterate).
CREATE TABLE audio_alignments (
  id TEXT PRIMARY KEY,
  track_id TEXT NOT NULL REFERENCES audio_tracks (id) ON DELETE CASCADE,
  characters TEXT NOT NULL CHECK (json_valid(characters) AND json_type(characters) = 'array'),
  start_times TEXT NOT NULL CHECK (json_valid(start_times) AND json_type(start_times) = 'array'),
  end_times TEXT NOT NULL CHECK (json_valid(end_times) AND json_type(end_times) = 'array'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CONSTRAINT valid_alignment CHECK (
    json_array_length(characters) = json_array_length(start_times) AND
    json_array_length(characters) = json_array_length(end_times))
) STRICT;
CREATE INDEX idx_audio_alignments_track_id ON audio_alignments (track_id);
CREATE TRIGGER audio_alignments_valid_times_insert BEFORE INSERT ON audio_alignments
WHEN EXISTS (
  SELECT 1 FROM json_each(NEW.start_times) s JOIN json_each(NEW.end_times) e ON e.key = s.key
  WHERE e.value < s.value
     OR s.value < (SELECT p.value FROM json_each(NEW.start_times) p WHERE p.key = s.key - 1))
BEGIN SELECT RAISE(ABORT, 'valid_times: character times must be ordered'); END;
CREATE TRIGGER audio_alignments_valid_times_update BEFORE UPDATE OF start_times, end_times ON audio_alignments
WHEN EXISTS (
  SELECT 1 FROM json_each(NEW.start_times) s JOIN json_each(NEW.end_times) e ON e.key = s.key
  WHERE e.value < s.value
     OR s.value < (SELECT p.value FROM json_each(NEW.start_times) p WHERE p.key = s.key - 1))
BEGIN SELECT RAISE(ABORT, 'valid_times: character times must be ordered'); END;
CREATE TRIGGER audio_alignments_updated_at AFTER UPDATE ON audio_alignments FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE audio_alignments SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;

CREATE TABLE audio_generation_history (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  track_id TEXT REFERENCES audio_tracks (id) ON DELETE CASCADE,
  voice_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings) AND json_type(settings) = 'object'),
  status TEXT NOT NULL CONSTRAINT valid_status CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX idx_audio_generation_history_track_id ON audio_generation_history (track_id);
CREATE INDEX idx_audio_generation_history_status ON audio_generation_history (status, created_at);
CREATE INDEX idx_audio_generation_history_user_id_created_at ON audio_generation_history (user_id, created_at DESC, id DESC);
CREATE TRIGGER audio_generation_history_updated_at AFTER UPDATE ON audio_generation_history FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN UPDATE audio_generation_history SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id; END;
