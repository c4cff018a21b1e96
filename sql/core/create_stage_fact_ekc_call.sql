-- Session staging table for one batch's rows of core.fact_ekc_call
-- (dropped at commit).
CREATE TEMP TABLE stage_fact_ekc_call (LIKE core.fact_ekc_call) ON COMMIT DROP
