COPY stage_fact_omsu_service_figures (
    oktmo, report_month, service_code, total_count, via_epgu_count, via_mfc_count,
    in_person_count, by_post_count, source_row, load_batch_id
) FROM STDIN WITH (FORMAT csv, NULL '\N')
