-- OKTMO codes of the region's municipalities, current and historical. Grain: one code.
SELECT DISTINCT oktmo FROM core.dim_municipality
ORDER BY oktmo
