-- Reverts 0006_create_marts. The role bi_reader itself stays: roles are cluster-wide, and other
-- databases on the same server (another warehouse, parallel test databases) may still grant it
-- their marts. Only this database's grants and default privileges go. REVOKE CREATE ON SCHEMA
-- public is not undone: it is PostgreSQL's own default since version 15.
DO $$
BEGIN
    -- Someone may have dropped the role by hand (after revoking its grants everywhere).
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bi_reader') THEN
        ALTER DEFAULT PRIVILEGES IN SCHEMA mart REVOKE SELECT ON TABLES FROM bi_reader;
        REVOKE SELECT ON ALL TABLES IN SCHEMA mart FROM bi_reader;
        REVOKE USAGE ON SCHEMA mart FROM bi_reader;
    END IF;
END
$$;
DROP VIEW IF EXISTS mart.info_campaign_monthly;
DROP VIEW IF EXISTS mart.ekc_calls_daily;
DROP VIEW IF EXISTS mart.epgu_share_monthly;
