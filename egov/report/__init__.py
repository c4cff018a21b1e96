"""The indicator report: a self-contained HTML page and a markdown summary (pure functions)."""
