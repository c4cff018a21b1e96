-- Replace one export day with the batch's rows (a re-delivered day replaces the day).
-- First the rows of the scope go (the batch's rows follow in the same transaction).
DELETE FROM core.fact_mfc_application
WHERE export_day = CAST(:period_start AS date)
