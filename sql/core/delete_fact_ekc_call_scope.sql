-- Replace one call day (the last two days are re-fetched while they still grow).
-- First the rows of the scope go (the batch's rows follow in the same transaction).
DELETE FROM core.fact_ekc_call
WHERE call_date = CAST(:period_start AS date)
