-- Whether a delivery is still the latest under its key and its latest batch is still the one
-- a re-processing read (re-checked under the period lock, so two re-processings of the same
-- delivery write it once). :batch_id null = no batch had validated it. Grain: one row.
WITH delivery AS (
    SELECT
        d.delivery_id,
        d.source,
        d.delivery_key,
        (
            SELECT max(bd.batch_id) FROM audit.batch_deliveries AS bd
            WHERE bd.delivery_id = d.delivery_id
        ) AS latest_batch_id
    FROM raw.deliveries AS d
    WHERE d.delivery_id = :delivery_id
)

SELECT
    -- Batch ids start at 1, so 0 stands for "no batch yet" on both sides.
    coalesce(delivery.latest_batch_id, 0) = coalesce(CAST(:batch_id AS bigint), 0)
    AND NOT EXISTS (
        SELECT 1 FROM raw.deliveries AS newer
        WHERE
            newer.source = delivery.source
            AND newer.delivery_key = delivery.delivery_key
            AND newer.delivery_id > delivery.delivery_id
    ) AS is_current
FROM delivery
