COPY stage_fact_epgu_application (
    application_id, service_code, oktmo, submitted_at, submitted_month, updated_at, status,
    requires_visit, delivery_id, source_row, load_batch_id
) FROM STDIN WITH (FORMAT csv, NULL '\N')
