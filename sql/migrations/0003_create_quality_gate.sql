-- Data-quality gate: load batches, validation results, quarantine, and the core facts that
-- accepted rows are loaded into. A load batch is one delivery as the gate sees it: an МФЦ file,
-- an ЕКЦ day, an ОМСУ workbook, or one ЕПГУ window (its manifest and pages).

-- One row per validated delivery; rows in = loaded + quarantined + rejected, always.
CREATE TABLE audit.load_batches (
    batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL CHECK (source IN ('epgu', 'mfc', 'omsu', 'ekc')),
    batch_key text NOT NULL CHECK (batch_key <> ''),
    oktmo text CHECK (oktmo ~ '^[0-9]{8}$'),
    period_start date NOT NULL,
    period_end date NOT NULL CHECK (period_end >= period_start),
    status text NOT NULL CHECK (
        status IN ('loaded', 'partial', 'rejected', 'skipped_unchanged')
    ),
    rows_in integer NOT NULL CHECK (rows_in >= 0),
    rows_loaded integer NOT NULL CHECK (rows_loaded >= 0),
    rows_quarantined integer NOT NULL CHECK (rows_quarantined >= 0),
    rows_rejected integer NOT NULL CHECK (rows_rejected >= 0),
    volume bigint NOT NULL CHECK (volume >= 0),
    checksum_sha256 text NOT NULL CHECK (checksum_sha256 ~ '^[0-9a-f]{64}$'),
    message text NOT NULL,
    notes jsonb NOT NULL DEFAULT '[]'::jsonb,
    flow_run_id uuid,
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL CHECK (finished_at >= started_at),
    CHECK (rows_in = rows_loaded + rows_quarantined + rows_rejected),
    CHECK (status <> 'rejected' OR rows_loaded = 0 AND rows_quarantined = 0)
);
COMMENT ON TABLE audit.load_batches IS
'Пакеты загрузки (поставка глазами проверки качества) / Load batches (a delivery as the '
'quality gate sees it); grain: one validated delivery';
COMMENT ON COLUMN audit.load_batches.volume IS
'Объем для правила всплеска/провала: строки или сумма «Всего обращений» / Volume for the '
'spike/drop rule: rows, or the sum of «Всего обращений» for a municipal form';
COMMENT ON COLUMN audit.load_batches.notes IS
'Нормализации парсера (уровень info) / Parser normalisations (info findings)';
CREATE INDEX load_batches_scope_idx ON audit.load_batches (source, period_start, oktmo);

-- Which raw deliveries each batch validated; a delivery belongs to at most one batch.
CREATE TABLE audit.batch_deliveries (
    delivery_id bigint PRIMARY KEY REFERENCES raw.deliveries,
    batch_id bigint NOT NULL REFERENCES audit.load_batches
);
COMMENT ON TABLE audit.batch_deliveries IS
'Поставки, проверенные пакетом / Raw deliveries validated by a batch; grain: delivery';
CREATE INDEX batch_deliveries_batch_idx ON audit.batch_deliveries (batch_id);

-- One row per batch and expectation (suite expectation, batch rule or reconciliation check).
CREATE TABLE audit.expectation_results (
    batch_id bigint NOT NULL REFERENCES audit.load_batches,
    expectation text NOT NULL,
    suite text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('blocking', 'warning')),
    success boolean NOT NULL,
    element_count integer NOT NULL CHECK (element_count >= 0),
    unexpected_count integer NOT NULL CHECK (unexpected_count >= 0),
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (batch_id, expectation)
);
COMMENT ON TABLE audit.expectation_results IS
'Результаты проверок качества / Validation results; grain: load batch x expectation';

-- One row per input row held back from the warehouse, with where it came from and why.
CREATE TABLE audit.quarantine (
    batch_id bigint NOT NULL REFERENCES audit.load_batches,
    dataset text NOT NULL,
    source_row integer NOT NULL CHECK (source_row > 0),
    source text NOT NULL CHECK (source IN ('epgu', 'mfc', 'omsu', 'ekc')),
    delivery_id bigint NOT NULL REFERENCES raw.deliveries,
    source_file text NOT NULL,
    rule text NOT NULL,
    failed_rules text[] NOT NULL,
    column_name text,
    reason text NOT NULL,
    raw_values jsonb NOT NULL,
    PRIMARY KEY (batch_id, dataset, delivery_id, source_row)
);
COMMENT ON TABLE audit.quarantine IS
'Карантин: строки, не прошедшие проверки / Quarantine: input rows that failed a rule; '
'grain: batch x delivery x row';
COMMENT ON COLUMN audit.quarantine.rule IS
'Первое нарушенное правило / First rule the row failed (all of them in failed_rules)';

-- ЕПГУ applications: one row per application id, its latest delivered state.
CREATE TABLE core.fact_epgu_application (
    application_id text PRIMARY KEY,
    service_code text NOT NULL,
    oktmo text NOT NULL,
    submitted_at timestamptz NOT NULL,
    submitted_month date NOT NULL,
    updated_at timestamptz NOT NULL,
    status text NOT NULL,
    requires_visit boolean NOT NULL,
    load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    delivery_id bigint NOT NULL REFERENCES raw.deliveries,
    source_row integer NOT NULL
);
COMMENT ON TABLE core.fact_epgu_application IS
'Заявления ЕПГУ, последнее состояние / ЕПГУ applications, latest state; grain: application';
CREATE INDEX fact_epgu_application_month_idx
ON core.fact_epgu_application (submitted_month, oktmo, service_code);

-- МФЦ applications: one row per export day and case number (a re-delivered day replaces it).
CREATE TABLE core.fact_mfc_application (
    export_day date NOT NULL,
    case_id text NOT NULL,
    accepted_at timestamptz NOT NULL,
    accepted_month date NOT NULL,
    service_code text NOT NULL,
    oktmo text NOT NULL,
    office text,
    status text NOT NULL,
    load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    source_row integer NOT NULL,
    PRIMARY KEY (export_day, case_id)
);
COMMENT ON TABLE core.fact_mfc_application IS
'Заявления, принятые в МФЦ / Applications accepted at МФЦ; grain: export day x case number';
CREATE INDEX fact_mfc_application_month_idx
ON core.fact_mfc_application (accepted_month, oktmo, service_code);

-- Municipal form figures: one row per municipality, month and service.
CREATE TABLE core.fact_omsu_service_figures (
    oktmo text NOT NULL,
    report_month date NOT NULL,
    service_code text NOT NULL,
    total_count integer,
    via_epgu_count integer,
    via_mfc_count integer,
    in_person_count integer,
    by_post_count integer,
    load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    source_row integer NOT NULL,
    PRIMARY KEY (oktmo, report_month, service_code)
);
COMMENT ON TABLE core.fact_omsu_service_figures IS
'Показатели формы ОМСУ по услугам / Municipal form figures; grain: municipality x month x '
'service';

-- Information campaign placements: one row per municipality, month and channel.
CREATE TABLE core.fact_omsu_campaign (
    oktmo text NOT NULL,
    report_month date NOT NULL,
    channel text NOT NULL,
    placements integer,
    note text,
    load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    source_row integer NOT NULL,
    PRIMARY KEY (oktmo, report_month, channel)
);
COMMENT ON TABLE core.fact_omsu_campaign IS
'Размещения информационной кампании / Information campaign placements; grain: municipality x '
'month x channel';

-- ЕКЦ calls: one row per call (a re-fetched day replaces that day).
CREATE TABLE core.fact_ekc_call (
    call_id text PRIMARY KEY,
    call_date date NOT NULL,
    started_at timestamptz NOT NULL,
    line text NOT NULL,
    topic text NOT NULL,
    caller_oktmo text,
    is_answered boolean NOT NULL,
    wait_sec integer NOT NULL,
    talk_sec integer NOT NULL,
    outcome text NOT NULL,
    load_batch_id bigint NOT NULL REFERENCES audit.load_batches,
    source_row integer NOT NULL
);
COMMENT ON TABLE core.fact_ekc_call IS 'Звонки ЕКЦ / ЕКЦ calls; grain: call';
CREATE INDEX fact_ekc_call_date_idx ON core.fact_ekc_call (call_date);

-- BI view of the load batches (warehouse.md).
CREATE VIEW mart.load_batches AS
SELECT
    b.batch_id,
    b.source,
    b.batch_key,
    b.oktmo,
    b.period_start,
    b.period_end,
    b.status,
    b.rows_in,
    b.rows_loaded,
    b.rows_quarantined,
    b.rows_rejected,
    b.checksum_sha256 AS checksum,
    b.started_at,
    b.finished_at,
    b.message
FROM audit.load_batches AS b;
COMMENT ON VIEW mart.load_batches IS
'Пакеты загрузки: одна строка на проверенную поставку / Load batches: one row per validated '
'delivery';
COMMENT ON COLUMN mart.load_batches.batch_id IS 'Идентификатор пакета / Load batch id';
COMMENT ON COLUMN mart.load_batches.source IS
'Источник: epgu, mfc, omsu, ekc / Source key: epgu, mfc, omsu, ekc';
COMMENT ON COLUMN mart.load_batches.batch_key IS
'Поставка: файл, день или окно выгрузки / Delivery: file, export day or API window';
COMMENT ON COLUMN mart.load_batches.oktmo IS
'ОКТМО муниципалитета (для формы ОМСУ) / Municipality OKTMO (municipal forms only)';
COMMENT ON COLUMN mart.load_batches.period_start IS
'Начало периода поставки / First day of the delivery period';
COMMENT ON COLUMN mart.load_batches.period_end IS
'Конец периода поставки / Last day of the delivery period';
COMMENT ON COLUMN mart.load_batches.status IS
'loaded / partial (часть строк в карантине) / rejected / skipped_unchanged — '
'loaded / partial (some rows quarantined) / rejected / skipped_unchanged';
COMMENT ON COLUMN mart.load_batches.rows_in IS 'Строк на входе / Input rows';
COMMENT ON COLUMN mart.load_batches.rows_loaded IS 'Строк загружено / Rows loaded';
COMMENT ON COLUMN mart.load_batches.rows_quarantined IS
'Строк в карантине / Rows quarantined';
COMMENT ON COLUMN mart.load_batches.rows_rejected IS
'Строк отклоненного пакета / Rows of a rejected batch';
COMMENT ON COLUMN mart.load_batches.checksum IS
'SHA-256 поставки / SHA-256 of the delivery';
COMMENT ON COLUMN mart.load_batches.started_at IS 'Начало проверки / Validation started';
COMMENT ON COLUMN mart.load_batches.finished_at IS 'Конец загрузки / Load finished';
COMMENT ON COLUMN mart.load_batches.message IS
'Итог и главные причины / Outcome and top reasons';

-- BI view of the validation results (warehouse.md).
CREATE VIEW mart.data_quality AS
SELECT
    r.batch_id,
    b.source,
    b.period_start,
    r.suite,
    r.expectation,
    r.severity,
    r.success,
    r.element_count,
    r.unexpected_count,
    r.details
FROM audit.expectation_results AS r
INNER JOIN audit.load_batches AS b ON r.batch_id = b.batch_id;
COMMENT ON VIEW mart.data_quality IS
'Результаты проверок качества: пакет x ожидание / Validation results: load batch x expectation';
COMMENT ON COLUMN mart.data_quality.batch_id IS 'Идентификатор пакета / Load batch id';
COMMENT ON COLUMN mart.data_quality.source IS 'Источник / Source key';
COMMENT ON COLUMN mart.data_quality.period_start IS
'Начало периода поставки / First day of the delivery period';
COMMENT ON COLUMN mart.data_quality.suite IS
'Набор ожиданий (файл в expectations/) / Expectation suite (file in expectations/)';
COMMENT ON COLUMN mart.data_quality.expectation IS
'Имя правила / Rule name';
COMMENT ON COLUMN mart.data_quality.severity IS
'blocking (пакет отклоняется) / warning (пакет загружается) — '
'blocking (batch rejected) / warning (batch loads)';
COMMENT ON COLUMN mart.data_quality.success IS 'Проверка пройдена / Check passed';
COMMENT ON COLUMN mart.data_quality.element_count IS 'Проверено строк / Rows checked';
COMMENT ON COLUMN mart.data_quality.unexpected_count IS
'Строк с нарушением / Rows that failed';
COMMENT ON COLUMN mart.data_quality.details IS
'Подробности: примеры, оба числа сверки / Details: examples, both figures of a reconciliation';
