-- Replace one municipality-month of form figures (a later workbook replaces the earlier one).
-- First the rows of the scope go (the batch's rows follow in the same transaction).
DELETE FROM core.fact_omsu_service_figures
WHERE oktmo = :oktmo AND report_month = CAST(:period_start AS date)
