-- Insert one batch's staged rows into core.fact_mfc_application
-- (its scope was deleted first, in the same transaction).
INSERT INTO core.fact_mfc_application (
    export_day, case_id, accepted_at, accepted_month, service_code, oktmo, office, status,
    source_row, load_batch_id
)
SELECT
    export_day,
    case_id,
    accepted_at,
    accepted_month,
    service_code,
    oktmo,
    office,
    status,
    source_row,
    load_batch_id
FROM stage_fact_mfc_application
