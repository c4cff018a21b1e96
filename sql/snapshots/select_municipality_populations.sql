-- Names and population bases of the municipalities valid on a day (rates per residents).
-- Grain: municipality.
SELECT
    m.oktmo,
    m.name,
    m.population_for_rates,
    m.is_population_estimated
FROM core.dim_municipality AS m
WHERE
    m.valid_from <= CAST(:day AS date)
    AND (m.valid_to IS NULL OR CAST(:day AS date) <= m.valid_to)
ORDER BY m.oktmo
