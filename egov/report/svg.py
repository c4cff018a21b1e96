"""Inline SVG charts for the report: the headline path, paired pace bars and plain bar charts.

Each function returns a complete ``<svg>`` element as markupsafe ``Markup``; every piece of text
that came from data is escaped here, because the template inserts the markup as is. Charts use
a ``viewBox`` and no fixed size, so they scale to the page width on screen and on A4 paper.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from markupsafe import Markup

from egov.report import display as fmt

WIDTH = 900
FONT = "font-family:inherit"
REGION_COLOUR = "#1f5fa8"
PLAN_COLOUR = "#6b7280"
MILESTONE_COLOUR = "#b45309"
REQUIRED_COLOUR = "#e07b00"
OBSERVED_COLOUR = "#1f5fa8"
BAR_COLOUR = "#3b78b8"
LABEL_CHARS = 38


def _e(text: object) -> str:
    """Escape text for SVG content and attribute values."""
    return escape(str(text), quote=True)


def _f(value: float) -> str:
    """A coordinate with at most one decimal, so the markup stays short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(height: float, body: Iterable[str], title: str) -> Markup:
    """Wrap chart elements in an accessible, scalable svg element."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_f(height)}" '
        f'role="img" aria-label="{_e(title)}" class="chart" style="{FONT}">'
        f"<title>{_e(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every part is escaped above


def _text(x: float, y: float, text: object, *, anchor: str = "start", cls: str = "") -> str:
    """One escaped text element."""
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}"{klass}>{_e(text)}</text>'


def _short(label: str) -> str:
    """Cut a long label for the chart's name column; the full text goes into a tooltip."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _number(value: object) -> float | None:
    """A finite float, or None for anything else (None, text, NaN)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _nice_top(peak: float) -> float:
    """The y-axis top: the next multiple of ten with some headroom, within 10..100."""
    return min(100.0, max(10.0, math.ceil((peak + 4.0) / 10.0) * 10.0))


def empty_chart(message: str) -> Markup:
    """A small placeholder saying why there is no chart."""
    return _svg(40, [_text(WIDTH / 2, 25, message, anchor="middle", cls="muted")], message)


def _series(
    rows: Sequence[Mapping[str, Any]], day_key: str, value_key: str
) -> list[tuple[date, float, Mapping[str, Any]]]:
    """(day, value, row) for the rows that have both, in date order."""
    points = []
    for row in rows:
        day, value = fmt.parse_date(row.get(day_key)), _number(row.get(value_key))
        if day is not None and value is not None:
            points.append((day, value, row))
    return sorted(points, key=lambda p: p[0])


def headline_chart(
    region_path: Sequence[Mapping[str, Any]],
    plan_path: Sequence[Mapping[str, Any]],
    milestones: Sequence[Mapping[str, Any]],
    as_of: date | None,
) -> Markup:
    """Region year-to-date share per month end against the plan path, milestones and as-of."""
    region = _series(region_path, "month_end", "ytd_share_pct")
    plan = [(d, v) for d, v, _ in _series(plan_path, "date", "pct")]
    marks = [(d, v) for d, v, _ in _series(milestones, "date", "target_pct")]
    days = [d for d, *_ in region] + [d for d, _ in plan] + [d for d, _ in marks]
    days += [as_of] if as_of else []
    if len(set(days)) < 2:
        return empty_chart("Нет данных для графика")
    first, last = min(days), max(days)
    top = _nice_top(max([v for _, v, _ in region] + [v for _, v in plan] + [v for _, v in marks]))
    left, right, upper, lower, height = 52.0, 110.0, 46.0, 50.0, 360.0
    plot_w, plot_h = WIDTH - left - right, height - upper - lower
    span = (last - first).days

    def x(d: date) -> float:
        return left + (d - first).days / span * plot_w

    def y(v: float) -> float:
        return upper + plot_h - max(0.0, min(v, top)) / top * plot_h

    out: list[str] = []
    step = 10 if top <= 60 else 20
    for level in range(0, int(top) + 1, step):
        out.append(
            f'<line x1="{_f(left)}" x2="{_f(left + plot_w)}" y1="{_f(y(level))}" '
            f'y2="{_f(y(level))}" class="grid"/>'
        )
        out.append(_text(left - 8, y(level) + 4, fmt.pct(level).replace(",0", ""), anchor="end"))
    cursor = date(first.year, first.month, 1)
    while cursor <= last:
        if cursor >= first and cursor.month in (1, 4, 7, 10):
            cx = x(cursor)
            major = cursor.month == 1
            out.append(
                f'<line x1="{_f(cx)}" x2="{_f(cx)}" y1="{_f(upper + plot_h)}" '
                f'y2="{_f(upper + plot_h + (8 if major else 4))}" class="axis"/>'
            )
            out.append(
                _text(
                    cx, upper + plot_h + 20, fmt.MONTHS_SHORT_RU[cursor.month - 1], anchor="middle"
                )
            )
            if major:
                out.append(
                    _text(cx, upper + plot_h + 36, cursor.year, anchor="middle", cls="strong")
                )
        cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
    out.append(
        f'<line x1="{_f(left)}" x2="{_f(left + plot_w)}" y1="{_f(upper + plot_h)}" '
        f'y2="{_f(upper + plot_h)}" class="axis"/>'
    )
    if as_of and first <= as_of <= last:
        ax = x(as_of)
        out.append(
            f'<line x1="{_f(ax)}" x2="{_f(ax)}" y1="{_f(upper - 6)}" y2="{_f(upper + plot_h)}" '
            'class="asof"/>'
        )
        out.append(_text(ax, upper - 10, f"на {fmt.day(as_of)}", anchor="middle", cls="strong"))
    if plan:
        points = " ".join(f"{_f(x(d))},{_f(y(v))}" for d, v in plan)
        out.append(f'<polyline points="{points}" class="plan"/>')
        base_day, base = plan[0]
        out.append(_text(x(base_day) + 6, y(base) + 16, f"база {fmt.pct(base)}", cls="muted"))
    # A year-to-date series restarts every January: one line per year, no drop between years.
    years: dict[int, list[tuple[date, float, Mapping[str, Any]]]] = {}
    for point in region:
        years.setdefault(point[0].year, []).append(point)
    for series in years.values():
        points = " ".join(f"{_f(x(d))},{_f(y(v))}" for d, v, _ in series)
        out.append(f'<polyline points="{points}" class="region"/>')
        for d, v, row in series:
            tip = f"{fmt.day(d)}: {fmt.pct(v)} (план {fmt.pct(row.get('expected_pct'))})"
            out.append(
                f'<circle cx="{_f(x(d))}" cy="{_f(y(v))}" r="3" class="region-dot">'
                f"<title>{_e(tip)}</title></circle>"
            )
    for d, v in marks:
        mx, my = x(d), y(v)
        out.append(
            f'<path d="M{_f(mx)},{_f(my - 8)} l8,8 l-8,8 l-8,-8 z" class="milestone">'
            f"<title>{_e(f'Контрольная точка {fmt.day(d)}: {fmt.pct(v)}')}</title></path>"
        )
        out.append(
            _text(mx - 12, my - 8, f"цель {fmt.pct(v)}", anchor="end", cls="milestone-label")
        )
    if region:
        d, v, _ = region[-1]
        out.append(_text(x(d) + 10, y(v) + 5, fmt.pct(v), cls="region-label"))
    out.append(_legend(left, 16))
    return _svg(height, out, "Доля МСЗУ через ЕПГУ по региону с начала года и план")


def _legend(left: float, top: float) -> str:
    """Legend of the headline chart, in one row above the plot."""
    parts = [
        f'<line x1="{_f(left)}" x2="{_f(left + 26)}" y1="{_f(top)}" y2="{_f(top)}" '
        'class="region"/>',
        _text(left + 32, top + 4, "регион, с начала года"),
        f'<line x1="{_f(left + 210)}" x2="{_f(left + 236)}" y1="{_f(top)}" y2="{_f(top)}" '
        'class="plan"/>',
        _text(left + 242, top + 4, "плановая траектория"),
        f'<path d="M{_f(left + 418)},{_f(top - 7)} l7,7 l-7,7 l-7,-7 z" class="milestone"/>',
        _text(left + 430, top + 4, "контрольная точка"),
        f'<line x1="{_f(left + 590)}" x2="{_f(left + 590)}" y1="{_f(top - 8)}" '
        f'y2="{_f(top + 8)}" class="asof"/>',
        _text(left + 598, top + 4, "дата среза"),
    ]
    return "".join(parts)


def pace_chart(rows: Sequence[Mapping[str, Any]]) -> Markup:
    """Required against observed pace (p.p. per month) for each municipality, as paired bars."""
    if not rows:
        return empty_chart("Нет муниципалитетов с отставанием")
    values = [
        v
        for row in rows
        for v in (_number(row.get("required_pace_pp")), _number(row.get("observed_pace_pp")))
        if v is not None
    ]
    low, high = min([0.0, *values]), max([0.0, *values])
    if high - low < 1e-9:
        high = 1.0
    label_w, left, right, upper, row_h = 300.0, 310.0, 90.0, 40.0, 36.0
    plot_w = WIDTH - left - right
    height = upper + row_h * len(rows) + 10

    def x(v: float) -> float:
        return left + (v - low) / (high - low) * plot_w

    out = [
        f'<rect x="{_f(left)}" y="8" width="14" height="10" fill="{REQUIRED_COLOUR}"/>',
        _text(left + 20, 17, "нужный темп до контрольной точки"),
        f'<rect x="{_f(left + 290)}" y="8" width="14" height="10" fill="{OBSERVED_COLOUR}"/>',
        _text(left + 310, 17, "фактический темп"),
    ]
    for i, row in enumerate(rows):
        top = upper + i * row_h
        name = str(row.get("name") or row.get("oktmo") or fmt.DASH)
        out.append(
            f'<text x="{_f(label_w)}" y="{_f(top + 18)}" text-anchor="end">'
            f"<title>{_e(name)}</title>{_e(_short(name))}</text>"
        )
        for offset, key, colour in (
            (3.0, "required_pace_pp", REQUIRED_COLOUR),
            (17.0, "observed_pace_pp", OBSERVED_COLOUR),
        ):
            value = _number(row.get(key))
            if value is None:
                out.append(_text(x(0) + 4, top + offset + 10, fmt.DASH, cls="muted small"))
                continue
            x0, x1 = sorted((x(0), x(value)))
            out.append(
                f'<rect x="{_f(x0)}" y="{_f(top + offset)}" width="{_f(max(x1 - x0, 1))}" '
                f'height="12" fill="{colour}"><title>{_e(fmt.pace(value))}</title></rect>'
            )
            # A negative bar grows left of zero: its label goes right of the axis, clear of names.
            tx = x(0) + 4 if value < 0 else x1 + 4
            out.append(_text(tx, top + offset + 10, fmt.signed(value), cls="small"))
    out.append(
        f'<line x1="{_f(x(0))}" x2="{_f(x(0))}" y1="{_f(upper - 4)}" '
        f'y2="{_f(height - 6)}" class="axis"/>'
    )
    return _svg(height, out, "Нужный и фактический темп роста доли, п.п. в месяц")


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart."""

    label: str
    value: float | None
    colour: str = BAR_COLOUR
    tooltip: str = ""


def bar_chart(bars: Sequence[Bar], title: str, show: Callable[[float], str] = fmt.num) -> Markup:
    """Horizontal bars from zero, labelled on the left and valued on the right."""
    if not bars:
        return empty_chart("Нет данных")
    peak = max([b.value for b in bars if b.value is not None] + [0.0]) or 1.0
    label_w, left, right, row_h, upper = 300.0, 310.0, 110.0, 24.0, 6.0
    plot_w = WIDTH - left - right
    out: list[str] = []
    for i, bar in enumerate(bars):
        top = upper + i * row_h
        tip = bar.tooltip or bar.label
        out.append(
            f'<text x="{_f(label_w)}" y="{_f(top + 14)}" text-anchor="end">'
            f"<title>{_e(tip)}</title>{_e(_short(bar.label))}</text>"
        )
        if bar.value is None:
            out.append(_text(left + 4, top + 14, fmt.DASH, cls="muted"))
            continue
        width = max(bar.value, 0.0) / peak * plot_w
        out.append(
            f'<rect x="{_f(left)}" y="{_f(top + 3)}" width="{_f(max(width, 1))}" height="15" '
            f'fill="{_e(bar.colour)}"><title>{_e(tip)}</title></rect>'
        )
        out.append(_text(left + width + 6, top + 14, show(bar.value), cls="small"))
    return _svg(upper + row_h * len(bars) + 6, out, title)
