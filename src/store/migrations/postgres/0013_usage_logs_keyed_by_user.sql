-- usage_logs is keyed by (user_id, created_at, id), the order every read takes (a user's rows by
-- time: usage by day, newest-first pages), so the primary key serves them and
-- idx_usage_logs_user_id goes: a row written updates one index fewer. Ids stay UUIDv7 made by
-- Chorus for each row; nothing looks a row up by id alone. (SQLite rebuilds the table with that key.)
ALTER TABLE usage_logs DROP CONSTRAINT usage_logs_pkey, ADD PRIMARY KEY (user_id, created_at, id);
DROP INDEX idx_usage_logs_user_id;
