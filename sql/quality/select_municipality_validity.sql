-- Validity intervals of the municipalities (who owes a municipal report for which month).
SELECT
    oktmo,
    valid_from,
    valid_to,
    name
FROM core.dim_municipality
ORDER BY oktmo, valid_from
