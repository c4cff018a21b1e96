-- ЕКЦ calls (I2) of a period: totals by line, by line and topic, by the municipality the
-- caller named ('-' = none), and over all. Rates are computed from these sums in Python.
-- Grain: breakdown x line x topic x municipality ('' = all).
SELECT
    CASE
        WHEN grouping(c.line, c.topic, c.caller_oktmo) = 7 THEN 'total'
        WHEN grouping(c.topic) = 0 THEN 'line_topic'
        WHEN grouping(c.line) = 0 THEN 'line'
        ELSE 'municipality'
    END AS breakdown,
    CASE WHEN grouping(c.line) = 0 THEN c.line ELSE '' END AS line,
    CASE WHEN grouping(c.topic) = 0 THEN c.topic ELSE '' END AS topic,
    CASE
        WHEN grouping(c.caller_oktmo) = 1 THEN ''
        ELSE coalesce(c.caller_oktmo, '-')
    END AS oktmo,
    count(*) AS calls,
    count(*) FILTER (WHERE c.is_answered) AS answered,
    coalesce(sum(c.wait_sec), 0) AS wait_sec_sum,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY c.wait_sec) AS p90_wait_sec,
    coalesce(sum(c.talk_sec) FILTER (WHERE c.is_answered), 0) AS talk_sec_answered,
    count(*) FILTER (WHERE c.outcome = 'forwarded_to_omsu') AS forwarded_to_omsu
FROM core.fact_ekc_call AS c
WHERE c.call_date BETWEEN CAST(:period_from AS date) AND CAST(:period_to AS date)
GROUP BY GROUPING SETS ((c.line), (c.line, c.topic), (c.caller_oktmo), ())
ORDER BY breakdown, line, topic, oktmo
