-- A snapshot's ЕКЦ load rows with the municipality's name. Grain: period x breakdown x line x
-- topic x municipality.
WITH snapshot AS (
    SELECT
        x.snapshot_id,
        x.as_of_date
    FROM core.snapshot AS x
    WHERE x.snapshot_id = :snapshot_id
)

SELECT
    e.period_type,
    e.period_from,
    e.period_to,
    e.breakdown,
    e.line,
    e.topic,
    e.oktmo,
    m.name,
    e.calls,
    e.answered,
    e.abandoned,
    e.answer_rate_pct,
    e.avg_wait_sec,
    e.p90_wait_sec,
    e.avg_talk_sec,
    e.forwarded_to_omsu,
    e.forwarded_to_omsu_pct,
    e.is_population_estimated,
    e.calls_per_100k
FROM core.snapshot_ekc_load AS e
INNER JOIN snapshot AS s ON e.snapshot_id = s.snapshot_id
LEFT JOIN core.dim_municipality AS m
    ON
        e.oktmo = m.oktmo
        AND s.as_of_date >= m.valid_from
        AND (m.valid_to IS NULL OR s.as_of_date <= m.valid_to)
ORDER BY e.period_type, e.breakdown, e.line, e.topic, e.oktmo
