-- Link a raw delivery to the batch that validated it.
INSERT INTO audit.batch_deliveries (delivery_id, batch_id)
VALUES (:delivery_id, :batch_id)
ON CONFLICT (delivery_id) DO NOTHING
