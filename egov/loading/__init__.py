"""Loading the warehouse: month-scoped landing, backfill planning and run summaries."""
