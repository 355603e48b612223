-- Global search ranks the most recent matches of a query (transcriptions::SearchAll). A GIN index
-- cannot say which matches are recent: to find the latest few thousand of 14,000 matches PostgreSQL
-- had to visit all 14,000 rows (40 ms at a million rows). Each row now carries its week, the GIN index
-- holds that week next to the words (btree_gin, a trusted extension that ships with PostgreSQL),
-- and recent_transcript_matches() walks the weeks from the newest: one index lookup per week, rows
-- visited only for the weeks it needs.
CREATE EXTENSION IF NOT EXISTS btree_gin;

ALTER TABLE transcriptions
  ADD COLUMN search_week INTEGER GENERATED ALWAYS AS (((created_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01') / 7) STORED;

DROP INDEX idx_transcriptions_search;
CREATE INDEX idx_transcriptions_search ON transcriptions USING gin (search_vector, search_week);
CREATE INDEX idx_transcriptions_search_week ON transcriptions (search_week);

-- The matches of `query` in the most recent weeks, newest week first, until at least `wanted`
-- rows are found (the whole of the last week read is returned; callers cut by created_at). Each
-- week is one lookup in the index above, its rows read only if they match. A query whose matches
-- are sparse (the first weeks project fewer than `wanted` in all) reads the rest in one lookup.
CREATE FUNCTION recent_transcript_matches(query tsquery, wanted integer)
RETURNS TABLE (id uuid, created_at timestamptz, score real) LANGUAGE plpgsql STABLE AS $$
DECLARE
  newest integer;
  oldest integer;
  week integer;
  weeks_read integer := 0;
  found integer := 0;
  got integer;
BEGIN
  SELECT max(t.search_week), min(t.search_week) INTO newest, oldest FROM transcriptions t;
  IF newest IS NULL THEN
    RETURN;
  END IF;
  week := newest;
  WHILE week >= oldest LOOP
    RETURN QUERY
      SELECT t.id, t.created_at, ts_rank(t.search_vector, query)
      FROM transcriptions t
      WHERE t.search_week = week AND t.search_vector @@ query;
    GET DIAGNOSTICS got = ROW_COUNT;
    found := found + got;
    weeks_read := weeks_read + 1;
    week := week - 1;
    EXIT WHEN found >= wanted OR week < oldest;
    IF weeks_read >= 3 AND found::bigint * (week - oldest + 1) < (wanted - found)::bigint * weeks_read THEN
      -- At the rate of the weeks read so far (three at least: the newest may have just begun),
      -- all the older weeks together hold fewer than are still wanted: read them at once, by the
      -- words alone (the week is a filter here, not an index condition).
      RETURN QUERY
        SELECT t.id, t.created_at, ts_rank(t.search_vector, query)
        FROM transcriptions t
        WHERE t.search_vector @@ query AND t.search_week + 0 <= week;
      RETURN;
    END IF;
  END LOOP;
END;
$$;
