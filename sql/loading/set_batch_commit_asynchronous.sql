-- A batch transaction need not wait for its WAL flush: if the server crashes before the flush,
-- the batch is lost as a whole (never half), its delivery is pending again and the next run
-- loads it from the raw store, which landing committed synchronously.
SET LOCAL synchronous_commit TO off
