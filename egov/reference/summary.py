"""Human-readable summaries of reference data loads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def reference_load_markdown(results: Sequence[dict[str, Any]]) -> str:
    """A markdown table with one line per dataset load result."""
    lines = [
        "# Reference data load",
        "",
        "| dataset | version | status | rows in | inserted | updated | deleted | file |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {r['dataset']} | {r['version']} | {r['status']} | {r['rows_in']} | "
        f"{r['rows_inserted']} | {r['rows_updated']} | {r['rows_deleted']} | {r['source_file']} |"
        for r in results
    ]
    return "\n".join(lines) + "\n"
