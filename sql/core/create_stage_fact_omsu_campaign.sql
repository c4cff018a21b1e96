-- Session staging table for one batch's rows of core.fact_omsu_campaign
-- (dropped at commit).
CREATE TEMP TABLE stage_fact_omsu_campaign (LIKE core.fact_omsu_campaign) ON COMMIT DROP
