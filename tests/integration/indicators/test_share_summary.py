"""One I1 engine: the printed share summary, the HTML report and mart.indicator_snapshot agree.

The March world (conftest.py) under a plan-schedule whose milestone falls on the as-of date, so
the municipalities spread over the statuses: the `compute-snapshots` flow refreshes the counts,
takes the snapshot and returns its summary; the CLI prints it (`egov run` / `egov backfill`
print the same table); the report renders the same snapshot. Every figure is read back from
`mart.indicator_snapshot` and found in both.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cli.loading import print_share_summary
from egov.indicators.engine import STATUSES
from egov.reference.bundle import read_reference_bundle
from egov.reference.load import write_reference_bundle
from egov.report import display as fmt
from egov.report.data import report_data
from egov.report.render import render_report_html
from egov.report.summary import NO_STATUS, STATUS_LABELS
from tests.integration.helpers import warehouse_engine

pytestmark = pytest.mark.integration

AS_OF = date(2024, 4, 30)
"""After 10 April: March's forms are owed, the missing one lowers coverage (41 of 42)."""
PLAN_2024 = """\
version: "2024.1"
set_by: "test: a milestone on the as-of date"
replaces: "2023.1"
effective_from: 2024-01-01
indicators:
  epgu_share:
    unit: percent
    direction: higher_is_better
    interpolation: linear
    baseline:
      date: 2023-12-31
      value: 30
    milestones:
      - scope: all_municipalities
        date: 2024-04-30
        target_pct: 40
      - scope: all_municipalities
        date: 2024-12-31
        target_pct: 50
"""


def printed_rows(text: str) -> dict[str, str]:
    """{label: value} of the one-snapshot table rich printed (a label and a value per line)."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def mart_rows(url: str) -> list[dict[str, Any]]:
    with warehouse_engine(url) as engine, engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                sa.text(
                    "SELECT * FROM mart.indicator_snapshot WHERE as_of_date = :as_of "
                    "AND indicator_code = 'epgu_share' "
                    "AND scope_type IN ('region', 'municipality')"
                ),
                {"as_of": AS_OF},
            ).mappings()
        ]


@pytest.mark.usefixtures("prefect_harness")
def test_the_printed_summary_the_report_and_the_mart_show_the_same_figures(
    march_warehouse: str, reference_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.snapshots import compute_snapshots

    url = march_warehouse
    (reference_copy / "plan_schedules" / "2024.1.yaml").write_text(PLAN_2024, encoding="utf-8")
    with warehouse_engine(url) as engine:
        write_reference_bundle(engine, read_reference_bundle(reference_copy))

    summary = compute_snapshots(as_of=AS_OF)
    capsys.readouterr()
    print_share_summary([summary])
    printed = printed_rows(capsys.readouterr().out)
    with warehouse_engine(url) as engine:
        html = render_report_html(report_data(engine, summary["snapshot_id"]))

    rows = mart_rows(url)
    (region,) = [r for r in rows if r["scope_type"] == "region"]
    municipalities = [r for r in rows if r["scope_type"] == "municipality"]
    statuses = Counter(r["status"] for r in municipalities)
    # The same snapshot, under the plan with the milestone, with a spread of statuses.
    assert region["snapshot_id"] == summary["snapshot_id"] and region["plan_version"] == "2024.1"
    assert statuses["achieved"] and len([s for s in statuses if s]) >= 3, statuses
    of = len(municipalities)
    assert of == 42

    # The printed summary (English number style).
    share, numerator, denominator = region["actual_pct"], region["numerator"], region["denominator"]
    coverage = region["coverage_pct"]
    assert printed["region, year to date"] == f"{share:.1f} %"
    assert printed["online / all applications"] == f"{numerator:,} / {denominator:,}"
    assert printed["form coverage"] == (
        f"{coverage:.1f} % ({region['forms_received']} of {region['forms_owed']})"
    )
    assert (region["forms_received"], region["forms_owed"]) == (41, 42)
    for status in STATUSES:
        assert printed[f"municipalities {STATUS_LABELS[status]}"] == f"{statuses[status]} of {of}"
    assert printed[f"municipalities with {NO_STATUS}"] == f"{statuses[None]} of {of}"

    # The HTML report of the same snapshot (Russian number style).
    assert f'<div class="value">{fmt.pct(share)}</div>' in html
    assert f"{fmt.num(numerator)} из {fmt.num(denominator)} обращений" in html
    assert f"полнота данных {fmt.pct(coverage)}" in html
    assert f"by status, {of - statuses[None]} in all" in html
    for status in STATUSES:
        label = re.escape(fmt.status(status).label)
        found = re.search(
            label + r' <span class="muted">\([^<]*\)</span> — <strong>(\d+)</strong>', html
        )
        assert found is not None and int(found.group(1)) == statuses[status], status
