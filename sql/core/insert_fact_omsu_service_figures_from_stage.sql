-- Insert one batch's staged rows into core.fact_omsu_service_figures
-- (its scope was deleted first, in the same transaction).
INSERT INTO core.fact_omsu_service_figures (
    oktmo, report_month, service_code, total_count, via_epgu_count, via_mfc_count,
    in_person_count, by_post_count, source_row, load_batch_id
)
SELECT
    oktmo,
    report_month,
    service_code,
    total_count,
    via_epgu_count,
    via_mfc_count,
    in_person_count,
    by_post_count,
    source_row,
    load_batch_id
FROM stage_fact_omsu_service_figures
