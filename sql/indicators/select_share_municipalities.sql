-- Municipalities with their validity intervals (who owes a form for which month).
-- Grain: OKTMO x validity interval.
SELECT
    m.oktmo,
    m.name,
    m.valid_from,
    m.valid_to
FROM core.dim_municipality AS m
ORDER BY m.oktmo, m.valid_from
