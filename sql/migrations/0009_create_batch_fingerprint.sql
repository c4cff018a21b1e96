-- Re-processing from the raw store (`egov reprocess`): a delivery may be validated by several
-- batches over time, each kept in the history.
-- 1. A batch written by a re-processing records the fingerprint of its verdict (status, row
--    accounting, rule results, quarantined and accepted rows), so a second re-processing under
--    the same parser, rules and reference data finds it unchanged and writes nothing. Batches
--    of the ordinary ingest path leave it null.
-- 2. A delivery links to every batch that validated it, not only the first.
ALTER TABLE audit.load_batches ADD COLUMN verdict_sha256 text;
COMMENT ON COLUMN audit.load_batches.verdict_sha256 IS
'Отпечаток результата проверки / sha256 of the verdict a re-processing wrote (status, row '
'accounting, rule results, quarantined and accepted rows); null for ordinary loads';

ALTER TABLE audit.batch_deliveries DROP CONSTRAINT batch_deliveries_pkey;
ALTER TABLE audit.batch_deliveries ADD PRIMARY KEY (delivery_id, batch_id);
COMMENT ON TABLE audit.batch_deliveries IS
'Поставки, проверенные пакетами / Raw deliveries and the batches that validated them (the '
'first by the ingest path, later ones by re-processing); grain: delivery x batch';
