-- Session staging table for one batch's rows of core.fact_mfc_application
-- (dropped at commit).
CREATE TEMP TABLE stage_fact_mfc_application (LIKE core.fact_mfc_application) ON COMMIT DROP
