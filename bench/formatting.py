"""Number formats of the benchmark tables: seconds, rates, ratios and shares."""

from __future__ import annotations

import math


def format_seconds(seconds: float) -> str:
    """Two decimals under 10 s, one above."""
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}"


def format_rate(value: float) -> str:
    """Rows per second with thousands separators."""
    return f"{value:,.0f}" if math.isfinite(value) else "–"


def format_ratio(value: float) -> str:
    """A fraction as a whole percentage."""
    return f"{value * 100:.0f} %" if math.isfinite(value) else "–"


def format_share(share: float) -> str:
    """A fraction as a percentage with one decimal."""
    return f"{share * 100:.1f} %" if math.isfinite(share) else "∞"
