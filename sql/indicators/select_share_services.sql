-- The МСЗУ catalogue's service levels (municipal services make a municipality's share).
-- Grain: one service.
SELECT
    s.service_code,
    s.level
FROM core.dim_service AS s
ORDER BY s.service_code
