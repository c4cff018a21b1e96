-- Removes channels that the taxonomy file no longer has.
DELETE FROM core.dim_channel
WHERE NOT (channel_code = any(CAST(:keys AS text[])))
