"""Parser of the MFC daily export `mfc_YYYYMMDD.csv` (sources.md §2) into typed records.

Blank lines (every field empty or whitespace) anywhere in the file are not rows: they carry no
data, so they are neither records nor rejects and do not count in `rows_in`; they are reported
as info findings (`trailing_blank_lines`, `blank_lines_inside`) so nothing disappears unseen.
Rows are split with the `csv` module rather than `pandas.read_csv` because only it tells the
real field count of every row (a row with a stray `;` must become a reject, not a shifted
record); all value checks are then vectorised with pandas.

Values are trimmed of surrounding whitespace (counted in an info finding); `Наименование
услуги` and `Офис МФЦ` are informative, so an empty one is missing (<NA>), not a reject. A row
with several problems is one reject naming the first column and listing the others."""

from __future__ import annotations

from egov.sources.inbox import InboxNameError
from egov.sources.mfc.naming import parse_mfc_name
from egov.sources.mfc.reading import SOURCE, decode, map_header, rows_text, split_rows
from egov.sources.mfc.rows import check_records, check_rows
from egov.sources.records import DeliveryError, FindingCollector, ParsedDelivery, RowReject


def parse_mfc_csv(content: bytes, name: str) -> ParsedDelivery:
    """Records, row rejects and findings of one MFC export (source "mfc")."""
    try:
        file_day = parse_mfc_name(name)
    except InboxNameError as exc:
        raise DeliveryError(SOURCE, name, f"cannot tell the day of the export: {exc}") from None
    findings = FindingCollector(SOURCE, name, "info")
    text, encoding = decode(content, name)
    nul = text.find("\x00")
    if nul >= 0:
        # A text export never holds NUL (PostgreSQL text cannot either): the file is damaged.
        line = text.count("\n", 0, nul) + 1
        raise DeliveryError(
            SOURCE, name, "a NUL character: the file is damaged, binary or UTF-16", row=line
        )
    if encoding == "utf-8-sig":
        findings.add("utf8_bom", "file is UTF-8 with a BOM, not windows-1251; read as UTF-8")
    elif encoding == "utf-8":
        findings.add("utf8_without_bom", "file is UTF-8 (no BOM), not windows-1251; read as UTF-8")

    rows, starts, blank = split_rows(text, name)
    if not rows:
        raise DeliveryError(SOURCE, name, "file is empty: no header row")
    header_line = starts[0]
    positions = map_header(rows[0], header_line, name, findings)
    last_data_line = starts[-1] if len(starts) > 1 else header_line
    inside = [line for line in blank if line < last_data_line]
    trailing = len(blank) - len(inside)
    if trailing:
        findings.add("trailing_blank_lines", f"{trailing} blank line(s) at the end ignored")
    if inside:
        findings.add(
            "blank_lines_inside",
            f"blank lines inside the data ignored (not rows): {rows_text(inside)}",
            row=inside[0],
        )

    data, lines = rows[1:], starts[1:]
    rejects: list[RowReject] = []
    width = len(rows[0])
    good = [i for i, fields in enumerate(data) if len(fields) == width]
    if len(good) < len(data):
        good_set = set(good)
        for i, fields in enumerate(data):
            if i not in good_set:
                raw = ";".join(fields)
                rejects.append(
                    RowReject(
                        SOURCE,
                        name,
                        lines[i],
                        None,
                        raw[:500],
                        f"{len(fields)} fields, expected {width}",
                    )
                )
    records = check_rows(
        [data[i] for i in good], [lines[i] for i in good], positions, name, rejects, findings
    )
    check_records(records, file_day, findings)
    rejects.sort(key=lambda r: r.row)
    if not data:
        findings.add("no_data_rows", "file has a header but no data rows", "warning")
    return ParsedDelivery(SOURCE, name, len(data), records, rejects, findings.items)
