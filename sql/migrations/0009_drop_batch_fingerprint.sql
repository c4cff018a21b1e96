-- Downgrade of 0009: the batches forget their verdict fingerprints, and a delivery keeps only
-- its link to the first batch that validated it.
DELETE FROM audit.batch_deliveries AS later
WHERE EXISTS (
    SELECT 1 FROM audit.batch_deliveries AS earlier
    WHERE
        earlier.delivery_id = later.delivery_id
        AND earlier.batch_id < later.batch_id
);
ALTER TABLE audit.batch_deliveries DROP CONSTRAINT batch_deliveries_pkey;
ALTER TABLE audit.batch_deliveries ADD PRIMARY KEY (delivery_id);
COMMENT ON TABLE audit.batch_deliveries IS
'Поставки, проверенные пакетом / Raw deliveries validated by a batch; grain: delivery';

ALTER TABLE audit.load_batches DROP COLUMN verdict_sha256;
