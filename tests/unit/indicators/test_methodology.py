"""Methodology settings of the share and the snapshot flow's parameters."""

from __future__ import annotations

from datetime import date

import pytest

from egov.errors import EgovError
from egov.indicators.methodology import DEFAULT_METHODOLOGY
from egov.sources.contract import EPGU_STATUSES
from egov.sources.mfc import STATUSES as MFC_STATUSES
from flows.snapshots import compute_snapshots, default_as_of


def test_duplicates_and_withdrawn_are_excluded_on_both_sources_and_refusals_count() -> None:
    for excluded, known in (
        (DEFAULT_METHODOLOGY.epgu_excluded_statuses, set(EPGU_STATUSES)),
        (DEFAULT_METHODOLOGY.mfc_excluded_statuses, set(MFC_STATUSES.values())),
    ):
        # Values the facts really hold, or the exclusion would silently match nothing.
        assert set(excluded) <= known
        assert set(excluded) == {"withdrawn", "duplicate"}
        assert not {"refused", "refused_at_intake"} & set(excluded)


def test_exclusions_reach_sql_as_bind_parameters() -> None:
    assert DEFAULT_METHODOLOGY.exclusion_params() == {
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
