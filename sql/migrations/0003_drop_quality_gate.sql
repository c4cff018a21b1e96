-- Reverts 0003_create_quality_gate.
DROP VIEW IF EXISTS mart.data_quality;
DROP VIEW IF EXISTS mart.load_batches;
DROP TABLE IF EXISTS core.fact_ekc_call;
DROP TABLE IF EXISTS core.fact_omsu_campaign;
DROP TABLE IF EXISTS core.fact_omsu_service_figures;
DROP TABLE IF EXISTS core.fact_mfc_application;
DROP TABLE IF EXISTS core.fact_epgu_application;
DROP TABLE IF EXISTS audit.quarantine;
DROP TABLE IF EXISTS audit.expectation_results;
DROP TABLE IF EXISTS audit.batch_deliveries;
DROP TABLE IF EXISTS audit.load_batches;
