-- Session staging table for one batch's rows of core.fact_omsu_service_figures
-- (dropped at commit).
CREATE TEMP TABLE stage_fact_omsu_service_figures (LIKE core.fact_omsu_service_figures)
ON COMMIT DROP
