-- Merge a batch's application versions: per application the latest updated_at wins, and an
-- older or equal version never overwrites a newer one (windows may arrive in any order).
INSERT INTO core.fact_epgu_application AS f (
    application_id, service_code, oktmo, submitted_at, submitted_month, updated_at, status,
    requires_visit, load_batch_id, delivery_id, source_row
)
SELECT DISTINCT ON (s.application_id)
    s.application_id,
    s.service_code,
    s.oktmo,
    s.submitted_at,
    s.submitted_month,
    s.updated_at,
    s.status,
    s.requires_visit,
    s.load_batch_id,
    s.delivery_id,
    s.source_row
FROM stage_fact_epgu_application AS s
ORDER BY s.application_id ASC, s.updated_at DESC
ON CONFLICT (application_id) DO UPDATE SET
    service_code = excluded.service_code,
    oktmo = excluded.oktmo,
    submitted_at = excluded.submitted_at,
    submitted_month = excluded.submitted_month,
    updated_at = excluded.updated_at,
    status = excluded.status,
    requires_visit = excluded.requires_visit,
    load_batch_id = excluded.load_batch_id,
    delivery_id = excluded.delivery_id,
    source_row = excluded.source_row
WHERE excluded.updated_at > f.updated_at
