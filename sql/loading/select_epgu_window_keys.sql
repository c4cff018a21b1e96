-- Delivery keys of the ЕПГУ window manifests landed for windows overlapping some days
-- (the windows a month-scoped fetch need not request again). Grain: one manifest.
SELECT DISTINCT d.delivery_key
FROM raw.deliveries AS d
WHERE
    d.source = 'epgu'
    AND d.media_type = :epgu_window_media_type
    AND d.period_end >= :first_day
    AND d.period_start <= :last_day
