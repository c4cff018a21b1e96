-- Reverts 0002_create_raw_landing.
DROP TABLE IF EXISTS raw.source_watermarks;
DROP TABLE IF EXISTS raw.deliveries;
