"""The I1 share summary of a snapshot: the report data's figures, as the CLI and artifact show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from egov.report.render import render_report_html
from egov.report.summary import share_summary, share_summary_markdown, summary_rows

SAMPLE = Path(__file__).with_name("sample_report.json")


@pytest.fixture
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    loaded["region"].update(forms_owed=462, forms_received=451)
    return loaded


def test_the_summary_takes_the_report_datas_figures(data: dict[str, Any]) -> None:
    summary = share_summary(data)
    assert summary["as_of"] == "2024-11-30" and summary["snapshot_id"] == data["snapshot_id"]
    assert (summary["region_numerator"], summary["region_denominator"]) == (61234, 127306)
    assert summary["region_ytd_pct"] == 48.1 and summary["region_status"] == "at_risk"
    assert (summary["forms_received"], summary["forms_owed"]) == (451, 462)
    # The year's milestone: 2024-12-31 for a snapshot of 2024.
    assert (summary["target_date"], summary["target_pct"]) == ("2024-12-31", 50.0)
    assert summary["status_counts"] == data["status_counts"]
    assert summary["municipalities"] == 42 and summary["municipalities_without_status"] == 0


def test_rows_and_markdown_show_the_same_figures_as_the_report(data: dict[str, Any]) -> None:
    summary = share_summary(data)
    rows = dict(summary_rows(summary))
    assert rows["region, year to date"] == "48.1 %"
    assert rows["online / all applications"] == "61,234 / 127,306"
    assert rows["form coverage"] == "97.6 % (451 of 462)"
    assert rows["municipalities achieved"] == "14 of 42"
    assert rows["municipalities with no status"] == "0 of 42"
    markdown = share_summary_markdown([summary])
    assert markdown.startswith("# ЕПГУ share (I1) as of 2024-11-30\n")
    assert "| municipalities achieved | 14 of 42 |" in markdown
    html = render_report_html(data)
    assert "<strong>14</strong>" in html


def test_a_municipality_without_a_milestone_has_no_status(data: dict[str, Any]) -> None:
    data["municipalities"].append({"oktmo": "25799000", "name": "Новое МО", "status": None})
    summary = share_summary(data)
    assert summary["municipalities"] == 43 and summary["municipalities_without_status"] == 1
    assert dict(summary_rows(summary))["municipalities with no status"] == "1 of 43"


def test_several_snapshots_make_one_column_each(data: dict[str, Any]) -> None:
    earlier = {**data, "as_of": "2023-12-31", "snapshot_id": 1}
    markdown = share_summary_markdown([share_summary(earlier), share_summary(data)])
    assert "| | 2023-12-31 | 2024-11-30 |" in markdown
    # The 2023 snapshot is judged against the 2023 milestone.
    assert "40.0 % by 2023-12-31 | 50.0 % by 2024-12-31 |" in markdown
