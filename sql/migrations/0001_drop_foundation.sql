-- Reverts 0001_create_foundation: drops the foundation schemas and everything in them.
DROP SCHEMA IF EXISTS mart CASCADE;
DROP SCHEMA IF EXISTS core CASCADE;
DROP SCHEMA IF EXISTS audit CASCADE;
DROP SCHEMA IF EXISTS raw CASCADE;
