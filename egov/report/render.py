"""The indicator report as one self-contained HTML page and as a markdown summary.

Pure functions of the report data (a JSON-serialisable mapping; a missing optional value is
None). The HTML page has inline CSS and inline SVG charts, no script and no external URL, so it
opens offline and prints on A4. All text from the data is escaped: the template autoescapes and
the charts escape their own labels. Numbers are in Russian style (``40,8 %``, see ``display``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from egov.report import display as fmt
from egov.report import svg

TEMPLATES = Path(__file__).parent / "templates"
TOP_N = 5


@cache
def _environment() -> jinja2.Environment:
    """The template environment: autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pct=fmt.pct,
        pp=fmt.pp,
        pace=fmt.pace,
        num=fmt.num,
        day=fmt.day,
        month=fmt.month,
        seconds=fmt.seconds,
        signed=fmt.signed,
        projection=fmt.projection,
        topic=fmt.topic,
        text=_text,
        times100=_times100,
    )
    env.globals.update(status=fmt.status, rank_change=fmt.rank_change, ratio=_ratio)
    return env


class _Lenient(dict[str, Any]):
    """A mapping whose missing keys read as None, so the template shows «—» for them."""

    def __missing__(self, key: str) -> None:
        return None


def _lenient(value: Any) -> Any:
    """Nested mappings as _Lenient dicts (lists are walked), other values unchanged."""
    if isinstance(value, Mapping):
        return _Lenient({str(k): _lenient(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return [_lenient(v) for v in value]
    return value


def _times100(value: object) -> float | None:
    """A fraction as a percentage (attainment 0.9 -> 90), None stays None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) * 100.0
    return None


def _text(value: object) -> str:
    """A value as text, None as «—»."""
    return fmt.DASH if value is None or value == "" else str(value)


def _ratio(part: object, whole: object) -> float | None:
    """part / whole in percent, or None when either is missing or whole is zero."""
    if isinstance(part, int | float) and isinstance(whole, int | float) and whole:
        return float(part) / float(whole) * 100.0
    return None


def _rows(data: Mapping[str, Any] | None, key: str) -> list[Mapping[str, Any]]:
    """A list of mappings under key, tolerating a missing section."""
    value = (data or {}).get(key)
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A nested mapping under key, or an empty one."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else _Lenient()


def _status_counts(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Status counts in the fixed order, with display and share of all municipalities."""
    counts = _section(data, "status_counts")
    keys = list(fmt.STATUS_ORDER) + [k for k in counts if k not in fmt.STATUS_ORDER]
    total = sum(v for v in counts.values() if isinstance(v, int)) or 0
    return [
        {
            "status": fmt.status(key),
            "count": counts.get(key) or 0,
            "share": _ratio(counts.get(key) or 0, total) or 0.0,
        }
        for key in keys
    ]


def _milestones(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each milestone with the region's year-to-date value on that day when it has passed."""
    as_of = fmt.parse_date(data.get("as_of"))
    region = _section(data, "region")
    on_day = {
        fmt.parse_date(row.get("month_end")): row.get("ytd_share_pct")
        for row in _rows(data, "region_path")
    }
    out = []
    for row in _rows(data, "milestones"):
        when, target = fmt.parse_date(row.get("date")), row.get("target_pct")
        passed = when is not None and as_of is not None and when <= as_of
        actual = on_day.get(when) if passed else None
        if passed and actual is None and when == as_of:
            actual = region.get("actual_pct")
        met = None
        if isinstance(actual, int | float) and isinstance(target, int | float):
            met = actual >= target
        forecast = None
        if not passed and fmt.parse_date(region.get("next_milestone_date")) == when:
            forecast = region.get("forecast_pct")
        out.append(
            {
                "date": row.get("date"),
                "target": target,
                "passed": passed,
                "actual": actual,
                "met": met,
                "forecast": forecast,
            }
        )
    return out


def _ekc(data: Mapping[str, Any]) -> dict[str, Any]:
    """ЕКЦ tables and the topic chart; municipalities by load per 100 000, unnamed last."""
    ekc = _section(data, "ekc")
    topics = sorted(_rows(ekc, "by_topic"), key=lambda r: -(r.get("calls") or 0))
    bars = [
        svg.Bar(
            label=f"{_text(r.get('line'))} · {fmt.topic(r.get('topic'))}",
            value=r.get("calls"),
            colour="#3b78b8" if str(r.get("line")) == "117" else "#7c5cbf",
            tooltip=(
                f"линия {_text(r.get('line'))}, {fmt.topic(r.get('topic'))}: "
                f"{fmt.num(r.get('calls'))} звонков, отвечено {fmt.pct(r.get('answer_rate_pct'))}"
            ),
        )
        for r in topics
    ]
    munis = _rows(ekc, "by_municipality")
    named = sorted(
        (r for r in munis if r.get("oktmo")),
        key=lambda r: (r.get("calls_per_100k") is None, -(r.get("calls_per_100k") or 0)),
    )
    peak = max((r.get("calls_per_100k") or 0 for r in named), default=0) or 1
    return {
        "section": ekc,
        "lines": _rows(ekc, "by_line"),
        "topics": topics,
        "topic_chart": svg.bar_chart(bars, "Звонки в ЕКЦ по темам") if bars else None,
        "municipalities": named,
        "unnamed": [r for r in munis if not r.get("oktmo")],
        "peak_per_100k": peak,
        "any_estimated": any(r.get("is_population_estimated") for r in named),
    }


def _campaign(data: Mapping[str, Any]) -> dict[str, Any]:
    """Campaign coverage: region figures, channel chart, municipalities with missing months."""
    campaign = _section(data, "campaign")
    channels = _rows(campaign, "channels")
    bars = [
        svg.Bar(
            label=str(c.get("name_ru") or c.get("channel") or fmt.DASH),
            value=c.get("placements"),
            colour="#0f766e",
        )
        for c in channels
    ]
    munis = _rows(campaign, "municipalities")
    missing = [
        m
        for m in munis
        if isinstance(m.get("months_owed"), int)
        and (m.get("months_reported") or 0) < m["months_owed"]
    ]
    months = [str(m) for m in campaign.get("months") or []]
    return {
        "section": campaign,
        "region": _section(campaign, "region"),
        "months": months,
        "channel_chart": svg.bar_chart(bars, "Размещения по каналам") if bars else None,
        "municipalities": munis,
        "missing": missing,
    }


def _context(data: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, with charts already drawn."""
    data = _lenient(data)
    region = _section(data, "region")
    behind = _rows(data, "furthest_behind")
    return {
        "d": data,
        "region": region,
        "inputs": _section(data, "inputs"),
        "region_status": fmt.status(region.get("status")),
        "status_counts": _status_counts(data),
        "municipality_total": sum(c["count"] for c in _status_counts(data)),
        "milestones": _milestones(data),
        "headline_chart": svg.headline_chart(
            _rows(data, "region_path"),
            _rows(data, "plan_path"),
            _rows(data, "milestones"),
            fmt.parse_date(data.get("as_of")),
        ),
        "league": _rows(data, "municipalities"),
        "behind": behind,
        "pace_chart": svg.pace_chart(behind) if behind else None,
        "ekc": _ekc(data),
        "campaign": _campaign(data),
    }


def render_report_html(data: Mapping[str, Any]) -> str:
    """The report as a complete, self-contained HTML5 document (inline CSS and SVG, no URLs)."""
    return _environment().get_template("report.html.j2").render(_context(data))


def _md(value: object) -> str:
    """Text safe inside a markdown table cell: no pipes, no HTML, no emphasis markers."""
    text = _text(value)
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table; an empty one becomes a dash line."""
    if not rows:
        return [fmt.DASH, ""]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _md_municipality(row: Mapping[str, Any]) -> list[str]:
    """One league-table row for markdown."""
    return [
        _md(row.get("rank")),
        _md(row.get("name")),
        fmt.pct(row.get("actual_pct")),
        fmt.pp(row.get("gap_pp")),
        fmt.status(row.get("status")).label,
        fmt.projection(row),
    ]


def report_markdown(data: Mapping[str, Any]) -> str:
    """The report's summary as markdown for a Prefect artifact (well under 150 lines)."""
    region = _section(data, "region")
    status = fmt.status(region.get("status"))
    lines = [
        f"# Доля МСЗУ через ЕПГУ — Иркутская область на {fmt.day(data.get('as_of'))}",
        "",
        f"*{_md(data.get('indicator_name'))}*",
        "",
        f"- **Регион, с начала года:** {fmt.pct(region.get('actual_pct'))} "
        f"({fmt.num(region.get('numerator'))} из {fmt.num(region.get('denominator'))}), "
        f"план на дату {fmt.pct(region.get('expected_pct'))}, "
        f"отклонение {fmt.pp(region.get('gap_pp'))} — **{status.label}**",
        f"- Месяц {fmt.pct(region.get('month_pct'))}, "
        f"квартал {fmt.pct(region.get('quarter_pct'))}, "
        f"полнота данных {fmt.pct(region.get('coverage_pct'))}",
        f"- Следующая контрольная точка: {fmt.pct(region.get('next_milestone_target_pct'))} "
        f"к {fmt.day(region.get('next_milestone_date'))}; "
        f"прогноз {fmt.pct(region.get('forecast_pct'))}, "
        f"цель будет достигнута: {fmt.projection(region)}",
        f"- Темп: нужен {fmt.pace(region.get('required_pace_pp'))}, "
        f"фактический {fmt.pace(region.get('observed_pace_pp'))}",
    ]
    for m in _milestones(data):
        fact = f", факт {fmt.pct(m['actual'])}" if m["passed"] else ""
        lines.append(f"- Контрольная точка {fmt.day(m['date'])}: {fmt.pct(m['target'])}{fact}")
    lines += ["", "## Статусы муниципалитетов", ""]
    lines += _md_table(
        ["Статус", "МО"],
        [[c["status"].label, str(c["count"])] for c in _status_counts(data)],
    )
    league = _rows(data, "municipalities")
    header = ["№", "Муниципальное образование", "Доля", "Откл.", "Статус", "Цель будет достигнута"]
    lines += ["## Лидеры (top 5)", ""]
    lines += _md_table(header, [_md_municipality(r) for r in league[:TOP_N]])
    lines += ["## Замыкают таблицу (bottom 5)", ""]
    lines += _md_table(header, [_md_municipality(r) for r in league[-TOP_N:]])
    lines += ["## Наибольшее отставание от плана", ""]
    lines += _md_table(
        ["Муниципальное образование", "Доля", "План", "Откл.", "Нужный темп", "Факт. темп"],
        [
            [
                _md(r.get("name")),
                fmt.pct(r.get("actual_pct")),
                fmt.pct(r.get("expected_pct")),
                fmt.pp(r.get("gap_pp")),
                fmt.pace(r.get("required_pace_pp")),
                fmt.pace(r.get("observed_pace_pp")),
            ]
            for r in _rows(data, "furthest_behind")
        ],
    )
    ekc = _section(data, "ekc")
    lines += [
        f"## ЕКЦ: {fmt.day(ekc.get('period_from'))} – {fmt.day(ekc.get('period_to'))}",
        "",
        f"Всего звонков с {fmt.day(ekc.get('cumulative_from'))}: "
        f"**{fmt.num(ekc.get('cumulative_calls'))}**",
        "",
    ]
    lines += _md_table(
        ["Линия", "Звонков", "Отвечено", "Ожидание, ср.", "Передано в ОМСУ", "С начала работы"],
        [
            [
                _md(r.get("line")),
                fmt.num(r.get("calls")),
                fmt.pct(r.get("answer_rate_pct")),
                fmt.seconds(r.get("avg_wait_sec")),
                fmt.pct(r.get("forwarded_to_omsu_pct")),
                fmt.num(r.get("cumulative_calls")),
            ]
            for r in _rows(ekc, "by_line")
        ],
    )
    campaign = _campaign(data)
    cregion = campaign["region"]
    months = campaign["months"]
    period = f"{fmt.month(months[0])} – {fmt.month(months[-1])}" if months else fmt.DASH
    lines += [
        f"## Информационная кампания: {period}",
        "",
        f"- Отчёты сданы: {fmt.num(cregion.get('months_reported'))} из "
        f"{fmt.num(cregion.get('months_owed'))} ({fmt.pct(cregion.get('coverage_pct'))})",
        f"- Размещений: {fmt.num(cregion.get('placements_total'))}, "
        f"публикаций: {fmt.num(cregion.get('publications'))}",
        f"- МО с несданными отчётами: {len(campaign['missing'])}",
        "",
        f"*Срез № {_md(data.get('snapshot_id'))}, методика {_md(data.get('methodology_version'))}, "
        f"план-график {_md(data.get('plan_version'))}. Доли — отношение сумм; полнота учитывает "
        "несданные муниципальные отчёты.*",
    ]
    return "\n".join(lines) + "\n"


__all__ = ["render_report_html", "report_markdown"]
