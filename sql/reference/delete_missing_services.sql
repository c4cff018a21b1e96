-- Removes services that the catalogue file no longer has.
DELETE FROM core.dim_service
WHERE NOT (service_code = any(CAST(:keys AS text[])))
