"""The simulator's calibration: online-share trajectories, seasonality, ЕКЦ volumes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from egov.paths import REFERENCE_DIR
from egov.reference.bundle import read_reference_bundle
from egov.simulator import Calibration, calibrate, from_unix, month_bounds, month_range
from egov.simulator.activity import calendar_weights, day_weights, is_working_day
from egov.simulator.demand import (
    expected_month,
    expected_ytd_online_shares,
    share_summary,
    target_online_share,
)
from egov.simulator.ekc import simulate_ekc
from egov.simulator.epgu.simulate import EPGU_INTAKE
from egov.simulator.mfc.simulate import MFC_INTAKE
from egov.sources.contract import EKC_FIRST_DAY, EKC_TOPICS, IRKUTSK

SEED = 20240321


@pytest.fixture(scope="module")
def cal() -> Calibration:
    bundle = read_reference_bundle(REFERENCE_DIR)
    return calibrate(bundle.municipalities.rows, bundle.services.rows, SEED)


def test_calibration_covers_the_reference(cal: Calibration) -> None:
    assert cal.n_municipalities == 42
    assert list(cal.oktmos) == sorted(cal.oktmos)
    assert int(cal.municipal.sum()) == 25
    assert cal.n_services == 40
    assert np.all((cal.requires_visit >= 0.10) & (cal.requires_visit <= 0.20))
    assert cal.active(2023, 1).all() and cal.active(2024, 12).all()


def test_calibration_is_a_pure_function_of_the_seed(cal: Calibration) -> None:
    bundle = read_reference_bundle(REFERENCE_DIR)
    again = calibrate(bundle.municipalities.rows, bundle.services.rows, SEED)
    other = calibrate(bundle.municipalities.rows, bundle.services.rows, SEED + 1)
    assert np.array_equal(cal.anchors, again.anchors)
    assert not np.array_equal(cal.anchors, other.anchors)


def test_online_shares_start_between_20_and_35_percent(cal: Calibration) -> None:
    january = target_online_share(cal, 2023, 1)
    assert january.min() > 0.17 and january.max() < 0.40
    assert 0.20 <= float(np.median(january)) <= 0.35


def test_year_end_shares_spread_on_both_sides_of_the_targets(cal: Calibration) -> None:
    ytd_2023 = expected_ytd_online_shares(cal, 2023)
    ytd_2024 = expected_ytd_online_shares(cal, 2024)
    reached_2023 = share_summary(ytd_2023, 0.40)
    reached_2024 = share_summary(ytd_2024, 0.50)
    assert 3 <= reached_2023["at_or_above"] <= 30
    assert 3 <= reached_2024["at_or_above"] <= 35
    assert reached_2024["at_or_above"] > reached_2023["at_or_above"]
    # one or two go backwards
    backwards = ytd_2024 < ytd_2023
    assert 1 <= int(backwards.sum()) <= 3


def test_expected_volumes_are_of_the_order_of_the_sources(cal: Calibration) -> None:
    months = [expected_month(cal, 2023, m, 1.0) for m in range(1, 13)]
    epgu_year = sum(float(e.epgu.sum()) for e in months)
    mfc_msz = sum(float(e.mfc.sum()) for e in months) / 12
    mfc_other = sum(float(e.mfc_other.sum()) for e in months) / 12
    assert 1_000_000 <= epgu_year <= 2_100_000
    assert 250_000 <= mfc_msz + mfc_other <= 350_000
    assert 0.35 <= mfc_msz / (mfc_msz + mfc_other) <= 0.45
    # regional services never reach the municipal forms
    assert np.all(months[0].omsu_in_person[:, ~cal.municipal] == 0)


def test_enrolment_spikes_in_april(cal: Calibration) -> None:
    enrolment = cal.reg_list_no.index(2)
    march = expected_month(cal, 2024, 3, 1.0)
    april = expected_month(cal, 2024, 4, 1.0)
    total = march.total_counted[:, enrolment].sum()
    assert april.total_counted[:, enrolment].sum() > 10 * total
    weights = day_weights(cal, 2024, 4, EPGU_INTAKE)
    assert np.allclose(weights.sum(axis=1), 1.0)
    assert weights[enrolment, 0] > 0.15  # 1 April alone
    assert weights[enrolment, 0] > 5 * weights[0, 0]


def test_summer_dip_and_year_end_rise(cal: Calibration) -> None:
    def total(month: int) -> float:
        return float(expected_month(cal, 2023, month, 1.0).total_counted.sum())

    assert total(7) < total(3) and total(7) < total(10)
    assert total(12) > total(11)


def test_calendar_has_the_russian_holidays() -> None:
    january = calendar_weights(2024, 1, MFC_INTAKE)
    assert np.all(january[:8] == MFC_INTAKE.holiday)
    assert is_working_day(date(2024, 4, 27))  # a working Saturday
    assert not is_working_day(date(2023, 2, 24))


def test_month_range_and_bounds() -> None:
    assert month_range("2023-11", "2024-02") == [(2023, 11), (2023, 12), (2024, 1), (2024, 2)]
    assert month_bounds(2024, 2) == (date(2024, 2, 1), date(2024, 2, 29))
    with pytest.raises(ValueError, match="after"):
        month_range("2024-02", "2024-01")


def test_ekc_totals_match_the_letter_of_21_march_2024(cal: Calibration) -> None:
    calls = simulate_ekc(cal, date(2023, 1, 1), date(2024, 3, 21), SEED)
    days = (date(2024, 3, 21) - EKC_FIRST_DAY).days + 1
    assert len(calls) > 100_000
    local_122 = (calls.line == 122) & (calls.topic == EKC_TOPICS.index("local_government"))
    assert int(local_122.sum()) > 20_000
    local_day = (calls.started_at + 8 * 3600) // 86400
    per_day = np.bincount(local_day - local_day[0])
    assert len(calls) / days == pytest.approx(520, rel=0.1)
    assert per_day.min() >= 400 and per_day.max() <= 700
    first = from_unix(int(calls.started_at[0]))
    assert first.date() == EKC_FIRST_DAY and first.tzinfo == IRKUTSK


def test_ekc_call_fields_are_consistent(cal: Calibration) -> None:
    calls = simulate_ekc(cal, date(2023, 8, 1), date(2023, 8, 31), SEED)
    assert np.all(np.diff(calls.started_at) >= 0)
    assert np.all(calls.recorded_at > calls.started_at)
    day_start = calls.started_at - (calls.started_at + 8 * 3600) % 86400
    assert np.all(calls.recorded_at < day_start + 2 * 86400)
    late = calls.recorded_at - calls.started_at > 4 * 3600
    assert 0.01 < late.mean() < 0.06
    assert 0.85 < calls.answered.mean() < 0.95
    assert np.all(calls.talk_sec[~calls.answered] == 0)
    assert np.all((calls.outcome == 3) == ~calls.answered)
    assert 0.12 < (calls.oktmo_idx == -1).mean() < 0.18
    raw = calls.call_uuid.view(np.uint8).reshape(-1, 16)
    assert np.all(raw[:, 6] >> 4 == 4) and np.all(raw[:, 8] >> 6 == 2)
    assert len({bytes(u) for u in calls.call_uuid}) == len(calls)
    local = calls.topic == EKC_TOPICS.index("local_government")
    forwarded = calls.outcome == 2
    assert forwarded[local & calls.answered].mean() > 0.4
    assert forwarded[~local & calls.answered].mean() < 0.1


def test_ekc_month_does_not_depend_on_the_period(cal: Calibration) -> None:
    short = simulate_ekc(cal, date(2024, 2, 1), date(2024, 2, 29), SEED)
    long = simulate_ekc(cal, date(2023, 8, 1), date(2024, 2, 29), SEED)
    february = long.started_at >= short.started_at[0]
    assert np.array_equal(long.started_at[february], short.started_at)
    assert simulate_ekc(cal, date(2023, 1, 1), date(2023, 7, 31), SEED).started_at.size == 0
