-- usage_logs takes a row per model call, written in batches by the gateway. No index on created_at
-- alone (003 had one): ids are UUIDv7, so the primary key already orders rows by time (a time range
-- over all users is a range of ids), and a user's rows by time are idx_usage_logs_user_id's. No
-- query of Chorus read through it; every row paid for it. (SQLite's table is also rebuilt
-- WITHOUT ROWID; PostgreSQL keeps rows in a heap either way.)
DROP INDEX idx_usage_logs_created_at;
