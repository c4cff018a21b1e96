-- Link a raw delivery to a batch that validated it (an ЕПГУ page re-used by a later fetch of
-- its window, or a re-processed delivery, links to each batch that read it).
-- Grain: one link.
INSERT INTO audit.batch_deliveries (delivery_id, batch_id)
VALUES (:delivery_id, :batch_id)
ON CONFLICT DO NOTHING
