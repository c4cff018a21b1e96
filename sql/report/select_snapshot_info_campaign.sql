-- A snapshot's information campaign rows with the municipality's name. Grain: month x
-- municipality.
WITH snapshot AS (
    SELECT
        x.snapshot_id,
        x.as_of_date
    FROM core.snapshot AS x
    WHERE x.snapshot_id = :snapshot_id
)

SELECT
    c.month,
    c.oktmo,
    m.name,
    c.reported,
    c.placements_total,
    c.channels_covered,
    c.publications,
    c.official_site,
    c.info_stands,
    c.social_networks,
    c.messengers,
    c.mass_gathering_places
FROM core.snapshot_info_campaign AS c
INNER JOIN snapshot AS s ON c.snapshot_id = s.snapshot_id
LEFT JOIN core.dim_municipality AS m
    ON
        c.oktmo = m.oktmo
        AND s.as_of_date >= m.valid_from
        AND (m.valid_to IS NULL OR s.as_of_date <= m.valid_to)
ORDER BY c.month, c.oktmo
