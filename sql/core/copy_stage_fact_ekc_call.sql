COPY stage_fact_ekc_call (
    call_id, call_date, started_at, line, topic, caller_oktmo, is_answered, wait_sec, talk_sec,
    outcome, source_row, load_batch_id
) FROM STDIN WITH (FORMAT csv, NULL '\N')
