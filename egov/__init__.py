"""Irkutsk oblast e-government indicators: sources -> quality gate -> warehouse -> snapshots."""

__version__ = "0.1.0"
