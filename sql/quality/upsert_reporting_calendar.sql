-- Inserts or updates one source's reporting calendar row; an unchanged row is left untouched.
-- Returns one row (is_inserted) only when something was written.
INSERT INTO audit.reporting_calendar AS c (
    source, cadence, is_per_municipality, first_period, time_zone,
    due_days_after, due_time, due_day_of_next_month
)
VALUES (
    :source, :cadence, :is_per_municipality, CAST(:first_period AS date), :time_zone,
    CAST(:due_days_after AS integer), CAST(:due_time AS time),
    CAST(:due_day_of_next_month AS integer)
)
ON CONFLICT (source) DO UPDATE
    SET
        cadence = excluded.cadence,
        is_per_municipality = excluded.is_per_municipality,
        first_period = excluded.first_period,
        time_zone = excluded.time_zone,
        due_days_after = excluded.due_days_after,
        due_time = excluded.due_time,
        due_day_of_next_month = excluded.due_day_of_next_month,
        updated_at = now()
    WHERE (
        c.cadence, c.is_per_municipality, c.first_period, c.time_zone,
        c.due_days_after, c.due_time, c.due_day_of_next_month
    ) IS DISTINCT FROM (
        excluded.cadence, excluded.is_per_municipality, excluded.first_period,
        excluded.time_zone, excluded.due_days_after, excluded.due_time,
        excluded.due_day_of_next_month
    )
RETURNING (xmax = 0) AS is_inserted
