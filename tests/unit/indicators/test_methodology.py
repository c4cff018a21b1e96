"""Methodology settings of the share and the snapshot flow's parameters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from egov.errors import EgovError
from egov.indicators.methodology import current_methodology, load_methodology, read_methodology
from egov.paths import METHODOLOGY_DIR
from egov.sources.contract import EPGU_STATUSES
from egov.sources.mfc import STATUSES as MFC_STATUSES
from flows.snapshots import compute_snapshots, default_as_of


def test_duplicates_and_withdrawn_are_excluded_on_both_sources_and_refusals_count() -> None:
    for excluded, known in (
        (current_methodology().epgu_excluded_statuses, set(EPGU_STATUSES)),
        (current_methodology().mfc_excluded_statuses, set(MFC_STATUSES.values())),
    ):
        # Values the facts really hold, or the exclusion would silently match nothing.
        assert set(excluded) <= known
        assert set(excluded) == {"withdrawn", "duplicate"}
        assert not {"refused", "refused_at_intake"} & set(excluded)


def test_exclusions_reach_sql_as_bind_parameters() -> None:
    assert current_methodology().exclusion_params() == {
        "epgu_excluded": ["withdrawn", "duplicate"],
        "mfc_excluded": ["withdrawn", "duplicate"],
    }


@pytest.mark.parametrize("bad", ["2024-13", "2024-3", "2024/03", "March", "2024-03-01", ""])
def test_the_flow_refuses_a_bad_month_before_touching_the_warehouse(bad: str) -> None:
    # .fn runs the flow body without Prefect: the check comes before the first task.
    with pytest.raises(EgovError, match=f"month {bad!r} is not an ISO month: expected YYYY-MM"):
        compute_snapshots.fn(months=["2024-01", bad])


def test_a_final_snapshot_defaults_to_the_end_of_the_previous_month() -> None:
    assert default_as_of(date(2024, 3, 11), is_final=True) == date(2024, 2, 29)
    assert default_as_of(date(2024, 1, 11), is_final=True) == date(2023, 12, 31)
    assert default_as_of(date(2024, 3, 11), is_final=False) == date(2024, 3, 11)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SHIPPED = (METHODOLOGY_DIR / "1.0.yaml").read_text(encoding="utf-8")


def test_the_shipped_file_holds_the_working_definition() -> None:
    methodology = load_methodology("1.0")
    assert methodology.epgu_share.min_denominator == 30
    assert methodology.status_thresholds.on_track == 0.95
    assert methodology.status_thresholds.at_risk == 0.6
    assert methodology.ekc_load.cumulative_from == date(2023, 8, 1)
    # The hash is of the rules, so a comment does not change it.
    assert len(methodology.content_sha256) == 64


def test_a_comment_is_not_a_change_but_a_rule_is(tmp_path: Path) -> None:
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
    base = read_methodology(_write(tmp_path, "1.0.yaml", SHIPPED))
    commented = read_methodology(_write(tmp_path / "x", "1.0.yaml", "# note\n" + SHIPPED))
    assert commented.content_sha256 == base.content_sha256
    changed = read_methodology(
        _write(
            tmp_path / "y",
            "1.0.yaml",
            SHIPPED.replace("min_denominator: 30", "min_denominator: 50"),
        )
    )
    assert changed.content_sha256 != base.content_sha256


def test_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    bad = SHIPPED.replace("at_risk: 0.6", "at_risk: 0.99")
    with pytest.raises(EgovError, match=r"1\.0\.yaml.*on_track >= at_risk >= off_track"):
        read_methodology(_write(tmp_path, "1.0.yaml", bad))
    typo = SHIPPED.replace("min_denominator: 30", "min_denominator: thirty")
    with pytest.raises(EgovError, match=r"line \d+, field 'epgu_share.min_denominator'"):
        read_methodology(_write(tmp_path, "1.0.yaml", typo))


def test_the_file_name_must_be_its_version(tmp_path: Path) -> None:
    with pytest.raises(EgovError, match=r"version '1.0' must match the file name \(2\.0\.yaml\)"):
        read_methodology(_write(tmp_path, "2.0.yaml", SHIPPED))


def test_an_unknown_version_lists_the_known_ones(tmp_path: Path) -> None:
    _write(tmp_path, "1.0.yaml", SHIPPED)
    with pytest.raises(EgovError, match=r"methodology version '9.9'.*known: 1\.0"):
        load_methodology("9.9", tmp_path)
