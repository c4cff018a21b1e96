"""I2 ЕКЦ load rates and I3 campaign rows from their sums, on hand-made numbers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from egov.indicators.ekc_load import ekc_load_rows, ekc_periods
from egov.indicators.info_campaign import info_campaign_rows
from egov.indicators.methodology import current_methodology

POPULATIONS = pd.DataFrame(
    [
        {"oktmo": "25701000", "population_for_rates": 617264, "is_population_estimated": False},
        {"oktmo": "25720000", "population_for_rates": 20000, "is_population_estimated": True},
    ]
)


def _sums(**row: object) -> dict[str, object]:
    base = {
        "breakdown": "municipality",
        "line": "",
        "topic": "",
        "oktmo": "25720000",
        "calls": 50,
        "answered": 40,
        "wait_sec_sum": 1500,
        "p90_wait_sec": 90.0,
        "talk_sec_answered": 7200,
        "forwarded_to_omsu": 5,
    }
    return {**base, **row}


def test_rates_come_from_the_period_sums() -> None:
    period = ("ytd", date(2024, 1, 1), date(2024, 6, 30))
    rows = ekc_load_rows(pd.DataFrame([_sums()]), POPULATIONS, period, current_methodology())
    (row,) = rows
    assert (row["calls"], row["answered"], row["abandoned"]) == (50, 40, 10)
    assert row["answer_rate_pct"] == pytest.approx(80.0)
    assert row["avg_wait_sec"] == pytest.approx(30.0)  # over all calls
    assert row["avg_talk_sec"] == pytest.approx(180.0)  # over answered calls only
    assert row["forwarded_to_omsu_pct"] == pytest.approx(10.0)
    # 50 calls for 20,000 residents = 250 per 100,000; the population was estimated.
    assert row["calls_per_100k"] == pytest.approx(250.0)
    assert row["is_population_estimated"] is True
    assert (row["period_type"], row["period_from"]) == ("ytd", date(2024, 1, 1))


def test_no_rate_per_residents_without_a_named_municipality_or_outside_that_breakdown() -> None:
    period = ("month", date(2024, 6, 1), date(2024, 6, 30))
    sums = pd.DataFrame(
        [_sums(oktmo="-"), _sums(breakdown="line", line="117", oktmo=""), _sums(answered=0)]
    )
    unnamed, line, unanswered = ekc_load_rows(sums, POPULATIONS, period, current_methodology())
    assert unnamed["calls_per_100k"] is None and unnamed["population"] is None
    assert line["calls_per_100k"] is None
    assert unanswered["avg_talk_sec"] is None and unanswered["answer_rate_pct"] == 0.0


def test_periods_start_no_earlier_than_the_centre() -> None:
    methodology = current_methodology()
    assert ekc_periods(date(2024, 3, 15), methodology) == [
        ("month", date(2024, 3, 1), date(2024, 3, 15)),
        ("ytd", date(2024, 1, 1), date(2024, 3, 15)),
        ("cumulative", date(2023, 8, 1), date(2024, 3, 15)),
    ]
    assert ekc_periods(date(2023, 9, 30), methodology)[1] == (
        "ytd",
        date(2023, 8, 1),
        date(2023, 9, 30),
    )
    assert ekc_periods(date(2023, 7, 31), methodology) == []


def test_a_campaign_month_without_a_form_stays_null_and_channels_are_counted() -> None:
    owed = pd.DataFrame(
        [
            {
                "month": date(2024, 1, 1),
                "oktmo": "25701000",
                "reported": True,
                "official_site": 3,
                "info_stands": 0,
                "social_networks": 5,
                "messengers": None,  # an empty cell: not counted, not zero
                "mass_gathering_places": 1,
                "publications": 2,
            },
            {
                "month": date(2024, 2, 1),
                "oktmo": "25701000",
                "reported": False,
                "official_site": None,
                "info_stands": None,
                "social_networks": None,
                "messengers": None,
                "mass_gathering_places": None,
                "publications": None,
            },
        ]
    )
    january, february = info_campaign_rows(owed)
    assert january["placements_total"] == 9
    assert january["channels_covered"] == 3
    assert january["publications"] == 2
    assert january["messengers"] is None
    assert february["reported"] is False
    assert february["placements_total"] is None and february["channels_covered"] is None
