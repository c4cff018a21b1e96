-- Removes municipality validity rows that the reference file no longer has.
DELETE FROM core.dim_municipality AS d
WHERE NOT EXISTS (
    SELECT 1
    FROM unnest(CAST(:oktmos AS text[]), CAST(:valid_froms AS date[])) AS k (oktmo, valid_from)
    WHERE k.oktmo = d.oktmo AND k.valid_from = d.valid_from
)
