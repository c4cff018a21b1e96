"""Writes the bad-input corpus: each file is a clean delivery with one thing broken.

Run `.venv/bin/python -m tests.corpus.build_corpus` from the repository root to regenerate the
files under tests/corpus/<source>/; the output is byte-for-byte reproducible (workbooks carry
fixed document and zip times), so a diff of the committed files shows exactly what changed.
What each file is expected to do is written by hand in tests/corpus/cases.yaml.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

# The valid layouts are the simulator's (which follows sources.md); the corpus breaks them.
from egov.simulator import MFC_HEADER, MFC_STATUSES, csv_field, save_workbook
from egov.simulator import OMSU_HEADER as FORM_HEADER
from egov.simulator import OMSU_INFORMING_HEADER as CAMPAIGN_HEADER
from egov.sources.contract import EKC_TOPICS, EPGU_STATUSES
from egov.sources.ekc import EKC_COLUMNS

CORPUS = Path(__file__).resolve().parent
SOURCES = ("epgu", "mfc", "omsu", "ekc")

KNOWN_OKTMO = (
    "25701000",
    "25703000",
    "25714000",
    "25720000",
    "25726000",
    "25732000",
    "25736000",
    "25738000",
    "25745000",
    "25746000",
)
"""Municipalities of reference/municipalities.csv the clean rows cycle through."""
UNKNOWN_OKTMO = "25999000"
UNKNOWN_SERVICE = "3800000000199999999"


def sql_text(table: str) -> str:
    """Text that would drop a table if anything pasted it into SQL instead of binding it."""
    return f"'); DROP TABLE core.{table}; --"


def service(i: int) -> str:
    """A service code of the МСЗУ catalogue (reference/services.csv has 1..40)."""
    return f"3800000000100000{i % 40 + 1:03d}"


# --- МФЦ daily exports ----------------------------------------------------------------------

CRLF = "\r\n"


def mfc_rows(day: date, count: int = 20) -> list[list[str]]:
    """Clean rows of one export day; line i + 2 of the file holds row i."""
    return [
        [
            f"МФЦ-38-{day:%Y}-{day:%m%d}{i:04d}",
            f"{day:%d.%m.%Y} {9 + i % 9:02d}:{i * 7 % 60:02d}",
            service(i),
            f"Услуга № {i % 40 + 1}",
            KNOWN_OKTMO[i % len(KNOWN_OKTMO)],
            f"МФЦ «Мои документы», офис {i % 3 + 1}",
            MFC_STATUSES[i % len(MFC_STATUSES)],
        ]
        for i in range(count)
    ]


def mfc_line(fields: Sequence[str]) -> str:
    """One line of an export, quoted where the АИС МФЦ would quote it."""
    return ";".join(csv_field(f) for f in fields)


def mfc_text(rows: Sequence[Sequence[str]], header: Sequence[str] = MFC_HEADER) -> str:
    """The export as text: header, rows, CR LF line ends."""
    return "".join(mfc_line(r) + CRLF for r in [header, *rows])


def cp1251(text: str) -> bytes:
    """Bytes in the encoding the contract gives МФЦ exports."""
    return text.encode("windows-1251")


def march(day: int) -> date:
    """A day of March 2024: each МФЦ case is its own export day."""
    return date(2024, 3, day)


def mfc_cases() -> dict[str, bytes]:
    """МФЦ exports by file name; cases.yaml gives the day each is delivered as."""
    files: dict[str, bytes] = {}

    rows = mfc_rows(march(1))
    files["utf8_with_bom.csv"] = mfc_text(rows).encode("utf-8-sig")
    files["utf8_without_bom.csv"] = mfc_text(mfc_rows(march(2))).encode("utf-8")

    rows = mfc_rows(march(3))
    rows[6][5] = "МФЦ @@ офис"
    files["undefined_byte_0x98.csv"] = cp1251(mfc_text(rows)).replace(b"@@", b"\x98")

    files["utf16_export.csv"] = mfc_text(mfc_rows(march(4))).encode("utf-16")

    lines = [mfc_line(r) + CRLF for r in [MFC_HEADER, *mfc_rows(march(5))]]
    files["one_row_in_utf8.csv"] = b"".join(
        line.encode("utf-8") if n == 5 else cp1251(line) for n, line in enumerate(lines)
    )

    text = mfc_text(mfc_rows(march(6)))
    last = text.rstrip(CRLF).rsplit(CRLF, 1)[1]
    cut = ";".join(last.split(";")[:3])
    files["truncated_mid_row.csv"] = cp1251(text[: text.rindex(last)] + cut)

    rows = mfc_rows(march(7))
    rows[-1][5] = "МФЦ «Мои документы»; офис 2"  # the ';' makes the writer quote the field
    text = mfc_text(rows)
    files["truncated_inside_quotes.csv"] = cp1251(text[: text.rindex("; офис 2")])

    files["header_only.csv"] = cp1251(mfc_text([]))
    files["empty_file.csv"] = b""

    oktmo = MFC_HEADER.index("ОКТМО")
    rows = [r[:oktmo] + r[oktmo + 1 :] for r in mfc_rows(march(10))]
    files["missing_column.csv"] = cp1251(mfc_text(rows, MFC_HEADER[:oktmo] + MFC_HEADER[5:]))

    header = list(MFC_HEADER)
    header[1] = "Дата приёма заявления"
    files["renamed_column.csv"] = cp1251(mfc_text(mfc_rows(march(11)), header))

    rows = [[*r, r[-1]] for r in mfc_rows(march(12))]
    files["duplicated_column.csv"] = cp1251(mfc_text(rows, [*MFC_HEADER, "Статус"]))

    rows = mfc_rows(march(13))
    rows[3][1] = "2024-03-13 10:22"
    files["iso_date_instead_of_local.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(14))
    rows[8][2] = "3,8E+18"  # what a spreadsheet saves for a 19-digit number
    files["service_code_in_exponent_form.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(15))
    rows[5][4] = UNKNOWN_OKTMO
    files["unknown_oktmo_one_in_twenty.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(16))
    for row in rows[:5]:
        row[4] = UNKNOWN_OKTMO
    files["unknown_oktmo_five_in_twenty.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(17))
    rows[10][1] = "17.03.2030 10:00"
    files["accepted_in_the_future.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(18))
    rows[12][0] = rows[2][0]
    files["duplicate_case_id.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(19))
    rows[0][5] = sql_text("fact_mfc_application")
    rows[1][3] = sql_text("dim_service")
    rows[2][0] = "МФЦ-38-2024-" + sql_text("fact_mfc_application")
    files["sql_text_in_cells.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(20))
    rows[7][6] = "Удалено оператором"
    files["unknown_status.csv"] = cp1251(mfc_text(rows))

    rows = mfc_rows(march(21))
    text = mfc_text(rows)
    quoted = mfc_line(rows[9])
    files["stray_separator_in_row.csv"] = cp1251(
        text.replace(quoted, quoted.replace("офис 1", "офис; 1").replace('"', ""))
    )

    files["impossible_date_in_name.csv"] = cp1251(mfc_text(mfc_rows(date(2024, 2, 28))))
    files["path_traversal_name.csv"] = cp1251(mfc_text(mfc_rows(date(2024, 1, 5))))

    rows = mfc_rows(march(24))
    rows[11][5] = "МФЦ\x00офис 3"
    files["nul_byte_in_office.csv"] = cp1251(mfc_text(rows))

    files["export_day_in_the_future.csv"] = cp1251(mfc_text(mfc_rows(date(2030, 1, 5))))

    rows = mfc_rows(march(26))
    rows[1][4] = "25 703 000"
    rows[2][4] = "25714000001"
    files["oktmo_spaces_and_11_digits.csv"] = cp1251(mfc_text(rows) + CRLF + CRLF)
    return files


# --- ЕПГУ API pages -------------------------------------------------------------------------


def epgu_items(day: int, count: int = 20) -> list[Any]:
    """Clean items of a page of the window [2024-03-<day>, +1 day)."""
    return [
        {
            "application_id": f"EPGU-2024-{day:02d}{i:07d}",
            "service_code": service(i),
            "target_oktmo": KNOWN_OKTMO[i % len(KNOWN_OKTMO)],
            "submitted_at": f"2024-03-{day:02d}T{8 + i % 10:02d}:{i * 3 % 60:02d}:00+08:00",
            "updated_at": f"2024-03-{day:02d}T{10 + i % 10:02d}:{i * 3 % 60:02d}:00+08:00",
            "status": EPGU_STATUSES[i % len(EPGU_STATUSES)],
            "requires_visit": i % 4 == 0,
        }
        for i in range(count)
    ]


def epgu_json(payload: Any) -> str:
    """JSON text as the API would send it (indented, so a diff of the corpus reads well)."""
    return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"


def epgu_page(items: list[Any], /, **changes: Any) -> str:
    """A last page (next_cursor null) holding `items`; `changes` replace or drop (None) keys."""
    payload: dict[str, Any] = {"items": items, "next_cursor": None, "total": len(items)}
    for key, value in changes.items():
        if value is ...:
            del payload[key]
        else:
            payload[key] = value
    return epgu_json(payload)


def epgu_cases() -> dict[str, bytes]:
    """ЕПГУ pages by file name; each answers the one-day window its number says."""
    files: dict[str, bytes] = {}

    text = epgu_page(epgu_items(1))
    files["truncated_page.json"] = text[: len(text) // 2].encode()
    files["html_error_body.json"] = (
        b"<html><head><title>502 Bad Gateway</title></head>"
        b"<body><center><h1>502 Bad Gateway</h1></center></body></html>\n"
    )
    files["missing_next_cursor.json"] = epgu_page(epgu_items(3), next_cursor=...).encode()
    keyed = {f"item{i}": item for i, item in enumerate(epgu_items(4))}
    files["items_not_a_list.json"] = epgu_page([], items=keyed).encode()
    files["page_is_a_list.json"] = epgu_json(epgu_items(5)).encode()

    items = [
        {**item, "service_name": "Выдача разрешения на строительство"} for item in epgu_items(6)
    ]
    files["windows1251_encoded.json"] = epgu_page(items).encode("windows-1251")
    files["utf8_bom_page.json"] = epgu_page(epgu_items(7)).encode("utf-8-sig")

    items = epgu_items(8)
    del items[4]["status"]
    files["item_missing_status.json"] = epgu_page(items).encode()

    items = epgu_items(9)
    for item in items:
        item["oktmo"] = item.pop("target_oktmo")
    files["field_renamed_on_every_item.json"] = epgu_page(items).encode()

    items = epgu_items(10)
    items[6]["requires_visit"] = "false"
    files["requires_visit_as_string.json"] = epgu_page(items).encode()

    items = epgu_items(11)
    items[2]["target_oktmo"] = int(items[2]["target_oktmo"])
    files["oktmo_as_number.json"] = epgu_page(items).encode()

    items = epgu_items(12)
    items[9]["target_oktmo"] = UNKNOWN_OKTMO
    files["unknown_oktmo_one_in_twenty.json"] = epgu_page(items).encode()

    items = epgu_items(13)
    for item in items[:4]:
        item["service_code"] = UNKNOWN_SERVICE
    files["unknown_service_four_in_twenty.json"] = epgu_page(items).encode()

    items = epgu_items(14)
    items[11]["service_code"] = UNKNOWN_SERVICE
    files["unknown_service_one_in_twenty.json"] = epgu_page(items).encode()

    items = epgu_items(15)
    items[13]["submitted_at"] = "2030-03-15T10:00:00+08:00"
    files["submitted_in_the_future.json"] = epgu_page(items).encode()

    items = epgu_items(16)
    items[14]["updated_at"] = "2030-03-16T10:00:00+08:00"
    files["updated_after_the_window.json"] = epgu_page(items).encode()

    items = epgu_items(17)
    items[15] = dict(items[5])
    files["duplicate_application_version.json"] = epgu_page(items).encode()

    items = epgu_items(18)
    items[16] = {**items[6], "updated_at": "2024-03-18T23:00:00+08:00", "status": "completed"}
    files["same_application_two_statuses.json"] = epgu_page(items).encode()

    items = epgu_items(19)
    items[0]["application_id"] = sql_text("fact_epgu_application")
    files["sql_text_in_application_id.json"] = epgu_page(items).encode()

    items = epgu_items(20)
    items[17]["submitted_at"] = "2024-03-20T10:00:00"
    files["timestamp_without_offset.json"] = epgu_page(items).encode()

    files["empty_last_page.json"] = epgu_page([]).encode()

    mixed = epgu_items(22)
    mixed[2] = "@HUGE@"
    mixed[7]["requires_visit"] = "@NAN@"
    text = epgu_page(mixed).replace('"@HUGE@"', "1e999").replace('"@NAN@"', "NaN")
    files["huge_number_and_nan.json"] = text.encode()

    items = epgu_items(23)
    items[18]["application_id"] = "EPGU-2024-\x00-2300018"
    files["nul_in_application_id.json"] = epgu_page(items).encode()

    items = epgu_items(24)
    items[3]["application_id"] = "EPGU-2024-@SURROGATE@-2400003"
    text = epgu_page(items).replace("@SURROGATE@", "\\ud83d")  # half of an emoji's pair
    files["lone_surrogate_in_application_id.json"] = text.encode()
    return files


# --- ЕКЦ call exports -----------------------------------------------------------------------


def ekc_rows(day: int, count: int = 20) -> list[list[str]]:
    """Clean calls of 2024-03-<day>; line i + 2 of the file holds row i."""
    rows = []
    for i in range(count):
        answered = i % 5 != 0
        outcome = (
            ("answered_on_spot", "transferred_to_agency", "forwarded_to_omsu")[i % 3]
            if answered
            else "abandoned"
        )
        rows.append(
            [
                f"{day:08x}-0000-4000-8000-{i:012x}",
                f"2024-03-{day:02d}T{8 + i % 12:02d}:{i * 5 % 60:02d}:00+08:00",
                "122" if i % 3 == 0 else "117",
                EKC_TOPICS[i % len(EKC_TOPICS)],
                "" if i % 7 == 3 else KNOWN_OKTMO[i % len(KNOWN_OKTMO)],
                "true" if answered else "false",
                str(10 + i),
                str(60 + 10 * i) if answered else "0",
                outcome,
            ]
        )
    return rows


def ekc_text(
    rows: Sequence[Sequence[str]], header: Sequence[str] = EKC_COLUMNS, delimiter: str = ","
) -> str:
    """The export as the platform writes it: csv quoting, LF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows([header, *rows])
    return buffer.getvalue()


def ekc_cases() -> dict[str, bytes]:
    """ЕКЦ day exports by file name; each is the export of the day its number says."""
    files: dict[str, bytes] = {}

    rows = ekc_rows(1)
    rows[5][3] = "местное_самоуправление"
    files["windows1251_topic.csv"] = ekc_text(rows).encode("windows-1251")
    files["utf16_export.csv"] = ekc_text(ekc_rows(2)).encode("utf-16")

    text = ekc_text(ekc_rows(3))
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    files["truncated_last_row.csv"] = (
        text[: text.rindex(last)] + ",".join(last.split(",")[:4])
    ).encode()

    rows = ekc_rows(4)
    text = ekc_text(rows)
    line = ",".join(rows[10])
    files["stray_quote_swallows_rows.csv"] = text.replace(
        line, line.replace(f",{rows[10][6]},", f',"{rows[10][6]},')
    ).encode()

    files["empty_file.csv"] = b""
    files["header_only.csv"] = ekc_text([]).encode()

    def without(column: str, day: int) -> str:
        keep = [i for i, c in enumerate(EKC_COLUMNS) if c != column]
        rows = [[r[i] for i in keep] for r in ekc_rows(day)]
        return ekc_text(rows, [EKC_COLUMNS[i] for i in keep])

    files["missing_column.csv"] = without("talk_sec", 7).encode()
    header = ["oktmo" if c == "caller_oktmo" else c for c in EKC_COLUMNS]
    files["renamed_column.csv"] = ekc_text(ekc_rows(8), header).encode()
    rows = [[*r, r[5]] for r in ekc_rows(9)]
    files["duplicated_column.csv"] = ekc_text(rows, [*EKC_COLUMNS, "answered"]).encode()
    files["semicolon_separated.csv"] = ekc_text(ekc_rows(10), delimiter=";").encode()

    def changed(day: int, index: int, column: str, value: str) -> bytes:
        rows = ekc_rows(day)
        rows[index][EKC_COLUMNS.index(column)] = value
        return ekc_text(rows).encode()

    files["negative_wait_sec.csv"] = changed(11, 4, "wait_sec", "-15")
    files["huge_talk_sec.csv"] = changed(12, 6, "talk_sec", "99999999999")
    files["answered_yes.csv"] = changed(13, 8, "answered", "yes")
    files["unknown_caller_oktmo.csv"] = changed(14, 9, "caller_oktmo", UNKNOWN_OKTMO)
    files["unknown_line.csv"] = changed(15, 10, "line", "118")
    files["call_in_the_future.csv"] = changed(16, 11, "started_at", "2030-03-16T10:00:00+08:00")
    files["duplicate_call_id.csv"] = changed(17, 12, "call_id", ekc_rows(17)[2][0])
    files["sql_text_in_topic.csv"] = changed(18, 13, "ivr_topic", sql_text("fact_ekc_call"))
    files["nul_byte_in_outcome.csv"] = changed(19, 14, "outcome", "abandoned\x00")
    return files


# --- ОМСУ monthly workbooks -----------------------------------------------------------------

CAMPAIGN_ROWS = (
    ("официальный сайт", 3, None),
    ("информационные стенды", 2, "стенд в холле администрации"),
    ("социальные сети", 5, None),
    ("мессенджеры", 1, None),
    ("места массового пребывания", 0, None),
    ("Публикации о получении МСЗУ в электронном виде", 2, None),
)
FIRST_SERVICE_ROW = 6
SERVICES_ON_FORM = 20
TOTALS_ROW = FIRST_SERVICE_ROW + SERVICES_ON_FORM
"""Sheet «Обращения»: title in rows 1-4, header in row 5, services in rows 6-25, Итого in 26."""
FORM_TIME = datetime(2024, 4, 5, 9, 0)


def omsu_form(oktmo: str, *, title_oktmo: str | None = None, period: str = "март 2024") -> Any:
    """A clean municipal workbook of March 2024 (both sheets)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Обращения"
    ws["A1"] = "Отчет о количестве обращений за получением МСЗУ"
    ws["A2"] = "Муниципальное образование: Тестовый район"
    ws["A3"] = f"ОКТМО: {title_oktmo or oktmo}"
    ws["A4"] = f"Отчетный период: {period}"
    for c, text in enumerate(FORM_HEADER, start=1):
        ws.cell(row=5, column=c, value=text)
    for i in range(SERVICES_ON_FORM):
        parts = [i + 1, 2 + i % 3, 1, i % 2]
        row = [i + 1, service(i), f"Услуга № {i + 1}", sum(parts), *parts]
        for c, value in enumerate(row, start=1):
            ws.cell(row=FIRST_SERVICE_ROW + i, column=c, value=value)
    retotal(ws)
    info = wb.create_sheet("Информирование")
    for c, text in enumerate(CAMPAIGN_HEADER, start=1):
        info.cell(row=1, column=c, value=text)
    for r, values in enumerate(CAMPAIGN_ROWS, start=2):
        for c, value in enumerate(values, start=1):
            if value is not None:
                info.cell(row=r, column=c, value=value)
    return wb


def retotal(ws: Any, row: int = TOTALS_ROW) -> None:
    """Write «Итого» as the sum of the whole numbers written above it (text cells skipped)."""
    ws.cell(row=row, column=1, value="Итого")
    for c in range(4, 9):
        values = [ws.cell(row=r, column=c).value for r in range(FIRST_SERVICE_ROW, row)]
        ws.cell(row=row, column=c, value=sum(v for v in values if type(v) is int))


def xlsx(wb: Any) -> bytes:
    """The workbook's bytes, with fixed times so a rebuild writes the same bytes."""
    buffer = io.BytesIO()
    save_workbook(wb, buffer, FORM_TIME)  # type: ignore[arg-type]  # a zip target is enough
    return buffer.getvalue()


def rezip(content: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes]) -> bytes:
    """The archive with each member passed through `change` and `extra` members appended."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        members = [(i, change(i.filename, source.read(i))) for i in source.infolist()]
        stamp = members[0][0].date_time
        for info, data in members:
            target.writestr(info, data)
        for name, data in extra.items():
            member = zipfile.ZipInfo(name, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, data, compresslevel=9)
    return out.getvalue()


def form(oktmo: str, edit: Callable[[Any], None] | None = None, **title: str) -> bytes:
    """The bytes of a clean form of `oktmo`, changed by `edit`."""
    wb = omsu_form(oktmo, **title)
    if edit is not None:
        edit(wb)
    return xlsx(wb)


def cell(sheet: str, ref: str, value: Any) -> Callable[[Any], None]:
    """An edit writing one cell (and, on «Обращения», «Итого» again as the rows now add up)."""

    def edit(wb: Any) -> None:
        wb[sheet][ref] = value
        if sheet == "Обращения":
            retotal(wb[sheet])

    return edit


def omsu_cases() -> dict[str, bytes]:
    """Each workbook is the form of its own municipality, so each has its own delivery key."""
    files: dict[str, bytes] = {}
    files["not_a_zip.xlsx"] = cp1251(
        "Отчет о количестве обращений;март 2024\r\nКод услуги (ФРГУ);Всего обращений\r\n"
    )
    clean = form("25602000")
    files["truncated_workbook.xlsx"] = clean[: len(clean) // 2]
    files["zip_bomb.xlsx"] = rezip(
        form("25604000"), lambda _, data: data, {"xl/media/padding.bin": bytes(60 * 1024 * 1024)}
    )
    files["empty_workbook.xlsx"] = xlsx(Workbook())

    def empty_sheets(wb: Any) -> None:
        for ws in wb.worksheets:
            wb.remove(ws)
        wb.create_sheet("Обращения")
        wb.create_sheet("Информирование")

    files["empty_sheets.xlsx"] = form("25606000", empty_sheets)

    def no_service_rows(wb: Any) -> None:
        ws = wb["Обращения"]
        ws.delete_rows(FIRST_SERVICE_ROW, SERVICES_ON_FORM)
        retotal(ws, FIRST_SERVICE_ROW)

    files["no_service_rows.xlsx"] = form("25607000", no_service_rows)

    # openpyxl writes the real extent (A1:H26); the rewrite claims the whole sheet.
    dimension = re.compile(rb'<dimension ref="[^"]*" ?/>')
    files["huge_declared_dimension.xlsx"] = rezip(
        form("25608000"),
        lambda name, data: (
            dimension.sub(b'<dimension ref="A1:XFD1048576"/>', data)
            if name.startswith("xl/worksheets/")
            else data
        ),
        {},
    )
    files["content_in_last_cell.xlsx"] = form("25609000", cell("Обращения", "XFD1048576", "x"))
    files["missing_column.xlsx"] = form("25610000", lambda wb: wb["Обращения"].delete_cols(6))
    files["renamed_column.xlsx"] = form("25612000", cell("Обращения", "D5", "Всего заявлений"))

    def duplicated_column(wb: Any) -> None:
        ws = wb["Обращения"]
        for r in range(5, TOTALS_ROW + 1):
            ws.cell(row=r, column=9, value=ws.cell(row=r, column=7).value)

    files["duplicated_column.xlsx"] = form("25614000", duplicated_column)
    files["negative_count.xlsx"] = form("25616000", cell("Обращения", "G10", -5))
    files["huge_count.xlsx"] = form("25618000", cell("Обращения", "D12", 5_000_000_000))
    files["text_in_count.xlsx"] = form("25620000", cell("Обращения", "F14", "нет данных"))
    files["fractional_count.xlsx"] = form("25622000", cell("Обращения", "E15", 12.5))
    files["service_code_as_float.xlsx"] = form(
        "25624000", cell("Обращения", "B16", float(service(10)))
    )
    files["unknown_service_one_in_twenty.xlsx"] = form(
        "25626000", cell("Обращения", "B17", UNKNOWN_SERVICE)
    )

    def unknown_services(wb: Any) -> None:
        for r in range(FIRST_SERVICE_ROW, FIRST_SERVICE_ROW + 4):
            wb["Обращения"].cell(row=r, column=2, value=UNKNOWN_SERVICE)

    files["unknown_services_four_in_twenty.xlsx"] = form("25628000", unknown_services)
    files["unknown_oktmo.xlsx"] = form(UNKNOWN_OKTMO)
    files["oktmo_in_sheet_differs.xlsx"] = form("25629000", title_oktmo="25703000")
    files["period_in_the_future.xlsx"] = form("25630000", period="март 2030")

    def totals_off(wb: Any) -> None:
        ws = wb["Обращения"]
        ws.cell(row=TOTALS_ROW, column=4, value=ws.cell(row=TOTALS_ROW, column=4).value + 7)

    files["totals_mismatch.xlsx"] = form("25631000", totals_off)
    files["totals_row_missing.xlsx"] = form(
        "25634000", lambda wb: wb["Обращения"].delete_rows(TOTALS_ROW)
    )
    files["duplicate_service_row.xlsx"] = form("25636000", cell("Обращения", "B20", service(2)))

    def sql_cells(wb: Any) -> None:
        wb["Обращения"]["C7"] = sql_text("dim_service")
        wb["Информирование"]["C4"] = sql_text("fact_omsu_campaign")

    files["sql_text_in_cells.xlsx"] = form("25638000", sql_cells)
    files["part_above_total.xlsx"] = form("25640000", cell("Обращения", "E11", 999))
    files["negative_placements.xlsx"] = form("25642000", cell("Информирование", "B3", -2))
    files["huge_placements.xlsx"] = form("25644000", cell("Информирование", "B4", 3_000_000_000))
    files["bad_name_seven_digit_oktmo.xlsx"] = form("2570100")
    files["path_traversal_name.xlsx"] = form("25701000")
    return files


BUILDERS: dict[str, Callable[[], dict[str, bytes]]] = {
    "epgu": epgu_cases,
    "mfc": mfc_cases,
    "omsu": omsu_cases,
    "ekc": ekc_cases,
}


def build() -> dict[str, bytes]:
    """Every corpus file by its path relative to tests/corpus ("mfc/empty_file.csv")."""
    return {
        f"{source}/{name}": content
        for source, builder in BUILDERS.items()
        for name, content in sorted(builder().items())
    }


def write(folder: Path = CORPUS) -> list[Path]:
    """Write the corpus under `folder`, replacing what a previous build left there."""
    written = []
    for source in SOURCES:
        for stale in (folder / source).glob("*"):
            stale.unlink()
    for relative, content in build().items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


if __name__ == "__main__":
    paths = write()
    total = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} files, {total} bytes under {CORPUS}")
