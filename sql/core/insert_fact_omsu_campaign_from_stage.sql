-- Insert one batch's staged rows into core.fact_omsu_campaign
-- (its scope was deleted first, in the same transaction).
INSERT INTO core.fact_omsu_campaign (
    oktmo, report_month, channel, placements, note, source_row, load_batch_id
)
SELECT
    oktmo,
    report_month,
    channel,
    placements,
    note,
    source_row,
    load_batch_id
FROM stage_fact_omsu_campaign
