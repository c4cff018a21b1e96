-- Landed deliveries of a source, the latest under each key (an older delivery superseded by a
-- newer one under the same key is never validated):
-- * :pending_only true: those no batch has validated yet (the ingest path's gate);
-- * :pending_only false: every one whose period overlaps [:first_day, :last_day], validated
--   before or not (re-processing).
-- A source whose batches are opened by one media type (ЕПГУ: the window manifest, which reads
-- its pages) lists only deliveries of that type; :batch_media_type null lists every delivery.
-- load_bytes: what the batch will read (a manifest: its window's pages), to size chunks.
-- Grain: one delivery.
SELECT
    d.delivery_id,
    d.delivery_key,
    d.period_start,
    d.period_end,
    d.checksum_sha256,
    d.media_type,
    d.metadata,
    CASE
        WHEN d.media_type = :batch_media_type
            THEN (
                SELECT coalesce(sum(page.size_bytes), 0)
                FROM raw.deliveries AS page
                WHERE
                    page.source = d.source
                    AND page.period_start = d.period_start
                    AND starts_with(page.delivery_key, d.delivery_key || ' page ')
            )
        ELSE d.size_bytes
    END AS load_bytes
FROM raw.deliveries AS d
WHERE
    d.source = :source
    AND (CAST(:batch_media_type AS text) IS NULL OR d.media_type = :batch_media_type)
    AND (CAST(:first_day AS date) IS NULL OR d.period_end >= CAST(:first_day AS date))
    AND (CAST(:last_day AS date) IS NULL OR d.period_start <= CAST(:last_day AS date))
    AND (
        NOT CAST(:pending_only AS boolean)
        OR NOT EXISTS (
            SELECT 1 FROM audit.batch_deliveries AS bd
            WHERE bd.delivery_id = d.delivery_id
        )
    )
    AND NOT EXISTS (
        SELECT 1 FROM raw.deliveries AS newer
        WHERE
            newer.source = d.source
            AND newer.delivery_key = d.delivery_key
            AND newer.delivery_id > d.delivery_id
    )
ORDER BY d.period_start, d.delivery_key, d.delivery_id
