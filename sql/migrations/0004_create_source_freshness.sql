-- Source freshness: the reporting calendar (synced from expectations/reporting_calendar.yaml)
-- and the BI view that says, per source and scope that must report, what is loaded and what is
-- late. The rules mirror egov/quality/freshness.py; a test keeps the two in step.

-- One row per source: how often it delivers and when a period is due (the YAML is the truth).
CREATE TABLE audit.reporting_calendar (
    source text PRIMARY KEY CHECK (source IN ('epgu', 'mfc', 'omsu', 'ekc')),
    cadence text NOT NULL CHECK (cadence IN ('daily', 'monthly')),
    is_per_municipality boolean NOT NULL,
    first_period date NOT NULL,
    -- An unknown zone name fails here instead of in every query of the view.
    time_zone text NOT NULL CHECK (
        (timestamptz '2000-01-01 00:00:00+00' AT TIME ZONE time_zone) IS NOT NULL
    ),
    due_days_after integer CHECK (due_days_after BETWEEN 0 AND 31),
    due_time time,
    due_day_of_next_month integer CHECK (due_day_of_next_month BETWEEN 1 AND 28),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (
        cadence = 'daily'
        AND due_days_after IS NOT NULL
        AND due_time IS NOT NULL
        AND due_day_of_next_month IS NULL
        OR cadence = 'monthly'
        AND due_day_of_next_month IS NOT NULL
        AND due_days_after IS NULL
        AND due_time IS NULL
        AND extract(DAY FROM first_period) = 1
    )
);
COMMENT ON TABLE audit.reporting_calendar IS
'Календарь отчетности источников (из expectations/reporting_calendar.yaml) / Reporting '
'calendar of the sources (synced from expectations/reporting_calendar.yaml); grain: source';
COMMENT ON COLUMN audit.reporting_calendar.due_days_after IS
'Ежедневно: срок = день периода + N дней, в due_time / Daily: due at due_time, N days after '
'the day';
COMMENT ON COLUMN audit.reporting_calendar.due_day_of_next_month IS
'Ежемесячно: срок до конца этого дня следующего месяца / Monthly: due by the end of this day '
'of the next month';
COMMENT ON COLUMN audit.reporting_calendar.updated_at IS
'Когда строка последний раз изменилась / When the row last changed';

-- The period (a day or a month) that contains a day.
CREATE FUNCTION audit.reporting_period_start(cadence text, day date)
RETURNS date
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE cadence WHEN 'monthly' THEN date_trunc('month', day)::date ELSE day END
$$;

-- The length of one period.
CREATE FUNCTION audit.reporting_period_step(cadence text)
RETURNS interval
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE cadence WHEN 'monthly' THEN interval '1 month' ELSE interval '1 day' END
$$;

-- The moment from which a period that is not loaded is overdue (freshness.due_at).
CREATE FUNCTION audit.reporting_due_at(c audit.reporting_calendar, period_start date)
RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
    SELECT CASE c.cadence
        WHEN 'daily' THEN (period_start + c.due_days_after + c.due_time) AT TIME ZONE c.time_zone
        -- "by the 10th" is until the end of the 10th: overdue from 00:00 of the 11th
        ELSE ((period_start + interval '1 month')::date + c.due_day_of_next_month)::timestamp
        AT TIME ZONE c.time_zone
    END
$$;

-- Loaded periods per scope: a batch covers every period that starts within its dates.
CREATE VIEW audit.loaded_periods AS
SELECT DISTINCT
    b.source,
    p.period_start::date AS period_start,
    CASE WHEN c.is_per_municipality THEN b.oktmo END AS oktmo
FROM audit.load_batches AS b
INNER JOIN audit.reporting_calendar AS c ON b.source = c.source
CROSS JOIN
    LATERAL generate_series(
        audit.reporting_period_start(c.cadence, b.period_start)::timestamp,
        b.period_end::timestamp,
        audit.reporting_period_step(c.cadence)
    ) AS p (period_start)
WHERE b.status IN ('loaded', 'partial', 'skipped_unchanged');
COMMENT ON VIEW audit.loaded_periods IS
'Загруженные периоды / Loaded periods; grain: source x scope x period';

-- BI view of source freshness (warehouse.md): one row per source and scope that must report.
-- Scopes are joined on coalesce(oktmo, '') so that region-wide rows (null OKTMO) hash-join too.
CREATE VIEW mart.source_freshness AS
WITH calendar AS (
    SELECT
        c.source,
        c.cadence,
        c.is_per_municipality,
        c.first_period,
        audit.reporting_period_step(c.cadence) AS step,
        (now() AT TIME ZONE c.time_zone)::date AS local_today
    FROM audit.reporting_calendar AS c
),

scopes AS (
    SELECT
        k.source,
        NULL::text AS oktmo,
        NULL::text AS municipality_name,
        k.first_period
    FROM calendar AS k
    WHERE NOT k.is_per_municipality
    UNION ALL
    -- A municipality owes the periods that end while it exists, from its first one on.
    SELECT
        k.source,
        m.oktmo,
        m.name AS municipality_name,
        greatest(k.first_period, audit.reporting_period_start(k.cadence, m.valid_from))
            AS first_period
    FROM calendar AS k
    INNER JOIN core.dim_municipality AS m
        ON
            k.local_today >= m.valid_from
            AND (m.valid_to IS NULL OR k.local_today <= m.valid_to)
    WHERE k.is_per_municipality
),

-- Every period from the scope's first one up to the one after the current one.
periods AS (
    SELECT
        s.source,
        s.oktmo,
        p.period_start::date AS period_start
    FROM scopes AS s
    INNER JOIN calendar AS k ON s.source = k.source
    CROSS JOIN
        LATERAL generate_series(
            s.first_period::timestamp,
            (audit.reporting_period_start(k.cadence, k.local_today) + k.step)::timestamp,
            k.step
        ) AS p (period_start)
),

outstanding AS (
    SELECT
        p.source,
        p.oktmo,
        p.period_start,
        audit.reporting_due_at(c, p.period_start) AS due_at
    FROM periods AS p
    INNER JOIN audit.reporting_calendar AS c ON p.source = c.source
    LEFT JOIN audit.loaded_periods AS l
        ON
            p.source = l.source
            AND coalesce(p.oktmo, '') = coalesce(l.oktmo, '')
            AND p.period_start = l.period_start
    WHERE l.source IS NULL
),

outstanding_summary AS (
    SELECT
        o.source,
        coalesce(o.oktmo, '') AS scope_key,
        min(o.period_start) AS first_outstanding,
        count(*) FILTER (WHERE o.due_at <= now()) AS periods_missing
    FROM outstanding AS o
    GROUP BY o.source, coalesce(o.oktmo, '')
),

loaded_summary AS (
    SELECT
        l.source,
        coalesce(l.oktmo, '') AS scope_key,
        max(l.period_start) AS last_period_loaded
    FROM audit.loaded_periods AS l
    GROUP BY l.source, coalesce(l.oktmo, '')
),

expected AS (
    SELECT
        s.source,
        s.oktmo,
        s.municipality_name,
        ls.last_period_loaded,
        coalesce(os.periods_missing, 0)::integer AS periods_missing,
        -- Nothing outstanding up to the next period: the one after the last loaded is next.
        coalesce(os.first_outstanding, (ls.last_period_loaded + k.step)::date)
            AS next_period_expected
    FROM scopes AS s
    INNER JOIN calendar AS k ON s.source = k.source
    LEFT JOIN loaded_summary AS ls
        ON s.source = ls.source AND coalesce(s.oktmo, '') = ls.scope_key
    LEFT JOIN outstanding_summary AS os
        ON s.source = os.source AND coalesce(s.oktmo, '') = os.scope_key
),

deadlines AS (
    SELECT
        e.source,
        e.oktmo,
        e.municipality_name,
        e.last_period_loaded,
        e.next_period_expected,
        e.periods_missing,
        audit.reporting_due_at(c, e.next_period_expected) AS expected_by
    FROM expected AS e
    INNER JOIN audit.reporting_calendar AS c ON e.source = c.source
),

freshness AS (
    SELECT
        d.source,
        d.oktmo,
        d.municipality_name,
        d.last_period_loaded,
        d.next_period_expected,
        d.expected_by,
        d.periods_missing,
        d.expected_by <= now() AS is_overdue,
        greatest(floor(extract(EPOCH FROM now() - d.expected_by) / 86400), 0)::integer
            AS days_overdue
    FROM deadlines AS d
)

SELECT
    f.source,
    f.oktmo,
    f.municipality_name,
    f.last_period_loaded,
    f.next_period_expected,
    f.expected_by,
    f.is_overdue,
    f.days_overdue,
    f.periods_missing
FROM freshness AS f;
COMMENT ON VIEW mart.source_freshness IS
'Своевременность поставок: источник x обязанный отчитаться (регион или муниципалитет) / '
'Source freshness: source x scope that must report (region-wide, or each municipality valid '
'today for omsu); rules in expectations/reporting_calendar.yaml';
COMMENT ON COLUMN mart.source_freshness.source IS
'Источник: epgu, mfc, omsu, ekc / Source key: epgu, mfc, omsu, ekc';
COMMENT ON COLUMN mart.source_freshness.oktmo IS
'ОКТМО муниципалитета (omsu); пусто для источников по всему региону / Municipality OKTMO '
'(omsu); null for region-wide sources';
COMMENT ON COLUMN mart.source_freshness.municipality_name IS
'Наименование муниципалитета / Municipality name';
COMMENT ON COLUMN mart.source_freshness.last_period_loaded IS
'Начало последнего загруженного периода (день или месяц) / Start of the latest loaded period '
'(day or month)';
COMMENT ON COLUMN mart.source_freshness.next_period_expected IS
'Самый ранний еще не загруженный период / Earliest period not loaded yet';
COMMENT ON COLUMN mart.source_freshness.expected_by IS
'Срок поставки этого периода / When that period is due';
COMMENT ON COLUMN mart.source_freshness.is_overdue IS
'Срок прошел, а период не загружен / The period is due and not loaded';
COMMENT ON COLUMN mart.source_freshness.days_overdue IS
'Полных суток просрочки (0, если срок не прошел) / Whole days past the due time (0 when not '
'overdue)';
COMMENT ON COLUMN mart.source_freshness.periods_missing IS
'Сколько периодов с прошедшим сроком не загружено / How many periods past their due time are '
'not loaded';
