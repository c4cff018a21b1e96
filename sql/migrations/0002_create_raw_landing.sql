-- Raw landing manifest and per-source high-water marks.
-- The delivered bytes live in the content-addressed raw store (EGOV_RAW_DIR); this table says
-- what was delivered, when, for which period, and where its bytes are.

-- One row per delivery whose content differed from the previous delivery under the same key.
CREATE TABLE raw.deliveries (
    delivery_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL CHECK (source IN ('epgu', 'mfc', 'omsu', 'ekc')),
    delivery_key text NOT NULL CHECK (delivery_key <> ''),
    period_start date NOT NULL,
    period_end date NOT NULL CHECK (period_end >= period_start),
    checksum_sha256 text NOT NULL CHECK (checksum_sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    media_type text NOT NULL,
    blob_path text NOT NULL,
    fetched_at timestamptz NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb
);
COMMENT ON TABLE raw.deliveries IS
'Поставки источников (страница API, файл) / Source deliveries (API page, file); '
'grain: one changed delivery per key';
COMMENT ON COLUMN raw.deliveries.delivery_key IS
'Что поставлено: имя файла, день выгрузки или окно и страница API / '
'What was delivered: file name, export day, or API window and page';
COMMENT ON COLUMN raw.deliveries.blob_path IS
'Путь к байтам в хранилище сырых данных / Path of the bytes in the raw store';
CREATE INDEX deliveries_key_idx ON raw.deliveries (source, delivery_key, delivery_id);
CREATE INDEX deliveries_period_idx ON raw.deliveries (source, period_start, period_end);

-- One row per source that fetches incrementally: everything before the mark is landed.
CREATE TABLE raw.source_watermarks (
    source text PRIMARY KEY CHECK (source IN ('epgu', 'mfc', 'omsu', 'ekc')),
    high_water_mark timestamptz NOT NULL,
    advanced_at timestamptz NOT NULL
);
COMMENT ON TABLE raw.source_watermarks IS
'Отметка полноты инкрементальной выгрузки / Incremental fetch high-water mark; grain: source';
