-- Inserts or updates one application channel; unchanged rows are left untouched.
INSERT INTO core.dim_channel AS d (
    channel_code, name_ru, is_online_without_visit, source, note, reference_load_id
)
VALUES (
    :channel_code, :name_ru, :is_online_without_visit, :source, :note, :reference_load_id
)
ON CONFLICT (channel_code) DO UPDATE
    SET
        name_ru = excluded.name_ru,
        is_online_without_visit = excluded.is_online_without_visit,
        source = excluded.source,
        note = excluded.note,
        reference_load_id = excluded.reference_load_id
    WHERE (d.name_ru, d.is_online_without_visit, d.source, d.note)
    IS DISTINCT FROM (
        excluded.name_ru, excluded.is_online_without_visit, excluded.source, excluded.note
    )
RETURNING (xmax = 0) AS is_inserted
