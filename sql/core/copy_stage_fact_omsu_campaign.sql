COPY stage_fact_omsu_campaign (
    oktmo, report_month, channel, placements, note, source_row, load_batch_id
) FROM STDIN WITH (FORMAT csv, NULL '\N')
