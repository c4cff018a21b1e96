-- Marks a month whose monthly counts a batch has made stale (idempotent).
INSERT INTO audit.stale_months (month)
VALUES (:month)
ON CONFLICT (month) DO NOTHING
