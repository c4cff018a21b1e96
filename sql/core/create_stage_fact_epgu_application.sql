-- Session staging table for one batch's rows of core.fact_epgu_application (dropped at commit).
CREATE TEMP TABLE stage_fact_epgu_application (LIKE core.fact_epgu_application) ON COMMIT DROP
