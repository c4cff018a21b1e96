-- Whether a delivery still waits for a batch: none has validated it and no newer delivery
-- under its key superseded it (re-checked under the period lock). Grain: one row.
SELECT
    NOT EXISTS (
        SELECT 1 FROM audit.batch_deliveries AS bd
        WHERE bd.delivery_id = d.delivery_id
    )
    AND NOT EXISTS (
        SELECT 1 FROM raw.deliveries AS newer
        WHERE
            newer.source = d.source
            AND newer.delivery_key = d.delivery_key
            AND newer.delivery_id > d.delivery_id
    ) AS is_pending
FROM raw.deliveries AS d
WHERE d.delivery_id = :delivery_id
