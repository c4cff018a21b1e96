-- Removes the calendar rows of sources the calendar file no longer lists.
DELETE FROM audit.reporting_calendar
WHERE source <> all(CAST(:sources AS text[]))
RETURNING source
