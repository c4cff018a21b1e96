-- Moves a source's high-water mark forward (never back).
INSERT INTO raw.source_watermarks AS w (source, high_water_mark, advanced_at)
VALUES (:source, :high_water_mark, :advanced_at)
ON CONFLICT (source) DO UPDATE
    SET
        high_water_mark = excluded.high_water_mark,
        advanced_at = excluded.advanced_at
    WHERE w.high_water_mark < excluded.high_water_mark
