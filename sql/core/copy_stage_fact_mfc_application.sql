COPY stage_fact_mfc_application (
    export_day, case_id, accepted_at, accepted_month, service_code, oktmo, office, status,
    source_row, load_batch_id
) FROM STDIN WITH (FORMAT csv, NULL '\N')
