-- Serialises refreshes of one month's application counts until the current transaction ends.
SELECT
    pg_advisory_xact_lock(
        hashtextextended('agg/' || to_char(CAST(:month AS date), 'YYYY-MM'), 7301006)
    )
