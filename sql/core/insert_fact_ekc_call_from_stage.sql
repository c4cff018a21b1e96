-- Insert one batch's staged rows into core.fact_ekc_call
-- (its scope was deleted first, in the same transaction).
INSERT INTO core.fact_ekc_call (
    call_id, call_date, started_at, line, topic, caller_oktmo, is_answered, wait_sec, talk_sec,
    outcome, source_row, load_batch_id
)
SELECT
    call_id,
    call_date,
    started_at,
    line,
    topic,
    caller_oktmo,
    is_answered,
    wait_sec,
    talk_sec,
    outcome,
    source_row,
    load_batch_id
FROM stage_fact_ekc_call
