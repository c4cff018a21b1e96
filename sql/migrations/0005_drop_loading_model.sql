-- Reverts 0005_create_loading_model.
DROP TABLE IF EXISTS audit.stale_months;
DROP TABLE IF EXISTS core.agg_application_monthly;
DROP INDEX IF EXISTS audit.load_batches_key_idx;
DROP TABLE IF EXISTS core.dim_date;
