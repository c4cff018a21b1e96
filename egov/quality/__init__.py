"""Data-quality gate: suites, quarantine, reconciliation, freshness."""
