-- BI marts (warehouse.md): the monthly ЕПГУ share with its roll-ups, the daily ЕКЦ calls, the
-- monthly information campaign; and bi_reader, the role BI tools read the mart schema with.
-- The views compute from core on every query (no refresh step to forget); each is a few
-- hundred thousand rows at most.

-- mart.epgu_share_monthly: I1 per month and scope, with the year to date (methodology.md).
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

-- mart.ekc_calls_daily: I2 per call day, line, topic and the caller's municipality.
CREATE VIEW mart.ekc_calls_daily AS
WITH daily AS (
    SELECT
        c.call_date,
        c.line,
        c.topic,
        c.caller_oktmo AS oktmo,
        count(*) AS calls,
        count(*) FILTER (WHERE c.is_answered) AS answered,
        count(*) FILTER (WHERE NOT c.is_answered) AS abandoned,
        100 * (count(*) FILTER (WHERE c.is_answered))::numeric / count(*) AS answer_rate_pct,
        avg(c.wait_sec) AS avg_wait_sec,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY c.wait_sec) AS p90_wait_sec,
        -- An abandoned call has no talk: its zero would understate the average talk.
        avg(c.talk_sec) FILTER (WHERE c.is_answered) AS avg_talk_sec,
        count(*) FILTER (WHERE c.outcome = 'forwarded_to_omsu') AS forwarded_to_omsu
    FROM core.fact_ekc_call AS c
    GROUP BY c.call_date, c.line, c.topic, c.caller_oktmo
),

-- Named once per day and municipality, not per group: the version valid that day, else the
-- code's latest version. Both CTEs read the facts themselves, so that each is referenced once
-- and PostgreSQL pushes a BI tool's date filter down into them.
callers AS (
    SELECT
        k.call_date,
        k.oktmo,
        n.name AS municipality_name
    FROM (
        SELECT DISTINCT
            c.call_date,
            c.caller_oktmo AS oktmo
        FROM core.fact_ekc_call AS c
    ) AS k
    CROSS JOIN LATERAL (
        SELECT m.name
        FROM core.dim_municipality AS m
        WHERE m.oktmo = k.oktmo
        ORDER BY
            k.call_date >= m.valid_from AND (m.valid_to IS NULL OR k.call_date <= m.valid_to)
            DESC,
            m.valid_from DESC
        LIMIT 1
    ) AS n
)

SELECT
    d.call_date,
    d.line,
    d.topic,
    d.oktmo,
    cl.municipality_name,
    d.calls,
    d.answered,
    d.abandoned,
    d.answer_rate_pct,
    d.avg_wait_sec,
    d.p90_wait_sec,
    d.avg_talk_sec,
    d.forwarded_to_omsu
FROM daily AS d
LEFT JOIN callers AS cl ON d.call_date = cl.call_date AND d.oktmo = cl.oktmo;
COMMENT ON VIEW mart.ekc_calls_daily IS
'Звонки ЕКЦ (I2) по дням / ЕКЦ calls (I2) per day; grain: call date x line x IVR topic x '
'caller municipality (null = the caller named none)';
COMMENT ON COLUMN mart.ekc_calls_daily.call_date IS 'Дата звонка / Call date';
COMMENT ON COLUMN mart.ekc_calls_daily.line IS 'Линия: 117 или 122 / Line: 117 or 122';
COMMENT ON COLUMN mart.ekc_calls_daily.topic IS 'Тема IVR / IVR topic';
COMMENT ON COLUMN mart.ekc_calls_daily.oktmo IS
'ОКТМО муниципалитета звонящего; пусто, если не назван / Caller municipality OKTMO; null when '
'the caller named none';
COMMENT ON COLUMN mart.ekc_calls_daily.municipality_name IS
'Наименование муниципалитета на дату звонка (иначе последнее) / Municipality name valid on the '
'call date (else its latest)';
COMMENT ON COLUMN mart.ekc_calls_daily.calls IS 'Поступило звонков / Calls received';
COMMENT ON COLUMN mart.ekc_calls_daily.answered IS 'Отвечено звонков / Calls answered';
COMMENT ON COLUMN mart.ekc_calls_daily.abandoned IS
'Потеряно звонков (без ответа) / Calls abandoned (not answered)';
COMMENT ON COLUMN mart.ekc_calls_daily.answer_rate_pct IS
'Доля отвеченных, % = answered / calls x 100 / Answer rate, % = answered / calls x 100';
COMMENT ON COLUMN mart.ekc_calls_daily.avg_wait_sec IS
'Среднее ожидание всех звонков, с / Average wait over all calls, s';
COMMENT ON COLUMN mart.ekc_calls_daily.p90_wait_sec IS
'90-й процентиль ожидания всех звонков (непрерывный), с / 90th percentile of the wait over all '
'calls (continuous), s';
COMMENT ON COLUMN mart.ekc_calls_daily.avg_talk_sec IS
'Средняя длительность разговора отвеченных звонков, с; пусто, если ответов нет / Average talk '
'time of answered calls, s; null when none was answered';
COMMENT ON COLUMN mart.ekc_calls_daily.forwarded_to_omsu IS
'Передано в ОМСУ (outcome = forwarded_to_omsu) / Forwarded to the municipality (outcome = '
'forwarded_to_omsu)';

-- mart.info_campaign_monthly: I3 per month and municipality, reported or not.
CREATE VIEW mart.info_campaign_monthly AS
WITH reports AS (
    -- The form is loaded for a month when either of its sheets left facts.
    SELECT
        f.report_month AS month,
        f.oktmo
    FROM core.fact_omsu_service_figures AS f
    UNION
    SELECT
        c.report_month AS month,
        c.oktmo
    FROM core.fact_omsu_campaign AS c
),

-- From January 2023, when the plan-schedules and the municipal reporting start.
months AS (
    SELECT
        g.m::date AS month,
        (g.m + interval '1 month' - interval '1 day')::date AS month_end
    FROM (SELECT max(r.month)::timestamp AS last_month FROM reports AS r) AS r
    CROSS JOIN
        LATERAL generate_series(timestamp '2023-01-01', r.last_month, interval '1 month')
            AS g (m)
),

-- Every owed municipality-month (a version of the code is valid on the month's last day, as
-- in mart.source_freshness), and any loaded form that was not owed.
municipality_months AS (
    SELECT
        k.month,
        k.oktmo,
        bool_or(k.is_owed) AS is_owed,
        bool_or(k.reported) AS reported,
        (k.month + interval '1 month' - interval '1 day')::date AS month_end
    FROM (
        SELECT DISTINCT
            mo.month,
            m.oktmo,
            TRUE AS is_owed,
            FALSE AS reported
        FROM months AS mo
        INNER JOIN core.dim_municipality AS m
            ON
                mo.month_end >= m.valid_from
                AND (m.valid_to IS NULL OR mo.month_end <= m.valid_to)
        UNION ALL
        SELECT
            r.month,
            r.oktmo,
            FALSE AS is_owed,
            TRUE AS reported
        FROM reports AS r
    ) AS k
    GROUP BY k.month, k.oktmo
),

-- The five placement channels of the form (egov/sources/omsu.py CHANNELS); the publications
-- row counts articles, not placements, and is shown on its own.
placements AS (
    SELECT
        p.month,
        p.oktmo,
        sum(p.placements) FILTER (WHERE p.is_channel) AS placements_total,
        count(p.placements) FILTER (WHERE p.is_channel) AS channels_reported,
        -- Unknown, not zero, when no channel figure of the month is loaded.
        CASE
            WHEN count(p.placements) FILTER (WHERE p.is_channel) > 0
                THEN count(*) FILTER (WHERE p.is_channel AND p.placements > 0)
        END AS channels_covered,
        max(p.placements) FILTER (WHERE p.channel = 'publications') AS publications
    FROM (
        SELECT
            c.report_month AS month,
            c.oktmo,
            c.channel,
            c.placements,
            c.channel IN (
                'official_site', 'info_stands', 'social_networks', 'messengers',
                'mass_gathering_places'
            ) AS is_channel
        FROM core.fact_omsu_campaign AS c
    ) AS p
    GROUP BY p.month, p.oktmo
)

SELECT
    mm.month,
    mm.oktmo,
    n.name AS municipality_name,
    mm.reported,
    p.placements_total,
    p.channels_covered,
    p.channels_reported,
    p.publications,
    mm.is_owed
FROM municipality_months AS mm
LEFT JOIN placements AS p ON mm.month = p.month AND mm.oktmo = p.oktmo
-- The version valid at the month's end names the municipality, else the code's latest one.
LEFT JOIN LATERAL (
    SELECT m.name
    FROM core.dim_municipality AS m
    WHERE m.oktmo = mm.oktmo
    ORDER BY
        mm.month_end >= m.valid_from AND (m.valid_to IS NULL OR mm.month_end <= m.valid_to) DESC,
        m.valid_from DESC
    LIMIT 1
) AS n ON TRUE;
COMMENT ON VIEW mart.info_campaign_monthly IS
'Информационная кампания ОМСУ (I3) по месяцам / Municipal information campaign (I3) per month; '
'grain: month x municipality, every municipality-month owed from 2023-01 to the latest month '
'with a form, plus forms loaded that were not owed';
COMMENT ON COLUMN mart.info_campaign_monthly.month IS 'Месяц (первый день) / Month (first day)';
COMMENT ON COLUMN mart.info_campaign_monthly.oktmo IS 'ОКТМО муниципалитета / Municipality OKTMO';
COMMENT ON COLUMN mart.info_campaign_monthly.municipality_name IS
'Наименование муниципалитета на конец месяца (иначе последнее) / Municipality name valid at '
'the month end (else its latest)';
COMMENT ON COLUMN mart.info_campaign_monthly.reported IS
'Форма ОМСУ за месяц загружена / The municipal form for the month is loaded';
COMMENT ON COLUMN mart.info_campaign_monthly.placements_total IS
'Размещений по пяти каналам (без публикаций); пусто, если данных по каналам нет / Placements '
'over the five channels (publications excluded); null when no channel figure is loaded';
COMMENT ON COLUMN mart.info_campaign_monthly.channels_covered IS
'Каналов из пяти с размещениями > 0; пусто, если данных по каналам нет / Channels out of five '
'with placements > 0; null when no channel figure is loaded';
COMMENT ON COLUMN mart.info_campaign_monthly.channels_reported IS
'Каналов из пяти с загруженным числом размещений / Channels out of five with a loaded '
'placements figure';
COMMENT ON COLUMN mart.info_campaign_monthly.publications IS
'Публикаций о получении МСЗУ в электронном виде; пусто, если нет данных / Publications about '
'getting МСЗУ online; null when not reported';
COMMENT ON COLUMN mart.info_campaign_monthly.is_owed IS
'Муниципалитет обязан отчитаться за месяц (код действует на конец месяца) / The municipality '
'owes the month''s form (its code is valid on the month''s last day)';

-- bi_reader: what BI tools read with (warehouse.md). It is NOLOGIN: a BI tool's own login role
-- is made a member (CREATE ROLE superset LOGIN PASSWORD … IN ROLE bi_reader), so no password
-- is ever in a migration. Roles are cluster-wide and several databases on one server run this
-- script, so it is created only when missing (a DBA may create it beforehand; the migrating
-- role then needs no CREATEROLE), and a concurrent migration creating it first is no error.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bi_reader') THEN
        CREATE ROLE bi_reader NOLOGIN;
        -- Only its creator may comment on a role, so not on one a DBA made.
        COMMENT ON ROLE bi_reader IS
        'Чтение витрин mart для BI (без входа: права через членство) / Reads the mart views '
        'for BI (no login: granted to BI login roles)';
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- Only the mart: raw, core and audit (with the quarantined records) stay unreadable, because
-- bi_reader has no USAGE on them. The views read core and audit as their owner.
GRANT USAGE ON SCHEMA mart TO bi_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA mart TO bi_reader;
-- Mart views that later migrations create (as the same role) are readable without a grant each.
ALTER DEFAULT PRIVILEGES IN SCHEMA mart GRANT SELECT ON TABLES TO bi_reader;
-- PostgreSQL 15 and later already deny this; older servers let every role create in public.
REVOKE CREATE ON SCHEMA public FROM public;
