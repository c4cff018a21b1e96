-- Replace one municipality-month of campaign placements.
-- First the rows of the scope go (the batch's rows follow in the same transaction).
DELETE FROM core.fact_omsu_campaign
WHERE oktmo = :oktmo AND report_month = CAST(:period_start AS date)
