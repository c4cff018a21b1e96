-- Information campaign (I3) per owed municipality-month of a period: whether the form is
-- loaded, and its placements per channel (null when not reported: no report is not zero).
-- Grain: month x municipality.
WITH months AS (
    SELECT d.month_start AS month
    FROM core.dim_date AS d
    WHERE
        d.calendar_date = d.month_start
        AND d.month_start BETWEEN CAST(:first_month AS date) AND CAST(:last_month AS date)
),

owed AS (
    -- The body that exists on the month's last day reports that month (as in freshness).
    SELECT
        months.month,
        m.oktmo
    FROM months
    INNER JOIN core.dim_municipality AS m
        ON
            m.valid_from <= (months.month + interval '1 month - 1 day')::date
            AND (
                m.valid_to IS NULL
                OR (months.month + interval '1 month - 1 day')::date <= m.valid_to
            )
),

reported AS (
    SELECT DISTINCT
        f.report_month AS month,
        f.oktmo
    FROM core.fact_omsu_service_figures AS f
    WHERE f.report_month BETWEEN CAST(:first_month AS date) AND CAST(:last_month AS date)
    UNION
    SELECT DISTINCT
        c.report_month AS month,
        c.oktmo
    FROM core.fact_omsu_campaign AS c
    WHERE c.report_month BETWEEN CAST(:first_month AS date) AND CAST(:last_month AS date)
),

channels AS (
    SELECT
        c.report_month AS month,
        c.oktmo,
        sum(c.placements) FILTER (WHERE c.channel = 'official_site') AS official_site,
        sum(c.placements) FILTER (WHERE c.channel = 'info_stands') AS info_stands,
        sum(c.placements) FILTER (WHERE c.channel = 'social_networks') AS social_networks,
        sum(c.placements) FILTER (WHERE c.channel = 'messengers') AS messengers,
        sum(c.placements) FILTER (
            WHERE c.channel = 'mass_gathering_places'
        ) AS mass_gathering_places,
        sum(c.placements) FILTER (WHERE c.channel = 'publications') AS publications
    FROM core.fact_omsu_campaign AS c
    WHERE c.report_month BETWEEN CAST(:first_month AS date) AND CAST(:last_month AS date)
    GROUP BY c.report_month, c.oktmo
)

SELECT
    o.month,
    o.oktmo,
    ch.official_site,
    ch.info_stands,
    ch.social_networks,
    ch.messengers,
    ch.mass_gathering_places,
    ch.publications,
    r.oktmo IS NOT NULL AS reported
FROM owed AS o
LEFT JOIN reported AS r ON o.month = r.month AND o.oktmo = r.oktmo
LEFT JOIN channels AS ch ON o.month = ch.month AND o.oktmo = ch.oktmo
ORDER BY o.month, o.oktmo
