"""Behaviour of the plan-schedule reader: schema checks mapped to file lines."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from egov.errors import ReferenceFileError
from egov.paths import REFERENCE_DIR
from egov.reference.plan_schedule import read_plan_schedule

PLAN = (REFERENCE_DIR / "plan_schedules" / "2023.1.yaml").read_text(encoding="utf-8")


def _plan_file(tmp_path: Path, text: str, name: str = "2023.1.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_plan_has_the_orders_municipal_milestones() -> None:
    plan = read_plan_schedule(REFERENCE_DIR / "plan_schedules" / "2023.1.yaml", "2023.1.yaml")
    assert plan.version == "2023.1"  # a string, not the float 2023.1
    indicator = plan.indicators["epgu_share"]
    assert indicator.baseline.value == "measured"
    assert [(m.scope, str(m.date), m.target_pct) for m in indicator.milestones] == [
        ("all_municipalities", "2023-12-31", Decimal(40)),
        ("all_municipalities", "2024-12-31", Decimal(50)),
    ]


def test_comments_do_not_change_the_content_checksum(tmp_path: Path) -> None:
    original = read_plan_schedule(_plan_file(tmp_path, PLAN), "p")
    commented = read_plan_schedule(_plan_file(tmp_path, "# note\n" + PLAN), "p")
    assert original.content_sha256() == commented.content_sha256()


def test_a_bad_date_names_the_line_and_field(tmp_path: Path) -> None:
    path = _plan_file(tmp_path, PLAN.replace("date: 2023-12-31", "date: 2023-13-31"))
    with pytest.raises(ReferenceFileError) as caught:
        read_plan_schedule(path, "plan.yaml")
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "2023-13-31" in text
    )
    assert caught.value.row == line
    assert caught.value.column == "indicators.epgu_share.milestones[0].date"
    assert "2023-13-31" in str(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "column", "reason"),
    [
        (
            "target_pct: 50",
            "target_pct: 150",
            "indicators.epgu_share.milestones[1].target_pct",
            "less than or equal to 100",
        ),
        (
            "interpolation: linear",
            "interpolation: cubic",
            "indicators.epgu_share.interpolation",
            "'linear' or 'step'",
        ),
        ("effective_from: 2023-01-01", "effective_from: soon", "effective_from", "valid date"),
        ("date: 2024-12-31", "date: 2023-12-31", "indicators.epgu_share", "two milestones"),
        ("date: 2023-12-31", "date: 2022-06-30", "indicators.epgu_share", "not after the baseline"),
        (
            "unit: percent",
            "unit: percent\n    colour: red",
            "indicators.epgu_share.colour",
            "Extra inputs",
        ),
    ],
)
def test_schema_violations_name_the_field(
    tmp_path: Path, old: str, new: str, column: str, reason: str
) -> None:
    path = _plan_file(tmp_path, PLAN.replace(old, new, 1))
    with pytest.raises(ReferenceFileError) as caught:
        read_plan_schedule(path, "plan.yaml")
    assert caught.value.column == column
    assert reason in caught.value.reason
    assert caught.value.row is not None


def test_version_must_match_the_file_name(tmp_path: Path) -> None:
    path = _plan_file(tmp_path, PLAN, name="2024.1.yaml")
    with pytest.raises(ReferenceFileError, match=r"version '2023\.1' does not match the file name"):
        read_plan_schedule(path, "2024.1.yaml")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _plan_file(tmp_path, "version: '2023.1'\nindicators: [unclosed\n")
    with pytest.raises(ReferenceFileError, match="invalid YAML") as caught:
        read_plan_schedule(path, "plan.yaml")
    assert caught.value.row is not None
