"""The report's data: one stored snapshot read back as plain values (the renderer's input).

Everything comes from the snapshot tables (and the names valid on its as-of date), so a report
of a snapshot reads the same whenever it is rendered, even after later corrections.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from egov.errors import EgovError
from egov.indicators.engine import STATUSES
from egov.indicators.info_campaign import CAMPAIGN_CHANNELS
from egov.indicators.methodology import INDICATOR_EPGU_SHARE, load_methodology
from egov.indicators.plan import plan_vertices
from egov.indicators.snapshot import read_plan
from egov.plain import plain_records, plain_value
from egov.settings import get_settings
from egov.sources.omsu import CHANNELS
from egov.warehouse.sql import run_sql, select_frame

INDICATOR_NAME = (
    "Доля обращений за получением МСЗУ в электронном виде с использованием ЕПГУ "
    "без необходимости личного посещения"
)
FURTHEST_BEHIND = 10
CHANNEL_NAMES = {key: text for text, key in CHANNELS.items()}


def current_snapshot_id(engine: Engine, as_of: date) -> int | None:
    """The latest snapshot of the date, if one was taken."""
    with engine.connect() as conn:
        value = run_sql(conn, "report/select_current_snapshot", {"as_of": as_of}).scalar()
    return None if value is None else int(value)


def _ekc(frame: pd.DataFrame) -> dict[str, Any]:
    ytd = frame[frame["period_type"] == "ytd"]
    cumulative = frame[frame["period_type"] == "cumulative"]
    cumulative_calls = {
        (r["breakdown"], r["line"], r["topic"]): int(r["calls"])
        for r in cumulative.to_dict("records")
    }

    def rows(breakdown: str) -> list[dict[str, Any]]:
        part = ytd[ytd["breakdown"] == breakdown]
        return [
            {
                **r,
                "cumulative_calls": cumulative_calls.get((breakdown, r["line"], r["topic"])),
                "oktmo": None if r["oktmo"] in ("", "-") else r["oktmo"],
            }
            for r in plain_records(part)
        ]

    by_municipality = sorted(
        rows("municipality"),
        key=lambda r: (r["calls_per_100k"] is None, -(r["calls_per_100k"] or 0), r["oktmo"] or ""),
    )
    total = cumulative[cumulative["breakdown"] == "total"]
    first = ytd["period_from"].min() if not ytd.empty else None
    last = ytd["period_to"].max() if not ytd.empty else None
    return {
        "period_from": plain_value(first),
        "period_to": plain_value(last),
        "cumulative_from": plain_value(cumulative["period_from"].min())
        if not total.empty
        else None,
        "by_line": rows("line"),
        "by_topic": sorted(rows("line_topic"), key=lambda r: (r["line"], -r["calls"])),
        "by_municipality": by_municipality,
        "cumulative_calls": int(total["calls"].sum()) if not total.empty else 0,
    }


def _campaign(frame: pd.DataFrame) -> dict[str, Any]:
    months = sorted({m.strftime("%Y-%m") for m in frame["month"]})
    reported = frame[frame["reported"].astype(bool)]
    municipalities = []
    for (oktmo, name), part in frame.groupby(["oktmo", "name"], dropna=False, sort=True):
        done = part[part["reported"].astype(bool)]
        municipalities.append(
            {
                "oktmo": str(oktmo),
                "name": plain_value(name),
                "months_owed": len(part),
                "months_reported": len(done),
                "placements_total": int(done["placements_total"].fillna(0).sum()),
                "avg_channels_covered": (
                    float(done["channels_covered"].astype(float).mean()) if len(done) else None
                ),
                "publications": int(done["publications"].fillna(0).sum()),
            }
        )
    owed, got = len(frame), len(reported)
    return {
        "months": months,
        "region": {
            "months_owed": owed,
            "months_reported": got,
            "coverage_pct": got / owed * 100 if owed else None,
            "placements_total": int(reported["placements_total"].fillna(0).sum()),
            "publications": int(reported["publications"].fillna(0).sum()),
        },
        "channels": [
            {
                "channel": channel,
                "name_ru": CHANNEL_NAMES.get(channel, channel),
                "placements": int(reported[channel].fillna(0).sum()),
            }
            for channel in CAMPAIGN_CHANNELS
        ],
        "municipalities": municipalities,
    }


def report_data(engine: Engine, snapshot_id: int) -> dict[str, Any]:
    """The report's input (see egov.report.render) for a stored snapshot."""
    with engine.connect() as conn:
        head = run_sql(conn, "report/select_snapshot", {"snapshot_id": snapshot_id}).one_or_none()
        if head is None:
            raise EgovError(f"snapshot {snapshot_id} does not exist")
        params = {"snapshot_id": snapshot_id, "indicator_code": INDICATOR_EPGU_SHARE}
        scopes = plain_records(select_frame(conn, "report/select_snapshot_scopes", params))
        for row in scopes:
            # Nullable integer columns come back as floats next to a null.
            for key in ("rank", "rank_change"):
                row[key] = None if row[key] is None else int(row[key])
        ekc = select_frame(conn, "report/select_snapshot_ekc_load", params)
        campaign = select_frame(conn, "report/select_snapshot_info_campaign", params)
        plan, _ = read_plan(conn, head.as_of_date)
    region = next((r for r in scopes if r["scope_type"] == "region"), {})
    municipalities = [r for r in scopes if r["scope_type"] == "municipality"]
    behind = sorted(
        (r for r in municipalities if r["gap_pp"] is not None),
        key=lambda r: r["gap_pp"],
    )[:FURTHEST_BEHIND]
    counts = {status: 0 for status in STATUSES}
    for r in municipalities:
        if r["status"] in counts:
            counts[r["status"]] += 1
    path: list[dict[str, Any]] = list(head.region_path)
    months = [p["month_end"][:7] for p in path]
    settings = get_settings()
    methodology = load_methodology(head.methodology_version, settings.methodology_dir)
    return {
        "as_of": head.as_of_date.isoformat(),
        "snapshot_id": int(head.snapshot_id),
        "methodology_version": head.methodology_version,
        "plan_version": head.plan_version,
        "indicator_name": INDICATOR_NAME,
        "inputs": {
            "load_batches": int(head.load_batch_count),
            "first_month": months[0] if months else None,
            "last_month": months[-1] if months else None,
        },
        "min_denominator": methodology.epgu_share.min_denominator,
        "region": region,
        "region_path": path,
        "plan_path": plan_vertices(plan, region.get("baseline_pct")),
        "milestones": [
            {"date": m.day.isoformat(), "target_pct": m.target_pct}
            for m in (plan.milestones_for("region", "") if plan else ())
        ],
        "status_counts": counts,
        "municipalities": municipalities,
        "furthest_behind": behind,
        "ekc": _ekc(ekc),
        "campaign": _campaign(campaign),
    }
