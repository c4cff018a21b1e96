-- Service codes of the МСЗУ catalogue. Grain: one service.
SELECT service_code FROM core.dim_service
ORDER BY service_code
