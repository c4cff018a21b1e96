"""The indicator report: a self-contained HTML page and a markdown summary (pure functions)."""

from egov.report.render import render_report_html, report_markdown

__all__ = ["render_report_html", "report_markdown"]
