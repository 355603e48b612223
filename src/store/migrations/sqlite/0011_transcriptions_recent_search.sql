-- PostgreSQL's 0011 lets global search find the most recent matches without visiting every one.
-- FTS5 already walks its matches newest first (rowid order) and stops at the candidate limit, so
-- there is nothing to do here; the file keeps both dialects on the same migration versions.
SELECT 1;
