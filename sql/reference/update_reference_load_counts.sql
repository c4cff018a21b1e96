-- Stores what a reference dataset load changed.
UPDATE audit.reference_loads
SET
    rows_inserted = :rows_inserted,
    rows_updated = :rows_updated,
    rows_deleted = :rows_deleted
WHERE reference_load_id = :reference_load_id
