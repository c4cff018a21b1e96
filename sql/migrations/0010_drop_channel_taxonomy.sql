-- Reverts 0010_create_channel_taxonomy: the view as 0006 created it (it reads ЕПГУ without a
-- visit again) and the counts without n_online. The view is recreated, not replaced: its
-- `a.*` would keep depending on the column. bi_reader's default privileges grant it again.
DROP VIEW mart.epgu_share_monthly;
ALTER TABLE core.agg_application_monthly DROP COLUMN n_online;
COMMENT ON COLUMN core.agg_application_monthly.n_epgu_online IS
'Заявления ЕПГУ без личного посещения (числитель I1) / ЕПГУ applications without a visit '
'(numerator of I1)';

CREATE VIEW mart.epgu_share_monthly AS
WITH counts AS (
    SELECT
        a.*,
        s.name AS service_name,
        s.level AS service_level
    FROM core.agg_application_monthly AS a
    -- A service dropped from the catalogue since its month was counted still counts for the
    -- region until the next refresh, as in egov/indicators/share.py.
    LEFT JOIN core.dim_service AS s ON a.service_code = s.service_code
),

-- From the first month with counts, as egov/indicators/share.py and the snapshots count: the
-- loads start with the plan-schedule, in January 2023.
months AS (
    SELECT
        g.m::date AS month,
        (g.m + interval '1 month' - interval '1 day')::date AS month_end
    FROM (
        SELECT
            min(c.month)::timestamp AS first_month,
            max(c.month)::timestamp AS last_month
        FROM counts AS c
    ) AS r
    CROSS JOIN
        LATERAL generate_series(r.first_month, r.last_month, interval '1 month') AS g (m)
),

-- A municipality owes a month's form if a version of its code is valid on the month's last
-- day: the body that exists at month end reports (mart.source_freshness, share.py).
owed AS (
    SELECT DISTINCT
        mo.month,
        m.oktmo
    FROM months AS mo
    INNER JOIN core.dim_municipality AS m
        ON mo.month_end >= m.valid_from AND (m.valid_to IS NULL OR mo.month_end <= m.valid_to)
),

-- A loaded form marks every row of its municipality-month.
received AS (
    SELECT
        c.month,
        c.oktmo
    FROM counts AS c
    GROUP BY c.month, c.oktmo
    HAVING bool_or(c.has_omsu_report)
),

-- A municipality owing a form or with applications in a year has a row in every month of that
-- year, so its year to date runs on through empty months. Only municipal applications make it
-- a municipality scope (share.py); its regional ones still need its coverage.
municipality_years AS (
    SELECT
        y.oktmo,
        y.year,
        bool_or(y.is_municipal) AS is_municipality_scope
    FROM (
        SELECT
            o.oktmo,
            extract(YEAR FROM o.month) AS year,
            TRUE AS is_municipal
        FROM owed AS o
        UNION ALL
        SELECT
            c.oktmo,
            extract(YEAR FROM c.month) AS year,
            coalesce(c.service_level = 'municipal', FALSE) AS is_municipal
        FROM counts AS c
    ) AS y
    GROUP BY y.oktmo, y.year
),

-- Forms owed and received per municipality-month (a form not owed is not counted).
forms AS (
    SELECT
        mo.month,
        y.oktmo,
        y.is_municipality_scope,
        n.name AS municipality_name,
        (o.oktmo IS NOT NULL)::integer AS reports_owed,
        (o.oktmo IS NOT NULL AND r.oktmo IS NOT NULL)::integer AS reports_received,
        sum((o.oktmo IS NOT NULL)::integer) OVER by_year AS ytd_reports_owed,
        sum((o.oktmo IS NOT NULL AND r.oktmo IS NOT NULL)::integer) OVER by_year
            AS ytd_reports_received
    FROM months AS mo
    INNER JOIN municipality_years AS y ON extract(YEAR FROM mo.month) = y.year
    LEFT JOIN owed AS o ON mo.month = o.month AND y.oktmo = o.oktmo
    LEFT JOIN received AS r ON mo.month = r.month AND y.oktmo = r.oktmo
    -- The version valid at the month's end names the municipality; a code gone by then (or
    -- not there yet) keeps the name of its latest version.
    LEFT JOIN LATERAL (
        SELECT m.name
        FROM core.dim_municipality AS m
        WHERE m.oktmo = y.oktmo
        ORDER BY
            mo.month_end >= m.valid_from AND (m.valid_to IS NULL OR mo.month_end <= m.valid_to)
            DESC,
            m.valid_from DESC
        LIMIT 1
    ) AS n ON TRUE
    WINDOW by_year AS (PARTITION BY y.oktmo, y.year ORDER BY mo.month)
),

-- A municipality's rows take its own forms; region and service rows (oktmo null) everyone's.
coverage AS (
    SELECT
        f.month,
        f.oktmo,
        f.municipality_name,
        f.reports_owed,
        f.reports_received,
        f.ytd_reports_owed,
        f.ytd_reports_received
    FROM forms AS f
    UNION ALL
    SELECT
        mo.month,
        NULL AS oktmo,
        NULL AS municipality_name,
        coalesce(sum(f.reports_owed), 0) AS reports_owed,
        coalesce(sum(f.reports_received), 0) AS reports_received,
        coalesce(sum(f.ytd_reports_owed), 0)::bigint AS ytd_reports_owed,
        coalesce(sum(f.ytd_reports_received), 0)::bigint AS ytd_reports_received
    FROM months AS mo
    LEFT JOIN forms AS f ON mo.month = f.month
    GROUP BY mo.month
),

scoped AS (
    SELECT
        c.month,
        'municipality_service' AS scope_type,
        c.oktmo,
        c.service_code,
        c.service_name,
        c.service_level,
        c.n_epgu_online::bigint AS n_online,
        c.n_epgu::bigint AS n_epgu,
        c.n_mfc::bigint AS n_mfc,
        c.n_omsu_direct::bigint AS n_omsu,
        c.n_total::bigint AS n_total
    FROM counts AS c
    UNION ALL
    -- A municipality's own figure: the municipal МСЗУ addressed to it (methodology.md, I1).
    SELECT
        f.month,
        'municipality' AS scope_type,
        f.oktmo,
        NULL AS service_code,
        NULL AS service_name,
        NULL AS service_level,
        coalesce(sum(c.n_epgu_online), 0) AS n_online,
        coalesce(sum(c.n_epgu), 0) AS n_epgu,
        coalesce(sum(c.n_mfc), 0) AS n_mfc,
        coalesce(sum(c.n_omsu_direct), 0) AS n_omsu,
        coalesce(sum(c.n_total), 0) AS n_total
    FROM forms AS f
    LEFT JOIN counts AS c
        ON f.month = c.month AND f.oktmo = c.oktmo AND c.service_level = 'municipal'
    WHERE f.is_municipality_scope
    GROUP BY f.month, f.oktmo
    UNION ALL
    SELECT
        c.month,
        'service' AS scope_type,
        NULL AS oktmo,
        c.service_code,
        c.service_name,
        c.service_level,
        sum(c.n_epgu_online) AS n_online,
        sum(c.n_epgu) AS n_epgu,
        sum(c.n_mfc) AS n_mfc,
        sum(c.n_omsu_direct) AS n_omsu,
        sum(c.n_total) AS n_total
    FROM counts AS c
    GROUP BY c.month, c.service_code, c.service_name, c.service_level
    UNION ALL
    -- The region counts every МСЗУ, regional and municipal, in every month.
    SELECT
        mo.month,
        'region' AS scope_type,
        NULL AS oktmo,
        NULL AS service_code,
        NULL AS service_name,
        NULL AS service_level,
        coalesce(sum(c.n_epgu_online), 0) AS n_online,
        coalesce(sum(c.n_epgu), 0) AS n_epgu,
        coalesce(sum(c.n_mfc), 0) AS n_mfc,
        coalesce(sum(c.n_omsu_direct), 0) AS n_omsu,
        coalesce(sum(c.n_total), 0) AS n_total
    FROM months AS mo
    LEFT JOIN counts AS c ON mo.month = c.month
    GROUP BY mo.month
)

-- Shares are exact (numeric) ratios of sums; round only for display (methodology.md). The
-- year to date runs within the calendar year per scope. Coverage is joined on coalesce(oktmo,
-- '') so that the region's row (null OKTMO) hash-joins too.
SELECT
    s.month,
    s.scope_type,
    s.oktmo,
    cv.municipality_name,
    s.service_code,
    s.service_name,
    s.service_level,
    s.n_online,
    s.n_epgu,
    s.n_mfc,
    s.n_omsu,
    s.n_total,
    cv.reports_owed,
    cv.reports_received,
    cv.ytd_reports_owed,
    cv.ytd_reports_received,
    100 * s.n_online::numeric / nullif(s.n_total, 0) AS share_pct,
    (sum(s.n_online) OVER by_year)::bigint AS ytd_n_online,
    (sum(s.n_total) OVER by_year)::bigint AS ytd_n_total,
    100 * (sum(s.n_online) OVER by_year)::numeric / nullif(sum(s.n_total) OVER by_year, 0)
        AS ytd_share_pct,
    100 * cv.reports_received::numeric / nullif(cv.reports_owed, 0) AS coverage_pct,
    100 * cv.ytd_reports_received::numeric / nullif(cv.ytd_reports_owed, 0) AS ytd_coverage_pct
FROM scoped AS s
LEFT JOIN coverage AS cv
    ON s.month = cv.month AND coalesce(s.oktmo, '') = coalesce(cv.oktmo, '')
WINDOW by_year AS (
    PARTITION BY s.scope_type, s.oktmo, s.service_code, extract(YEAR FROM s.month)
    ORDER BY s.month
);
COMMENT ON VIEW mart.epgu_share_monthly IS
'Доля заявлений на МСЗУ через ЕПГУ без посещения (I1) по месяцам, с нарастающим итогом и '
'полнотой форм ОМСУ / ЕПГУ share of МСЗУ applications without a visit (I1) per month, with the '
'year to date and municipal form coverage; grain: month x scope (scope_type: '
'municipality_service = municipality x service, municipality = its municipal МСЗУ, '
'service = one service over the region, region = all МСЗУ)';
COMMENT ON COLUMN mart.epgu_share_monthly.month IS
'Месяц (первый день) / Month (first day)';
COMMENT ON COLUMN mart.epgu_share_monthly.scope_type IS
'Срез: municipality_service, municipality (только муниципальные МСЗУ), service, region (все '
'МСЗУ) / Scope: municipality_service, municipality (municipal МСЗУ only), service, region (all '
'МСЗУ)';
COMMENT ON COLUMN mart.epgu_share_monthly.oktmo IS
'ОКТМО муниципалитета; пусто для строк service и region / Municipality OKTMO; null on service '
'and region rows';
COMMENT ON COLUMN mart.epgu_share_monthly.municipality_name IS
'Наименование муниципалитета на конец месяца (иначе последнее) / Municipality name valid at '
'the month end (else its latest)';
COMMENT ON COLUMN mart.epgu_share_monthly.service_code IS
'Код услуги МСЗУ; пусто для строк municipality и region / МСЗУ service code; null on '
'municipality and region rows';
COMMENT ON COLUMN mart.epgu_share_monthly.service_name IS
'Наименование услуги / Service name';
COMMENT ON COLUMN mart.epgu_share_monthly.service_level IS
'Уровень услуги: regional или municipal / Service level: regional or municipal';
COMMENT ON COLUMN mart.epgu_share_monthly.n_online IS
'Заявления ЕПГУ без личного посещения (числитель I1) / ЕПГУ applications without a visit '
'(numerator of I1)';
COMMENT ON COLUMN mart.epgu_share_monthly.n_epgu IS
'Все заявления ЕПГУ / All ЕПГУ applications';
COMMENT ON COLUMN mart.epgu_share_monthly.n_mfc IS
'Заявления, принятые в МФЦ / Applications accepted at МФЦ';
COMMENT ON COLUMN mart.epgu_share_monthly.n_omsu IS
'Принято ОМСУ лично, почтой и эл. почтой (по форме ОМСУ; без формы неизвестно) / Received by '
'the municipality in person, by post or e-mail (municipal form; unknown without a form)';
COMMENT ON COLUMN mart.epgu_share_monthly.n_total IS
'Всего заявлений (знаменатель I1) = n_epgu + n_mfc + n_omsu / All applications (denominator '
'of I1) = n_epgu + n_mfc + n_omsu';
COMMENT ON COLUMN mart.epgu_share_monthly.share_pct IS
'Доля за месяц, % = n_online / n_total x 100, без округления; пусто при n_total = 0 / Month '
'share, % = n_online / n_total x 100, not rounded; null when n_total = 0';
COMMENT ON COLUMN mart.epgu_share_monthly.ytd_n_online IS
'n_online нарастающим итогом с января / n_online year to date (from January)';
COMMENT ON COLUMN mart.epgu_share_monthly.ytd_n_total IS
'n_total нарастающим итогом с января / n_total year to date (from January)';
COMMENT ON COLUMN mart.epgu_share_monthly.ytd_share_pct IS
'Доля нарастающим итогом, % = ytd_n_online / ytd_n_total x 100 (отношение сумм; с ней '
'сравниваются контрольные точки) / Year-to-date share, % (ratio of sums; the value compared '
'with the milestones)';
COMMENT ON COLUMN mart.epgu_share_monthly.reports_owed IS
'Сколько форм ОМСУ за месяц причитается (код действует на конец месяца) / Municipal forms owed '
'for the month (the code is valid on its last day)';
COMMENT ON COLUMN mart.epgu_share_monthly.reports_received IS
'Сколько из причитающихся форм загружено / Forms owed that are loaded';
COMMENT ON COLUMN mart.epgu_share_monthly.coverage_pct IS
'Полнота форм за месяц, % = reports_received / reports_owed x 100 (для муниципалитета 100 или '
'0; пусто, если форма не причитается) / Form coverage of the month, % (100 or 0 for a '
'municipality; null when nothing is owed)';
COMMENT ON COLUMN mart.epgu_share_monthly.ytd_reports_owed IS
'Причитающиеся формы нарастающим итогом с января / Forms owed year to date';
COMMENT ON COLUMN mart.epgu_share_monthly.ytd_reports_received IS
'Загруженные причитающиеся формы нарастающим итогом / Owed forms loaded, year to date';
COMMENT ON COLUMN mart.epgu_share_monthly.ytd_coverage_pct IS
'Полнота форм нарастающим итогом, % / Form coverage year to date, %';
