COPY audit.quarantine (
    batch_id, dataset, source_row, delivery_id, source_file, rule, failed_rules, column_name,
    reason, raw_values, source
) FROM STDIN WITH (FORMAT csv, NULL '\N')
