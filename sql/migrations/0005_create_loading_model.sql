-- Loading model: the calendar dimension, the index the loader uses to find the batch in force
-- per key, and the monthly application counts that the ЕПГУ share (I1) is computed from.

-- One row per calendar day of the plan's horizon (the plan-schedules run from 2023).
CREATE TABLE core.dim_date (
    calendar_date date PRIMARY KEY,
    year smallint NOT NULL,
    quarter smallint NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    month_start date NOT NULL,
    month_no smallint NOT NULL CHECK (month_no BETWEEN 1 AND 12),
    day_of_month smallint NOT NULL CHECK (day_of_month BETWEEN 1 AND 31),
    iso_week smallint NOT NULL CHECK (iso_week BETWEEN 1 AND 53),
    iso_dow smallint NOT NULL CHECK (iso_dow BETWEEN 1 AND 7),
    is_weekend boolean NOT NULL,
    month_end date NOT NULL,
    days_in_month smallint NOT NULL CHECK (days_in_month BETWEEN 28 AND 31)
);
COMMENT ON TABLE core.dim_date IS
'Календарь 2023–2030 / Calendar 2023–2030; grain: one calendar day';
COMMENT ON COLUMN core.dim_date.calendar_date IS 'Дата / Calendar date';
COMMENT ON COLUMN core.dim_date.year IS 'Год / Year';
COMMENT ON COLUMN core.dim_date.quarter IS 'Квартал (1–4) / Quarter (1–4)';
COMMENT ON COLUMN core.dim_date.month_start IS
'Первый день месяца (ключ месячных таблиц) / First day of the month (key of monthly tables)';
COMMENT ON COLUMN core.dim_date.month_no IS 'Номер месяца (1–12) / Month number (1–12)';
COMMENT ON COLUMN core.dim_date.day_of_month IS 'День месяца / Day of the month';
COMMENT ON COLUMN core.dim_date.iso_week IS 'Неделя ISO 8601 / ISO 8601 week number';
COMMENT ON COLUMN core.dim_date.iso_dow IS
'День недели ISO (1 = понедельник) / ISO day of the week (1 = Monday)';
COMMENT ON COLUMN core.dim_date.is_weekend IS
'Суббота или воскресенье / Saturday or Sunday (public holidays are not marked)';
COMMENT ON COLUMN core.dim_date.month_end IS 'Последний день месяца / Last day of the month';
COMMENT ON COLUMN core.dim_date.days_in_month IS 'Дней в месяце / Days in the month';

INSERT INTO core.dim_date (
    calendar_date,
    year,
    quarter,
    month_start,
    month_no,
    day_of_month,
    iso_week,
    iso_dow,
    is_weekend,
    month_end,
    days_in_month
)
WITH days AS (
    SELECT g.ts::date AS day
    FROM generate_series(date '2023-01-01', date '2030-12-31', interval '1 day') AS g (ts)
)

SELECT
    d.day AS calendar_date,
    extract(YEAR FROM d.day)::smallint AS year,
    extract(QUARTER FROM d.day)::smallint AS quarter,
    date_trunc('month', d.day)::date AS month_start,
    extract(MONTH FROM d.day)::smallint AS month_no,
    extract(DAY FROM d.day)::smallint AS day_of_month,
    extract(WEEK FROM d.day)::smallint AS iso_week,
    extract(ISODOW FROM d.day)::smallint AS iso_dow,
    extract(ISODOW FROM d.day) IN (6, 7) AS is_weekend,
    (date_trunc('month', d.day) + interval '1 month' - interval '1 day')::date AS month_end,
    extract(
        DAY FROM date_trunc('month', d.day) + interval '1 month' - interval '1 day'
    )::smallint AS days_in_month
FROM days AS d;

-- The loader looks up the latest batch per (source, batch key): the batch in force.
CREATE INDEX load_batches_key_idx ON audit.load_batches (source, batch_key, batch_id);

-- Applications per month, municipality and МСЗУ service, by channel: the counts behind I1.
-- Rebuilt per month by egov/indicators/monthly_counts.py; a refresh with unchanged facts
-- rewrites no row, so the table holds no wall-clock time (max_load_batch_id is the lineage).
CREATE TABLE core.agg_application_monthly (
    month date NOT NULL CHECK (extract(DAY FROM month) = 1),
    oktmo text NOT NULL CHECK (oktmo ~ '^[0-9]{8}$'),
    service_code text NOT NULL,
    n_epgu_online integer NOT NULL CHECK (n_epgu_online >= 0),
    n_epgu integer NOT NULL CHECK (n_epgu >= n_epgu_online),
    n_mfc integer NOT NULL CHECK (n_mfc >= 0),
    n_omsu_direct integer NOT NULL CHECK (n_omsu_direct >= 0),
    n_total integer NOT NULL,
    has_omsu_report boolean NOT NULL,
    max_load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    PRIMARY KEY (month, oktmo, service_code),
    CHECK (n_total = n_epgu + n_mfc + n_omsu_direct)
);
COMMENT ON TABLE core.agg_application_monthly IS
'Обращения за МСЗУ по месяцам, муниципалитетам и услугам, по каналам (исключены дубли и '
'отозванные) / МСЗУ applications per month, municipality and service, by channel (duplicates '
'and withdrawn excluded); grain: month x municipality x service';
COMMENT ON COLUMN core.agg_application_monthly.month IS
'Месяц (первый день): подачи ЕПГУ, приема МФЦ, отчета ОМСУ / Month (first day): of ЕПГУ '
'submission, МФЦ acceptance, municipal report';
COMMENT ON COLUMN core.agg_application_monthly.oktmo IS
'ОКТМО муниципалитета, которому адресовано заявление / OKTMO of the municipality the '
'application is addressed to';
COMMENT ON COLUMN core.agg_application_monthly.service_code IS
'Код услуги из перечня МСЗУ / Service code from the МСЗУ catalogue';
COMMENT ON COLUMN core.agg_application_monthly.n_epgu_online IS
'Заявления ЕПГУ без личного посещения (числитель I1) / ЕПГУ applications without a visit '
'(numerator of I1)';
COMMENT ON COLUMN core.agg_application_monthly.n_epgu IS
'Все заявления ЕПГУ / All ЕПГУ applications';
COMMENT ON COLUMN core.agg_application_monthly.n_mfc IS
'Заявления, принятые в МФЦ / Applications accepted at МФЦ';
COMMENT ON COLUMN core.agg_application_monthly.n_omsu_direct IS
'Принято ОМСУ лично, почтой и эл. почтой (форма ОМСУ; 0 без формы) / Received by the '
'municipality in person, by post or e-mail (municipal form; 0 without a form)';
COMMENT ON COLUMN core.agg_application_monthly.n_total IS
'Всего заявлений (знаменатель I1) = n_epgu + n_mfc + n_omsu_direct / All applications '
'(denominator of I1)';
COMMENT ON COLUMN core.agg_application_monthly.has_omsu_report IS
'Форма ОМСУ за месяц загружена (иначе n_omsu_direct неизвестно, а не 0) / The municipal form '
'for the month is loaded (otherwise n_omsu_direct is unknown, not zero)';
COMMENT ON COLUMN core.agg_application_monthly.max_load_batch_id IS
'Наибольший пакет загрузки среди учтенных фактов и формы / Highest load batch among the '
'counted facts and the form (lineage)';

-- Months whose monthly counts are behind the facts: marked in the same transaction as the
-- batch that changed them, cleared in the same transaction as their refresh, so a run that
-- died between loading and the snapshot step leaves the work for the next run to find.
CREATE TABLE audit.stale_months (
    month date PRIMARY KEY CHECK (extract(DAY FROM month) = 1)
);
COMMENT ON TABLE audit.stale_months IS
'Месяцы, агрегаты которых отстают от фактов / Months whose monthly counts lag the facts; '
'grain: month';
