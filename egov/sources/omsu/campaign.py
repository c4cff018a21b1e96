"""The «Информирование» sheet: placements per campaign channel."""

from __future__ import annotations

from typing import Any

import pandas as pd

from egov.sources.omsu.cells import parse_count, reject
from egov.sources.omsu.form import (
    CAMPAIGN_COLUMNS,
    CAMPAIGN_KEYS,
    CHANNEL_KEYS,
    CHANNELS,
    OPTIONAL_CAMPAIGN_FIELDS,
    SOURCE,
    cell_text,
    fold,
    header_key,
    is_blank,
    rows_text,
)
from egov.sources.omsu.grid import Sheet
from egov.sources.omsu.header import require_header, skip_column_numbers
from egov.sources.records import FindingCollector, ParsedDelivery, RowReject


def empty_campaign() -> pd.DataFrame:
    """A campaign table with no rows (a workbook without the sheet)."""
    return pd.DataFrame(
        {
            "channel": pd.Series([], dtype="str"),
            "channel_ru": pd.Series([], dtype="str"),
            "placements": pd.array([], dtype="Int64"),
            "note": pd.Series([], dtype="str"),
            "source_row": pd.Series([], dtype="int64"),
        }
    )


def _channel_key(text: str) -> str | None:
    folded = header_key(text)
    if folded in CHANNEL_KEYS:
        return CHANNEL_KEYS[folded]
    # «Официальный сайт администрации …» is still the official site.
    for prefix, channel in CHANNEL_KEYS.items():
        if folded.startswith(prefix):
            return channel
    return None


def parse_campaign(sheet: Sheet, name: str) -> ParsedDelivery:
    """Placements per channel of «Информирование» below its header."""
    header = require_header(sheet, name, CAMPAIGN_COLUMNS, OPTIONAL_CAMPAIGN_FIELDS, CAMPAIGN_KEYS)
    positions = header.positions
    findings = FindingCollector(SOURCE, name, "warning")
    rows_in = 0
    blank: list[int] = []
    as_text = 0
    records: list[dict[str, Any]] = []
    rejects: list[RowReject] = []
    for row in range(skip_column_numbers(sheet, header), sheet.max_row + 1):
        cells = {n: sheet.raw.get((row, c)) for n, c in positions.items()}
        if all(is_blank(v) for v in cells.values()):
            blank.append(row)
            continue
        channel_ru = cell_text(cells["channel"]).strip()
        if fold(channel_ru).startswith("итого"):
            findings.add("campaign_totals_row", f"«Итого» row {row} not read", "info", row=row)
            continue
        rows_in += 1
        problems: list[tuple[str, Any, str]] = []
        channel = _channel_key(channel_ru) if channel_ru else None
        if not channel_ru:
            problems.append(("channel", cells["channel"], "value is empty"))
        elif channel is None:
            known = ", ".join(repr(c) for c in CHANNELS)
            problems.append(("channel", cells["channel"], f"{channel_ru!r} is not one of {known}"))
        placements, error, was_text = parse_count(cells["placements"])
        as_text += was_text and error is None
        if error is not None:
            problems.append(("placements", cells["placements"], error))
        if problems:
            rejects.append(reject(name, row, positions, CAMPAIGN_COLUMNS, problems))
            continue
        note = cell_text(cells.get("note")).strip()
        records.append(
            {
                "channel": channel,
                "channel_ru": channel_ru,
                "placements": placements,
                "note": note or None,
                "source_row": row,
            }
        )
    frame = (
        empty_campaign()
        if not records
        else pd.DataFrame(
            {
                "channel": pd.Series([r["channel"] for r in records], dtype="str"),
                "channel_ru": pd.Series([r["channel_ru"] for r in records], dtype="str"),
                "placements": pd.array([r["placements"] for r in records], dtype="Int64"),
                "note": pd.Series([r["note"] for r in records], dtype="str"),
                "source_row": pd.Series([r["source_row"] for r in records], dtype="int64"),
            }
        )
    )
    if blank:
        findings.add(
            "blank_rows_inside",
            f"sheet «{sheet.title}»: blank rows ignored (not rows): {rows_text(blank)}",
            "info",
            row=blank[0],
        )
    if as_text:
        findings.add("numbers_as_text", f"{as_text} placement count(s) stored as text", "info")
    repeated = frame["channel"].duplicated(keep=False)
    if repeated.any():
        rows = frame.loc[repeated, "source_row"].tolist()
        findings.add(
            "duplicate_channel",
            f"sheet «{sheet.title}»: a channel appears on more than one row: {rows_text(rows)}",
            row=rows[0],
            column=CAMPAIGN_COLUMNS["channel"],
        )
    missing = [text for text, key in CHANNELS.items() if key not in set(frame["channel"])]
    if missing and not rejects:
        findings.add(
            "campaign_channels_missing",
            f"sheet «{sheet.title}»: no row for {', '.join(repr(m) for m in missing)} "
            "(missing, not zero)",
        )
    return ParsedDelivery(SOURCE, name, rows_in, frame, rejects, findings.items)
