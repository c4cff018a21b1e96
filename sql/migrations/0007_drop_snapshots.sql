-- Undo 0007: the snapshot views and tables (snapshots are lost with them).
DROP VIEW IF EXISTS mart.indicator_snapshot;
DROP VIEW IF EXISTS mart.indicator_snapshot_history;
DROP VIEW IF EXISTS mart.snapshots;
DROP TABLE IF EXISTS core.snapshot_info_campaign;
DROP TABLE IF EXISTS core.snapshot_ekc_load;
DROP TABLE IF EXISTS core.snapshot_indicator;
DROP TABLE IF EXISTS core.snapshot_load_batch;
DROP TABLE IF EXISTS core.snapshot;
DROP TABLE IF EXISTS core.methodology_version;
