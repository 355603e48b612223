-- The jobs table is a queue: every job is inserted once and updated at least twice (claim, finish),
-- so it makes dead row versions faster than any other table. The default autovacuum trigger (20%
-- of the table dead) lets the pending index fill with dead entries on a busy queue and slows every
-- claim; vacuum it after a fixed number of dead rows instead, without cost-based pauses, and keep
-- its statistics fresh. (SQLite updates in place: nothing to do there.)
ALTER TABLE jobs SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0,
  autovacuum_vacuum_insert_threshold = 5000,
  autovacuum_analyze_scale_factor = 0,
  autovacuum_analyze_threshold = 5000,
  autovacuum_vacuum_cost_delay = 0
);
