-- PostgreSQL's 0009 tunes autovacuum for the jobs queue. SQLite updates rows in place and leaves
-- no dead row versions behind, so there is nothing to do here; the file keeps both dialects on
-- the same migration versions.
SELECT 1;
