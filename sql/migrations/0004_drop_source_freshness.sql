-- Reverts 0004_create_source_freshness.
DROP VIEW IF EXISTS mart.source_freshness;
DROP VIEW IF EXISTS audit.loaded_periods;
DROP FUNCTION IF EXISTS audit.reporting_due_at(audit.reporting_calendar, date);
DROP FUNCTION IF EXISTS audit.reporting_period_step(text);
DROP FUNCTION IF EXISTS audit.reporting_period_start(text, date);
DROP TABLE IF EXISTS audit.reporting_calendar;
