-- Indicator snapshots: reproducible results of the indicators as of a date, stamped with the
-- methodology and plan versions and the load batches they were computed from. Rows are never
-- updated: a snapshot after a source correction is a new snapshot, and the old one stays.

-- Methodology versions the snapshots cite (methodology/<version>.yaml, as JSON).
CREATE TABLE core.methodology_version (
    methodology_version text PRIMARY KEY,
    content_sha256 text NOT NULL,
    settings jsonb NOT NULL
);
COMMENT ON TABLE core.methodology_version IS
'Версии методики расчета показателей / Methodology versions of the indicators; grain: version';

-- One row per snapshot: as-of date, versions and the fingerprint of its inputs.
CREATE TABLE core.snapshot (
    snapshot_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of_date date NOT NULL,
    methodology_version text NOT NULL REFERENCES core.methodology_version,
    plan_version text REFERENCES core.plan_schedule,
    inputs_sha256 text NOT NULL,
    rows_sha256 text NOT NULL,
    load_batch_count integer NOT NULL CHECK (load_batch_count >= 0),
    max_load_batch_id bigint,
    region_path jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE core.snapshot IS
'Срезы показателей / Indicator snapshots; grain: as-of date x versions x inputs fingerprint';
COMMENT ON COLUMN core.snapshot.inputs_sha256 IS
'Отпечаток входов: методика, план, пакеты загрузки, справочники / Fingerprint of the inputs: '
'methodology, plan, load batches, reference loads';
COMMENT ON COLUMN core.snapshot.rows_sha256 IS
'Отпечаток строк среза; пересчет с теми же входами обязан совпасть / Fingerprint of the rows; '
'a recomputation from the same inputs must match';
COMMENT ON COLUMN core.snapshot.region_path IS
'Доля по региону нарастающим итогом на конец каждого месяца и план на эту дату (для отчета) / '
'Region year-to-date share at each month end and the plan that day (for the report)';
CREATE INDEX snapshot_as_of_idx ON core.snapshot (as_of_date, snapshot_id);
-- Same date, versions and inputs = the same snapshot (PostgreSQL 14 has no NULLS NOT DISTINCT).
CREATE UNIQUE INDEX snapshot_inputs_key ON core.snapshot (
    as_of_date, methodology_version, coalesce(plan_version, ''), inputs_sha256
);

-- The load batches whose facts a snapshot counted (its lineage).
CREATE TABLE core.snapshot_load_batch (
    snapshot_id bigint NOT NULL REFERENCES core.snapshot,
    load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    PRIMARY KEY (snapshot_id, load_batch_id)
);
COMMENT ON TABLE core.snapshot_load_batch IS
'Пакеты загрузки, использованные срезом / Load batches a snapshot used; grain: snapshot x batch';

-- I1 (and any indicator with a plan) per scope: actual, plan, verdict.
CREATE TABLE core.snapshot_indicator (
    snapshot_id bigint NOT NULL REFERENCES core.snapshot,
    indicator_code text NOT NULL,
    scope_type text NOT NULL CHECK (
        scope_type IN ('region', 'municipality', 'service', 'municipality_service')
    ),
    oktmo text NOT NULL,
    service_code text NOT NULL,
    actual_pct double precision CHECK (actual_pct BETWEEN 0 AND 100),
    numerator bigint NOT NULL CHECK (numerator >= 0),
    denominator bigint NOT NULL CHECK (denominator >= numerator),
    coverage_pct double precision,
    forms_owed integer NOT NULL,
    forms_received integer NOT NULL CHECK (forms_received <= forms_owed),
    month_pct double precision,
    month_numerator bigint NOT NULL,
    month_denominator bigint NOT NULL,
    quarter_pct double precision,
    quarter_numerator bigint NOT NULL,
    quarter_denominator bigint NOT NULL,
    baseline_pct double precision,
    expected_pct double precision,
    next_milestone_date date,
    next_milestone_target_pct double precision,
    gap_pp double precision,
    attainment double precision,
    status text CHECK (
        status IN (
            'achieved', 'on_track', 'at_risk', 'off_track', 'deteriorating', 'insufficient_data'
        )
    ),
    forecast_pct double precision CHECK (forecast_pct BETWEEN 0 AND 100),
    projected_date date,
    projection_note text CHECK (
        projection_note IN ('reached', 'beyond_horizon', 'no_upward_trend', 'no_trend')
    ),
    required_pace_pp double precision,
    observed_pace_pp double precision,
    trend_months integer NOT NULL,
    rank integer CHECK (rank >= 1),
    rank_change integer,
    PRIMARY KEY (snapshot_id, indicator_code, scope_type, oktmo, service_code)
);
COMMENT ON TABLE core.snapshot_indicator IS
'Показатели среза по областям / Snapshot indicator values per scope; grain: snapshot x '
'indicator x scope (x service)';

-- I2 ЕКЦ load per period and breakdown.
CREATE TABLE core.snapshot_ekc_load (
    snapshot_id bigint NOT NULL REFERENCES core.snapshot,
    period_type text NOT NULL CHECK (period_type IN ('month', 'ytd', 'cumulative')),
    period_from date NOT NULL,
    period_to date NOT NULL,
    breakdown text NOT NULL CHECK (breakdown IN ('total', 'line', 'line_topic', 'municipality')),
    line text NOT NULL,
    topic text NOT NULL,
    oktmo text NOT NULL,
    calls bigint NOT NULL,
    answered bigint NOT NULL,
    abandoned bigint NOT NULL,
    answer_rate_pct double precision,
    avg_wait_sec double precision,
    p90_wait_sec double precision,
    avg_talk_sec double precision,
    forwarded_to_omsu bigint NOT NULL,
    forwarded_to_omsu_pct double precision,
    population integer,
    is_population_estimated boolean,
    calls_per_100k double precision,
    PRIMARY KEY (snapshot_id, period_type, breakdown, line, topic, oktmo)
);
COMMENT ON TABLE core.snapshot_ekc_load IS
'Нагрузка ЕКЦ в срезе / ЕКЦ load in a snapshot; grain: snapshot x period x breakdown x line x '
'topic x municipality ('''' = all; oktmo ''-'' = caller named none)';

-- I3 information campaign per municipality and month of the year to date.
CREATE TABLE core.snapshot_info_campaign (
    snapshot_id bigint NOT NULL REFERENCES core.snapshot,
    month date NOT NULL,
    oktmo text NOT NULL,
    reported boolean NOT NULL,
    placements_total integer,
    channels_covered integer CHECK (channels_covered BETWEEN 0 AND 5),
    publications integer,
    official_site integer,
    info_stands integer,
    social_networks integer,
    messengers integer,
    mass_gathering_places integer,
    PRIMARY KEY (snapshot_id, month, oktmo)
);
COMMENT ON TABLE core.snapshot_info_campaign IS
'Информационная кампания в срезе / Information campaign in a snapshot; grain: snapshot x month '
'x municipality';

-- Every snapshot's rows; the municipality's name is the one valid on the as-of date.
CREATE VIEW mart.indicator_snapshot_history AS
WITH current_snapshots AS (
    SELECT
        x.as_of_date,
        max(x.snapshot_id) AS current_snapshot_id
    FROM core.snapshot AS x
    GROUP BY x.as_of_date
)

-- Columns in warehouse.md's order, so calculated ones sit among plain ones.
SELECT  -- noqa: ST06
    s.as_of_date,
    r.indicator_code,
    r.scope_type,
    nullif(r.oktmo, '') AS oktmo,
    m.name AS municipality_name,
    nullif(r.service_code, '') AS service_code,
    sv.name AS service_name,
    r.actual_pct,
    r.numerator,
    r.denominator,
    r.coverage_pct,
    r.month_pct,
    r.quarter_pct,
    r.baseline_pct,
    r.expected_pct,
    r.next_milestone_date,
    r.next_milestone_target_pct,
    r.gap_pp,
    r.attainment,
    r.status,
    r.forecast_pct,
    r.projected_date,
    r.projection_note,
    r.required_pace_pp,
    r.observed_pace_pp,
    r.rank,
    r.rank_change,
    r.forms_owed,
    r.forms_received,
    s.methodology_version,
    s.plan_version,
    s.snapshot_id,
    s.load_batch_count,
    s.snapshot_id = c.current_snapshot_id AS is_current
FROM core.snapshot_indicator AS r
INNER JOIN core.snapshot AS s ON r.snapshot_id = s.snapshot_id
INNER JOIN current_snapshots AS c ON s.as_of_date = c.as_of_date
LEFT JOIN core.dim_municipality AS m
    ON
        r.oktmo = m.oktmo
        AND s.as_of_date >= m.valid_from
        AND (m.valid_to IS NULL OR s.as_of_date <= m.valid_to)
LEFT JOIN core.dim_service AS sv ON r.service_code = sv.service_code;

-- What BI reads by default: the latest snapshot of each as-of date.
CREATE VIEW mart.indicator_snapshot AS
SELECT h.*  -- noqa: AM04
FROM mart.indicator_snapshot_history AS h
WHERE h.is_current;

-- The snapshots themselves: versions, inputs and row counts.
CREATE VIEW mart.snapshots AS
SELECT
    s.snapshot_id,
    s.as_of_date,
    s.methodology_version,
    s.plan_version,
    s.load_batch_count,
    s.max_load_batch_id,
    s.inputs_sha256,
    s.rows_sha256,
    s.created_at,
    s.snapshot_id = (
        SELECT max(x.snapshot_id) FROM core.snapshot AS x
        WHERE x.as_of_date = s.as_of_date
    ) AS is_current
FROM core.snapshot AS s;

COMMENT ON VIEW mart.indicator_snapshot_history IS
'Все срезы показателей, включая замененные более поздними / Every indicator snapshot, including '
'those superseded by later ones; grain: snapshot x indicator x scope (x service)';
COMMENT ON VIEW mart.indicator_snapshot IS
'Срез показателей на дату: последний срез каждой даты / Indicator snapshot per as-of date: the '
'latest snapshot of each date; grain: as-of date x indicator x scope (x service)';
COMMENT ON VIEW mart.snapshots IS
'Срезы: версии методики и плана, входы, отпечатки / Snapshots: methodology and plan versions, '
'inputs, fingerprints; grain: snapshot';
COMMENT ON COLUMN mart.indicator_snapshot_history.as_of_date IS
'Дата среза / As-of date of the snapshot';
COMMENT ON COLUMN mart.indicator_snapshot_history.indicator_code IS
'Код показателя (epgu_share) / Indicator code (epgu_share)';
COMMENT ON COLUMN mart.indicator_snapshot_history.scope_type IS
'Область: region, municipality, service, municipality_service / Scope: region, municipality, '
'service, municipality_service';
COMMENT ON COLUMN mart.indicator_snapshot_history.oktmo IS
'ОКТМО муниципалитета (пусто для региона и услуги) / Municipality OKTMO (null for the region and '
'a service)';
COMMENT ON COLUMN mart.indicator_snapshot_history.municipality_name IS
'Наименование муниципалитета / Municipality name';
COMMENT ON COLUMN mart.indicator_snapshot_history.service_code IS
'Код услуги МСЗУ (пусто, если область не услуга) / МСЗУ service code (null unless the scope has a'
' service)';
COMMENT ON COLUMN mart.indicator_snapshot_history.service_name IS
'Наименование услуги / Service name';
COMMENT ON COLUMN mart.indicator_snapshot_history.actual_pct IS
'Фактическое значение нарастающим итогом с начала года, % / Actual year-to-date value, %';
COMMENT ON COLUMN mart.indicator_snapshot_history.numerator IS
'Числитель: заявления ЕПГУ без посещения с начала года / Numerator: ЕПГУ applications without a '
'visit, year to date';
COMMENT ON COLUMN mart.indicator_snapshot_history.denominator IS
'Знаменатель: все заявления с начала года / Denominator: all applications, year to date';
COMMENT ON COLUMN mart.indicator_snapshot_history.coverage_pct IS
'Полнота: получено форм ОМСУ из ожидаемых, % / Coverage: municipal forms received of those owed, %';
COMMENT ON COLUMN mart.indicator_snapshot_history.month_pct IS
'Значение за месяц даты среза, % / Value of the as-of month, %';
COMMENT ON COLUMN mart.indicator_snapshot_history.quarter_pct IS
'Значение с начала квартала, % / Quarter-to-date value, %';
COMMENT ON COLUMN mart.indicator_snapshot_history.baseline_pct IS
'Базовое значение плана (измеренное или заданное), % / Plan baseline (measured or given), %';
COMMENT ON COLUMN mart.indicator_snapshot_history.expected_pct IS
'Плановое значение на дату среза (интерполяция), % / Planned value on the as-of date '
'(interpolated), %';
COMMENT ON COLUMN mart.indicator_snapshot_history.next_milestone_date IS
'Дата следующей контрольной точки / Date of the next milestone';
COMMENT ON COLUMN mart.indicator_snapshot_history.next_milestone_target_pct IS
'Целевое значение следующей контрольной точки, % / Target of the next milestone, %';
COMMENT ON COLUMN mart.indicator_snapshot_history.gap_pp IS
'Отклонение от плана, п.п. (факт минус план) / Gap to the plan, p.p. (actual minus expected)';
COMMENT ON COLUMN mart.indicator_snapshot_history.attainment IS
'Достижение: (факт - база) / (план - база) / Attainment: (actual - baseline) / (expected - '
'baseline)';
COMMENT ON COLUMN mart.indicator_snapshot_history.status IS
'Статус: achieved, on_track, at_risk, off_track, deteriorating, insufficient_data / Status: '
'achieved, on_track, at_risk, off_track, deteriorating, insufficient_data';
COMMENT ON COLUMN mart.indicator_snapshot_history.forecast_pct IS
'Прогноз по взвешенному тренду на дату контрольной точки, % / Weighted-trend forecast for the '
'milestone date, %';
COMMENT ON COLUMN mart.indicator_snapshot_history.projected_date IS
'Прогнозная дата достижения цели / Projected date of reaching the target';
COMMENT ON COLUMN mart.indicator_snapshot_history.projection_note IS
'Почему нет даты: reached, beyond_horizon, no_upward_trend, no_trend / Why there is no date: '
'reached, beyond_horizon, no_upward_trend, no_trend';
COMMENT ON COLUMN mart.indicator_snapshot_history.required_pace_pp IS
'Требуемый темп, п.п. в месяц / Required pace, p.p. per month';
COMMENT ON COLUMN mart.indicator_snapshot_history.observed_pace_pp IS
'Наблюдаемый темп (наклон тренда), п.п. в месяц / Observed pace (trend slope), p.p. per month';
COMMENT ON COLUMN mart.indicator_snapshot_history.rank IS
'Место среди муниципалитетов (равные делят место; без данных - последние) / Rank among '
'municipalities (ties share; no data last)';
COMMENT ON COLUMN mart.indicator_snapshot_history.rank_change IS
'Изменение места с конца прошлого месяца (+ = выше) / Rank change since the previous month end (+'
' = up)';
COMMENT ON COLUMN mart.indicator_snapshot_history.forms_owed IS
'Ожидалось форм ОМСУ с начала года / Municipal forms owed, year to date';
COMMENT ON COLUMN mart.indicator_snapshot_history.forms_received IS
'Получено форм ОМСУ с начала года / Municipal forms received, year to date';
COMMENT ON COLUMN mart.indicator_snapshot_history.methodology_version IS
'Версия методики / Methodology version';
COMMENT ON COLUMN mart.indicator_snapshot_history.plan_version IS
'Версия плана-графика / Plan-schedule version';
COMMENT ON COLUMN mart.indicator_snapshot_history.snapshot_id IS
'Идентификатор среза / Snapshot id';
COMMENT ON COLUMN mart.indicator_snapshot_history.load_batch_count IS
'Пакетов загрузки в основе среза / Load batches the snapshot used';
COMMENT ON COLUMN mart.indicator_snapshot_history.is_current IS
'Последний срез на эту дату (более ранние сохранены) / Latest snapshot for this date (earlier '
'ones are kept)';
COMMENT ON COLUMN mart.indicator_snapshot.as_of_date IS
'Дата среза / As-of date of the snapshot';
COMMENT ON COLUMN mart.indicator_snapshot.indicator_code IS
'Код показателя (epgu_share) / Indicator code (epgu_share)';
COMMENT ON COLUMN mart.indicator_snapshot.scope_type IS
'Область: region, municipality, service, municipality_service / Scope: region, municipality, '
'service, municipality_service';
COMMENT ON COLUMN mart.indicator_snapshot.oktmo IS
'ОКТМО муниципалитета (пусто для региона и услуги) / Municipality OKTMO (null for the region and '
'a service)';
COMMENT ON COLUMN mart.indicator_snapshot.municipality_name IS
'Наименование муниципалитета / Municipality name';
COMMENT ON COLUMN mart.indicator_snapshot.service_code IS
'Код услуги МСЗУ (пусто, если область не услуга) / МСЗУ service code (null unless the scope has a'
' service)';
COMMENT ON COLUMN mart.indicator_snapshot.service_name IS
'Наименование услуги / Service name';
COMMENT ON COLUMN mart.indicator_snapshot.actual_pct IS
'Фактическое значение нарастающим итогом с начала года, % / Actual year-to-date value, %';
COMMENT ON COLUMN mart.indicator_snapshot.numerator IS
'Числитель: заявления ЕПГУ без посещения с начала года / Numerator: ЕПГУ applications without a '
'visit, year to date';
COMMENT ON COLUMN mart.indicator_snapshot.denominator IS
'Знаменатель: все заявления с начала года / Denominator: all applications, year to date';
COMMENT ON COLUMN mart.indicator_snapshot.coverage_pct IS
'Полнота: получено форм ОМСУ из ожидаемых, % / Coverage: municipal forms received of those owed, %';
COMMENT ON COLUMN mart.indicator_snapshot.month_pct IS
'Значение за месяц даты среза, % / Value of the as-of month, %';
COMMENT ON COLUMN mart.indicator_snapshot.quarter_pct IS
'Значение с начала квартала, % / Quarter-to-date value, %';
COMMENT ON COLUMN mart.indicator_snapshot.baseline_pct IS
'Базовое значение плана (измеренное или заданное), % / Plan baseline (measured or given), %';
COMMENT ON COLUMN mart.indicator_snapshot.expected_pct IS
'Плановое значение на дату среза (интерполяция), % / Planned value on the as-of date '
'(interpolated), %';
COMMENT ON COLUMN mart.indicator_snapshot.next_milestone_date IS
'Дата следующей контрольной точки / Date of the next milestone';
COMMENT ON COLUMN mart.indicator_snapshot.next_milestone_target_pct IS
'Целевое значение следующей контрольной точки, % / Target of the next milestone, %';
COMMENT ON COLUMN mart.indicator_snapshot.gap_pp IS
'Отклонение от плана, п.п. (факт минус план) / Gap to the plan, p.p. (actual minus expected)';
COMMENT ON COLUMN mart.indicator_snapshot.attainment IS
'Достижение: (факт - база) / (план - база) / Attainment: (actual - baseline) / (expected - '
'baseline)';
COMMENT ON COLUMN mart.indicator_snapshot.status IS
'Статус: achieved, on_track, at_risk, off_track, deteriorating, insufficient_data / Status: '
'achieved, on_track, at_risk, off_track, deteriorating, insufficient_data';
COMMENT ON COLUMN mart.indicator_snapshot.forecast_pct IS
'Прогноз по взвешенному тренду на дату контрольной точки, % / Weighted-trend forecast for the '
'milestone date, %';
COMMENT ON COLUMN mart.indicator_snapshot.projected_date IS
'Прогнозная дата достижения цели / Projected date of reaching the target';
COMMENT ON COLUMN mart.indicator_snapshot.projection_note IS
'Почему нет даты: reached, beyond_horizon, no_upward_trend, no_trend / Why there is no date: '
'reached, beyond_horizon, no_upward_trend, no_trend';
COMMENT ON COLUMN mart.indicator_snapshot.required_pace_pp IS
'Требуемый темп, п.п. в месяц / Required pace, p.p. per month';
COMMENT ON COLUMN mart.indicator_snapshot.observed_pace_pp IS
'Наблюдаемый темп (наклон тренда), п.п. в месяц / Observed pace (trend slope), p.p. per month';
COMMENT ON COLUMN mart.indicator_snapshot.rank IS
'Место среди муниципалитетов (равные делят место; без данных - последние) / Rank among '
'municipalities (ties share; no data last)';
COMMENT ON COLUMN mart.indicator_snapshot.rank_change IS
'Изменение места с конца прошлого месяца (+ = выше) / Rank change since the previous month end (+'
' = up)';
COMMENT ON COLUMN mart.indicator_snapshot.forms_owed IS
'Ожидалось форм ОМСУ с начала года / Municipal forms owed, year to date';
COMMENT ON COLUMN mart.indicator_snapshot.forms_received IS
'Получено форм ОМСУ с начала года / Municipal forms received, year to date';
COMMENT ON COLUMN mart.indicator_snapshot.methodology_version IS
'Версия методики / Methodology version';
COMMENT ON COLUMN mart.indicator_snapshot.plan_version IS
'Версия плана-графика / Plan-schedule version';
COMMENT ON COLUMN mart.indicator_snapshot.snapshot_id IS
'Идентификатор среза / Snapshot id';
COMMENT ON COLUMN mart.indicator_snapshot.load_batch_count IS
'Пакетов загрузки в основе среза / Load batches the snapshot used';
COMMENT ON COLUMN mart.indicator_snapshot.is_current IS
'Последний срез на эту дату (более ранние сохранены) / Latest snapshot for this date (earlier '
'ones are kept)';
COMMENT ON COLUMN mart.snapshots.snapshot_id IS
'Идентификатор среза / Snapshot id';
COMMENT ON COLUMN mart.snapshots.as_of_date IS
'Дата среза / As-of date';
COMMENT ON COLUMN mart.snapshots.methodology_version IS
'Версия методики / Methodology version';
COMMENT ON COLUMN mart.snapshots.plan_version IS
'Версия плана-графика / Plan-schedule version';
COMMENT ON COLUMN mart.snapshots.load_batch_count IS
'Пакетов загрузки в основе среза / Load batches the snapshot used';
COMMENT ON COLUMN mart.snapshots.max_load_batch_id IS
'Наибольший пакет загрузки среза / Highest load batch the snapshot used';
COMMENT ON COLUMN mart.snapshots.inputs_sha256 IS
'Отпечаток входов (методика, план, пакеты, справочники) / Fingerprint of the inputs (methodology,'
' plan, batches, reference loads)';
COMMENT ON COLUMN mart.snapshots.rows_sha256 IS
'Отпечаток строк среза / Fingerprint of the snapshot rows';
COMMENT ON COLUMN mart.snapshots.created_at IS
'Когда срез вычислен / When the snapshot was computed';
COMMENT ON COLUMN mart.snapshots.is_current IS
'Последний срез на эту дату / Latest snapshot for this date';

-- Explicit as well as by 0006's default privileges, which cover only views created by the role
-- that ran 0006.
GRANT SELECT ON mart.indicator_snapshot, mart.indicator_snapshot_history, mart.snapshots
TO bi_reader;
