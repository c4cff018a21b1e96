"""Reporting calendar rules: periods, due times, missing periods and overdue scopes."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from egov.quality.freshness import missing_periods, overdue, overdue_alerts, source_freshness
from egov.quality.reporting_calendar import (
    CALENDAR_PATH,
    Period,
    ReportingCalendar,
    ReportingCalendarError,
    due_at,
    expected_periods,
    load_reporting_calendar,
)

LOCAL = dt.timezone(dt.timedelta(hours=8))


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


@dataclass(frozen=True)
class Muni:
    oktmo: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    name: str = ""


def calendar(**first: str) -> ReportingCalendar:
    """A calendar like the committed one, with first periods the test chooses."""
    return ReportingCalendar.model_validate(
        {
            "time_zone": "Asia/Irkutsk",
            "sources": [
                {
                    "source": "epgu",
                    "cadence": "daily",
                    "per_municipality": "false",
                    "first_period": first.get("epgu", "2024-03-01"),
                    "due_days_after": "1",
                    "due_time": "06:00",
                },
                {
                    "source": "ekc",
                    "cadence": "daily",
                    "per_municipality": "false",
                    "first_period": first.get("ekc", "2024-03-01"),
                    "due_days_after": "2",
                    "due_time": "06:00",
                },
                {
                    "source": "mfc",
                    "cadence": "daily",
                    "per_municipality": "false",
                    "first_period": first.get("mfc", "2024-03-01"),
                    "due_days_after": "1",
                    "due_time": "06:00",
                },
                {
                    "source": "omsu",
                    "cadence": "monthly",
                    "per_municipality": "true",
                    "first_period": first.get("omsu", "2024-01-01"),
                    "due_day_of_next_month": "10",
                },
            ],
        }
    )


# --- the committed calendar ---------------------------------------------------------------


def test_the_committed_calendar_says_what_the_spec_says() -> None:
    cal = load_reporting_calendar()
    ekc, omsu, epgu = cal.entry("ekc"), cal.entry("omsu"), cal.entry("epgu")

    assert {e.source for e in cal.sources} == {"epgu", "mfc", "omsu", "ekc"}
    assert cal.time_zone == "Asia/Irkutsk"
    assert ekc.first_period == dt.date(2023, 8, 1)
    assert (ekc.cadence, ekc.due_days_after, ekc.due_time) == ("daily", 2, dt.time(6, 0))
    assert (omsu.cadence, omsu.per_municipality, omsu.due_day_of_next_month) == (
        "monthly",
        True,
        10,
    )
    assert not epgu.per_municipality
    # Asia/Irkutsk is UTC+8 all year: 06:00 local on a summer and a winter day is 22:00 UTC.
    for day in (dt.date(2024, 1, 15), dt.date(2024, 7, 15)):
        due = due_at(epgu, Period(day, day)).astimezone(dt.UTC)
        assert due == dt.datetime.combine(day, dt.time(22, 0), tzinfo=dt.UTC)


# --- due times ----------------------------------------------------------------------------


def test_a_daily_period_is_due_on_the_configured_day_and_hour() -> None:
    cal = calendar()
    day = Period(dt.date(2024, 3, 5), dt.date(2024, 3, 5))

    assert due_at(cal.entry("epgu"), day) == local(2024, 3, 6, 6, 0)
    assert due_at(cal.entry("mfc"), day) == local(2024, 3, 6, 6, 0)
    # ЕКЦ: final two days after the day.
    assert due_at(cal.entry("ekc"), day) == local(2024, 3, 7, 6, 0)


@pytest.mark.parametrize(
    ("month", "month_end", "due"),
    [
        (dt.date(2024, 2, 1), dt.date(2024, 2, 29), local(2024, 3, 11, 0, 0)),  # leap year
        (dt.date(2023, 2, 1), dt.date(2023, 2, 28), local(2023, 3, 11, 0, 0)),
        (dt.date(2024, 4, 1), dt.date(2024, 4, 30), local(2024, 5, 11, 0, 0)),
        (dt.date(2024, 12, 1), dt.date(2024, 12, 31), local(2025, 1, 11, 0, 0)),  # year end
    ],
)
def test_a_municipal_month_is_due_by_the_end_of_the_10th_of_the_next_month(
    month: dt.date, month_end: dt.date, due: dt.datetime
) -> None:
    entry = calendar(omsu="2023-01-01").entry("omsu")

    (period,) = expected_periods(entry, month, month)

    assert period == Period(month, month_end)
    assert due_at(entry, period) == due


# --- expected periods ---------------------------------------------------------------------


def test_daily_periods_cross_a_leap_month_end_one_day_each() -> None:
    mfc = calendar(mfc="2024-01-01").entry("mfc")

    periods = expected_periods(mfc, dt.date(2024, 2, 28), dt.date(2024, 3, 1))

    assert [p.start for p in periods] == [
        dt.date(2024, 2, 28),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 1),
    ]
    assert all(p.start == p.end for p in periods)


def test_monthly_periods_overlapping_a_range_are_whole_months() -> None:
    periods = expected_periods(calendar().entry("omsu"), dt.date(2024, 1, 15), dt.date(2024, 3, 1))

    assert periods == [
        Period(dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
    ]


def test_ekc_owes_nothing_before_the_contact_centre_opened() -> None:
    ekc = load_reporting_calendar().entry("ekc")

    periods = expected_periods(ekc, dt.date(2023, 7, 30), dt.date(2023, 8, 2))

    assert [p.start for p in periods] == [dt.date(2023, 8, 1), dt.date(2023, 8, 2)]
    assert expected_periods(ekc, dt.date(2023, 7, 1), dt.date(2023, 7, 31)) == []


# --- missing periods ----------------------------------------------------------------------


def test_missing_periods_are_the_due_ones_not_loaded() -> None:
    cal = calendar(epgu="2024-03-01", ekc="2024-03-01", mfc="2024-03-04", omsu="2024-02-01")
    loaded = {
        ("epgu", None, dt.date(2024, 3, 1)),
        ("epgu", None, dt.date(2024, 3, 3)),
        ("ekc", None, dt.date(2024, 3, 1)),
        ("omsu", "25701000", dt.date(2024, 2, 1)),
    }
    munis = [Muni("25701000", dt.date(2014, 1, 1)), Muni("25703000", dt.date(2014, 1, 1))]

    missing = missing_periods(cal, loaded, local(2024, 3, 4, 12, 0), munis)

    found = {(m.source, m.oktmo, m.period.start) for m in missing}
    assert found == {
        # ЕПГУ: 1 to 3 March are due (06:00 of the next day), 1 and 3 are loaded.
        ("epgu", None, dt.date(2024, 3, 2)),
        # ЕКЦ: the 1st is loaded, the 2nd was due at 06:00 today, the 3rd only on the 5th.
        ("ekc", None, dt.date(2024, 3, 2)),
        # ОМСУ February is due only from 11 March; nothing of MFC is due yet (starts the 4th).
    }
    (epgu,) = [m for m in missing if m.source == "epgu"]
    assert epgu.due_at == local(2024, 3, 3, 6, 0)


def test_a_period_is_missing_from_its_due_moment_on() -> None:
    cal = calendar(omsu="2024-02-01")
    munis = [Muni("25701000", dt.date(2014, 1, 1))]

    def omsu_missing(as_of: dt.datetime) -> list[dt.date]:
        return [
            m.period.start for m in missing_periods(cal, set(), as_of, munis) if m.source == "omsu"
        ]

    assert omsu_missing(local(2024, 3, 10, 23, 59)) == []
    assert omsu_missing(local(2024, 3, 11, 0, 0)) == [dt.date(2024, 2, 1)]
    # The same moment given in UTC counts the same.
    assert omsu_missing(local(2024, 3, 11, 0, 0).astimezone(dt.UTC)) == [dt.date(2024, 2, 1)]


def test_a_municipality_owes_the_months_that_end_while_it_exists() -> None:
    cal = calendar(omsu="2024-01-01")
    old = Muni("25608000", dt.date(2014, 1, 1), valid_to=dt.date(2024, 1, 15))
    new = Muni("25508000", dt.date(2024, 1, 16))

    missing = missing_periods(cal, set(), local(2024, 4, 1, 0, 0), [old, new])

    omsu = [(m.oktmo, m.period.start) for m in missing if m.source == "omsu"]
    # January and February are due by 1 April; March only on 11 April.
    assert omsu == [("25508000", dt.date(2024, 1, 1)), ("25508000", dt.date(2024, 2, 1))]


def test_as_of_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        missing_periods(calendar(), set(), dt.datetime(2024, 3, 4, 12, 0), [])


# --- freshness per scope ------------------------------------------------------------------


def test_a_gap_makes_the_scope_overdue_even_when_later_days_are_loaded() -> None:
    cal = calendar(mfc="2024-03-01")
    days = [1, 2, 3, 5, 6]
    loaded = {("mfc", None, dt.date(2024, 3, d)) for d in days}

    rows = source_freshness(cal, loaded, local(2024, 3, 8, 12, 0), [])

    (mfc,) = [r for r in rows if r.source == "mfc"]
    assert mfc.oktmo is None
    assert mfc.last_period_loaded == dt.date(2024, 3, 6)
    assert mfc.next_period_expected == dt.date(2024, 3, 4)
    assert mfc.expected_by == local(2024, 3, 5, 6, 0)
    assert mfc.is_overdue
    assert mfc.days_overdue == 3  # 3 days 6 hours
    assert mfc.periods_missing == 2  # the 4th and the 7th (due 06:00 on the 8th); not the 8th


def test_a_source_loaded_up_to_yesterday_is_not_overdue() -> None:
    cal = calendar(epgu="2024-03-01")
    loaded = {("epgu", None, dt.date(2024, 3, d)) for d in range(1, 8)}

    rows = source_freshness(cal, loaded, local(2024, 3, 8, 12, 0), [])

    (epgu,) = [r for r in rows if r.source == "epgu"]
    assert (epgu.next_period_expected, epgu.expected_by) == (
        dt.date(2024, 3, 8),
        local(2024, 3, 9, 6, 0),
    )
    assert (epgu.is_overdue, epgu.days_overdue, epgu.periods_missing) == (False, 0, 0)
    assert "epgu" not in {r.source for r in overdue(cal, loaded, local(2024, 3, 8, 12, 0), [])}


def test_data_loaded_ahead_of_today_moves_the_next_period_after_it() -> None:
    cal = calendar(epgu="2024-03-07")
    loaded = {("epgu", None, dt.date(2024, 3, d)) for d in range(7, 12)}

    (epgu,) = [
        r for r in source_freshness(cal, loaded, local(2024, 3, 8, 12), []) if r.source == "epgu"
    ]

    assert epgu.next_period_expected == dt.date(2024, 3, 12)


def test_only_municipalities_valid_today_are_scopes_and_each_is_judged_alone() -> None:
    cal = calendar(omsu="2024-01-01")
    irkutsk = Muni("25701000", dt.date(2014, 1, 1), name="город Иркутск")
    angarsk = Muni("25703000", dt.date(2014, 1, 1))
    gone = Muni("25608000", dt.date(2014, 1, 1), valid_to=dt.date(2024, 1, 31))
    loaded = {("omsu", "25701000", dt.date(2024, m, 1)) for m in (1, 2, 3)} | {
        ("omsu", "25703000", dt.date(2024, 1, 1))
    }
    as_of = local(2024, 4, 12, 9, 0)

    rows = {
        r.oktmo: r
        for r in source_freshness(cal, loaded, as_of, [irkutsk, angarsk, gone])
        if r.source == "omsu"
    }

    assert set(rows) == {"25701000", "25703000"}
    assert rows["25701000"].municipality_name == "город Иркутск"
    assert not rows["25701000"].is_overdue
    assert rows["25701000"].next_period_expected == dt.date(2024, 4, 1)
    assert rows["25701000"].expected_by == local(2024, 5, 11, 0, 0)
    late = rows["25703000"]
    assert (late.last_period_loaded, late.next_period_expected) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 1),
    )
    assert late.expected_by == local(2024, 3, 11, 0, 0)
    assert (late.is_overdue, late.days_overdue, late.periods_missing) == (True, 32, 2)


# --- alerts from freshness rows -----------------------------------------------------------


def _rows(
    cal: ReportingCalendar, loaded: set[Any], as_of: dt.datetime, munis: list[Muni]
) -> list[dict[str, Any]]:
    return [asdict(r) for r in source_freshness(cal, loaded, as_of, munis)]


def test_overdue_municipalities_make_one_alert_for_the_source() -> None:
    cal = calendar(epgu="2024-04-01", ekc="2024-04-01", mfc="2024-04-01", omsu="2024-03-01")
    munis = [Muni(f"257{n:02d}000", dt.date(2014, 1, 1), name=f"M{n}") for n in range(1, 6)]
    loaded: set[Any] = {("omsu", m.oktmo, dt.date(2024, 3, 1)) for m in munis[:3]}
    for source in ("epgu", "ekc", "mfc"):
        loaded |= {(source, None, dt.date(2024, 4, d)) for d in range(1, 12)}
    loaded.remove(("mfc", None, dt.date(2024, 4, 3)))

    alerts = overdue_alerts(cal, _rows(cal, loaded, local(2024, 4, 12, 9, 0), munis))

    assert [a.source for a in alerts] == ["mfc", "omsu"]
    mfc, omsu = alerts
    assert mfc.period == "2024-04-03"
    assert "1 period(s) past due" in mfc.reason and "last period loaded: 2024-04-11" in mfc.reason
    assert omsu.period == "2024-03"
    assert omsu.reason.startswith("2 of 5 municipalities have not reported")
    assert "25704000 M4 (since 2024-03)" in omsu.reason and "25705000 M5" in omsu.reason
    assert "25701000" not in omsu.reason
    assert omsu.details["oktmo"] == ["25704000", "25705000"]


def test_no_overdue_scope_means_no_alert() -> None:
    cal = calendar(epgu="2024-04-11", ekc="2024-04-11", mfc="2024-04-11", omsu="2024-04-01")
    loaded = {(s, None, dt.date(2024, 4, 11)) for s in ("epgu", "ekc", "mfc")}

    assert overdue_alerts(cal, _rows(cal, loaded, local(2024, 4, 12, 9, 0), [])) == []


# --- bad configuration --------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reporting_calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _committed_with(old: str, new: str) -> str:
    text = CALENDAR_PATH.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "field", "message", "line_text"),
    [
        (
            '    due_days_after: 1\n    due_time: "06:00"\n',
            "    due_days_after: 1\n",
            "sources[0]",
            "a daily source needs due_days_after and due_time",
            "- source: epgu",
        ),
        (
            '    due_time: "06:00"\n',
            '    due_time: "6 o\'clock"\n',
            "sources[0].due_time",
            "valid time",
            "6 o'clock",
        ),
        (
            "due_day_of_next_month: 10",
            "due_day_of_next_month: 31",
            "sources[3].due_day_of_next_month",
            "less than or equal to 28",
            "due_day_of_next_month: 31",
        ),
        (
            "time_zone: Asia/Irkutsk",
            "time_zone: Asia/Irkutsk_City",
            "time_zone",
            "unknown time zone (expected an IANA name such as Asia/Irkutsk) "
            "(got 'Asia/Irkutsk_City')",
            "Asia/Irkutsk_City",
        ),
        (
            "  - source: mfc",
            "  - source: MFC",
            "sources[2].source",
            "'epgu', 'mfc'",
            "source: MFC",
        ),
        (
            "first_period: 2023-01-01     # a month: always the 1st",
            "first_period: 2023-01-15",
            "sources[3]",
            "first_period 2023-01-15 of a monthly source is not a 1st",
            "- source: omsu",
        ),
        (
            "    per_municipality: true",
            "    per_municipality: true\n    due_hour: 9",
            "sources[3].due_hour",
            "Extra inputs are not permitted",
            "due_hour: 9",
        ),
    ],
)
def test_a_bad_calendar_names_the_file_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, message: str, line_text: str
) -> None:
    text = _committed_with(old, new)
    path = _write(tmp_path, text)

    with pytest.raises(ReportingCalendarError) as caught:
        load_reporting_calendar(path, "expectations/reporting_calendar.yaml")

    error = caught.value
    assert (error.file, error.field) == ("expectations/reporting_calendar.yaml", field)
    assert message in error.reason
    assert error.line == _line_of(text, line_text)
    assert str(error).startswith(
        f"expectations/reporting_calendar.yaml, line {error.line}, field '{field}': "
    )


def test_a_calendar_without_a_source_is_refused(tmp_path: Path) -> None:
    text = CALENDAR_PATH.read_text(encoding="utf-8")
    without_ekc = text[: text.index("  # ЕКЦ export")] + text[text.index("  # МФЦ:") :]

    with pytest.raises(ReportingCalendarError, match="no entry for source ekc"):
        load_reporting_calendar(_write(tmp_path, without_ekc))


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "time_zone: Asia/Irkutsk\nsources: [\n  - source: epgu\n")

    with pytest.raises(ReportingCalendarError, match=r"reporting_calendar.yaml, line \d+: invalid"):
        load_reporting_calendar(path)
