-- Foundation schemas and the reference (dimension) tables.
-- raw: deliveries as received; core: conformed model; mart: BI views; audit: loads and checks.

CREATE SCHEMA raw;
COMMENT ON SCHEMA raw IS 'Сырые поставки источников как получены / Source deliveries as received';
CREATE SCHEMA core;
COMMENT ON SCHEMA core IS
'Согласованная модель: измерения и факты / Conformed model: dimensions and facts';
CREATE SCHEMA mart;
COMMENT ON SCHEMA mart IS 'Витрины для BI / Views for BI tools';
CREATE SCHEMA audit;
COMMENT ON SCHEMA audit IS 'Журнал загрузок и проверок / Load and check history';

-- One row per reference file load that changed the warehouse (unchanged reloads leave no row).
CREATE TABLE audit.reference_loads (
    reference_load_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset text NOT NULL CHECK (
        dataset IN ('municipalities', 'services', 'channels', 'plan_schedule')
    ),
    dataset_version text NOT NULL,
    source_file text NOT NULL,
    checksum_sha256 text NOT NULL CHECK (checksum_sha256 ~ '^[0-9a-f]{64}$'),
    rows_in integer NOT NULL CHECK (rows_in >= 0),
    rows_inserted integer NOT NULL CHECK (rows_inserted >= 0),
    rows_updated integer NOT NULL CHECK (rows_updated >= 0),
    rows_deleted integer NOT NULL CHECK (rows_deleted >= 0),
    flow_run_id uuid,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reference_loads_dataset_idx ON audit.reference_loads (dataset, reference_load_id);

-- Municipality dimension with history: one row per OKTMO code and validity interval.
CREATE TABLE core.dim_municipality (
    oktmo text NOT NULL CHECK (oktmo ~ '^[0-9]{8}$'),
    valid_from date NOT NULL,
    valid_to date CHECK (valid_to IS NULL OR valid_to > valid_from),
    name text NOT NULL CHECK (name <> ''),
    kind text NOT NULL CHECK (kind IN ('ГО', 'МР', 'МО')),
    kind_change_note text,
    admin_center text NOT NULL,
    population integer CHECK (population >= 0),
    population_year smallint,
    population_for_rates integer NOT NULL CHECK (population_for_rates > 0),
    is_population_estimated boolean NOT NULL,
    is_oktmo_verified boolean NOT NULL,
    successor_oktmo text CHECK (successor_oktmo ~ '^[0-9]{8}$'),
    reference_load_id bigint NOT NULL REFERENCES audit.reference_loads,
    PRIMARY KEY (oktmo, valid_from),
    CHECK (successor_oktmo IS NULL OR valid_to IS NOT NULL)
);

-- МСЗУ catalogue: one row per service code.
CREATE TABLE core.dim_service (
    service_code text PRIMARY KEY CHECK (service_code ~ '^[0-9]{19}$'),
    reg_list_no integer NOT NULL UNIQUE CHECK (reg_list_no > 0),
    name text NOT NULL CHECK (name <> ''),
    level text NOT NULL CHECK (level IN ('regional', 'municipal')),
    sphere text NOT NULL,
    responsible_body text NOT NULL,
    is_code_illustrative boolean NOT NULL,
    reference_load_id bigint NOT NULL REFERENCES audit.reference_loads
);

-- Application channels: one row per channel.
CREATE TABLE core.dim_channel (
    channel_code text PRIMARY KEY,
    name_ru text NOT NULL,
    is_online_without_visit boolean NOT NULL,
    source text NOT NULL CHECK (source IN ('epgu', 'mfc', 'omsu', 'ekc')),
    note text,
    reference_load_id bigint NOT NULL REFERENCES audit.reference_loads
);

-- Plan-schedule versions: one row per version (never rewritten: snapshots cite them).
CREATE TABLE core.plan_schedule (
    plan_version text PRIMARY KEY,
    set_by text NOT NULL,
    replaces text,
    effective_from date NOT NULL,
    content_sha256 text NOT NULL,
    reference_load_id bigint NOT NULL REFERENCES audit.reference_loads
);

-- Indicator settings of a plan version: one row per plan version and indicator.
CREATE TABLE core.plan_indicator (
    plan_version text NOT NULL REFERENCES core.plan_schedule,
    indicator_code text NOT NULL,
    unit text NOT NULL,
    direction text NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
    interpolation text NOT NULL CHECK (interpolation IN ('linear', 'step')),
    baseline_date date NOT NULL,
    baseline_pct numeric(7, 4) CHECK (baseline_pct BETWEEN 0 AND 100),
    is_baseline_measured boolean NOT NULL,
    PRIMARY KEY (plan_version, indicator_code),
    CHECK (is_baseline_measured = (baseline_pct IS NULL))
);

-- Milestones: one row per plan version, indicator, scope and date.
CREATE TABLE core.plan_milestone (
    plan_version text NOT NULL,
    indicator_code text NOT NULL,
    scope_type text NOT NULL CHECK (
        scope_type IN ('region', 'all_municipalities', 'municipality', 'service')
    ),
    scope_code text NOT NULL DEFAULT '',
    milestone_date date NOT NULL,
    target_pct numeric(7, 4) NOT NULL CHECK (target_pct BETWEEN 0 AND 100),
    PRIMARY KEY (plan_version, indicator_code, scope_type, scope_code, milestone_date),
    FOREIGN KEY (plan_version, indicator_code) REFERENCES core.plan_indicator,
    CHECK ((scope_type IN ('region', 'all_municipalities')) = (scope_code = ''))
);

-- Row count and order-independent content checksum of every table in the pipeline's schemas:
-- two warehouses with equal results hold identical data (used by idempotency checks).
CREATE FUNCTION audit.table_checksums()
RETURNS TABLE (table_schema text, table_name text, row_count bigint, content_md5 text)
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.table_schema::text AS s, c.table_name::text AS n
        FROM information_schema.tables AS c
        WHERE c.table_schema IN ('raw', 'core', 'mart', 'audit') AND c.table_type = 'BASE TABLE'
        ORDER BY 1, 2
    LOOP
        table_schema := t.s;
        table_name := t.n;
        EXECUTE format(
            'SELECT count(*), coalesce(md5(string_agg(r::text, chr(10) ORDER BY r::text)), '''') '
            'FROM %I.%I AS r', t.s, t.n
        ) INTO row_count, content_md5;
        RETURN NEXT;
    END LOOP;
END
$$;
