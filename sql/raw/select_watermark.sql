-- High-water mark of one source (grain: at most one row).
SELECT high_water_mark
FROM raw.source_watermarks
WHERE source = :source
