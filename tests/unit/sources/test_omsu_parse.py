"""Parsing a municipal monthly workbook: one test per known defect of sources.md §3, and more."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import date
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from egov.sources.omsu import MunicipalityMonth, OmsuReport, parse_omsu_name, parse_omsu_workbook
from egov.sources.records import DeliveryError, Finding

NAME = "omsu_25701000_2024-03.xlsx"
TITLE = [
    "Отчет о количестве обращений за получением МСЗУ",
    "Муниципальное образование: город Иркутск",
    "ОКТМО: 25701000",
    "Отчетный период: март 2024",
]
HEADER = [
    "№ п/п",
    "Код услуги (ФРГУ)",
    "Наименование услуги",
    "Всего обращений",
    "в т.ч. через ЕПГУ",
    "через МФЦ",
    "лично в ОМСУ",
    "почтой / эл. почтой",
]
SERVICES: list[tuple[Any, ...]] = [
    ("3800000000100000001", "Постановка на учет детей в детские сады", 120, 80, 20, 15, 5),
    ("3800000000100000004", "Выдача разрешения на строительство", 30, 20, 5, 4, 1),
    (
        "3800000000100000003",
        "Организация отдыха детей в каникулярное время",
        1234,
        1000,
        100,
        100,
        34,
    ),
]
CAMPAIGN = [
    ("официальный сайт", 12, "раздел «Госуслуги»"),
    ("информационные стенды", 30, None),
    ("социальные сети", 45, None),
    ("мессенджеры", 8, None),
    ("места массового пребывания", 3, "МФЦ, поликлиники"),
    ("Публикации о получении МСЗУ в электронном виде", 5, None),
]
FIRST_SERVICE_ROW = len(TITLE) + 2  # title rows, header row, then the services


def good_workbook(
    *,
    title: list[Any] | None = None,
    header_rows: list[list[Any]] | None = None,
    services: list[tuple[Any, ...]] | None = None,
    totals: bool = True,
    campaign: list[tuple[Any, ...]] | None = None,
) -> Workbook:
    """A workbook as sources.md describes it; tests mutate it to add one defect each."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Обращения"
    for line in TITLE if title is None else title:
        sheet.append(line if isinstance(line, list) else [line])
    for row in [HEADER] if header_rows is None else header_rows:
        sheet.append(row)
    rows = SERVICES if services is None else services
    for number, service in enumerate(rows, start=1):
        sheet.append([number, *service])
    if totals:
        sums = [sum(s[i] for s in rows if isinstance(s[i], int)) for i in range(2, 7)]
        sheet.append(["Итого", None, None, *sums])
    informing = workbook.create_sheet("Информирование")
    informing.append(["Канал размещения", "Количество размещений", "Примечание"])
    for channel in CAMPAIGN if campaign is None else campaign:
        informing.append(list(channel))
    return workbook


def applications_sheet(workbook: Workbook) -> Worksheet:
    return workbook["Обращения"]


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(workbook: Workbook | bytes, name: str = NAME) -> OmsuReport:
    """Parse and check the accounting rule every outcome must keep."""
    content = workbook if isinstance(workbook, bytes) else to_bytes(workbook)
    report = parse_omsu_workbook(content, name)
    assert report.is_accounted
    assert report.applications.source == "omsu" and report.campaign.source == "omsu"
    return report


def codes(report: OmsuReport) -> list[str]:
    return [f.code for f in report.findings]


def finding(report: OmsuReport, code: str) -> Finding:
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, (code, report.findings)
    return found[0]


def expected_counts() -> list[list[int]]:
    return [list(service[2:]) for service in SERVICES]


def counts(report: OmsuReport) -> list[list[int]]:
    columns = ["total", "via_epgu", "via_mfc", "in_person", "by_post"]
    return [[int(v) for v in row] for row in report.applications.records[columns].to_numpy()]


def test_good_workbook_gives_typed_records_title_and_totals() -> None:
    report = parse(good_workbook())
    applications = report.applications
    assert applications.rows_in == 3 and applications.rejects == []
    records = applications.records
    assert list(records.columns) == [
        "oktmo",
        "month",
        "service_code",
        "service_name",
        "total",
        "via_epgu",
        "via_mfc",
        "in_person",
        "by_post",
        "source_row",
    ]
    assert records["service_code"].tolist() == [s[0] for s in SERVICES]
    assert counts(report) == expected_counts()
    assert all(str(records[c].dtype) == "Int64" for c in ("total", "via_epgu", "by_post"))
    assert records["oktmo"].unique().tolist() == ["25701000"]
    assert records["month"].unique().tolist() == [date(2024, 3, 1)]
    assert records["source_row"].tolist() == [6, 7, 8]
    assert report.municipality_name == "город Иркутск"
    assert report.oktmo_in_sheet == report.oktmo_in_name == "25701000"
    assert report.period_in_sheet == report.period_in_name == date(2024, 3, 1)
    assert report.totals_row is not None and report.totals_row.row == 9
    assert report.totals_row.values["total"] == 1384
    assert report.findings == []

    campaign = report.campaign
    assert campaign.rows_in == 6 and campaign.rejects == []
    assert campaign.records["channel"].tolist() == [
        "official_site",
        "info_stands",
        "social_networks",
        "messengers",
        "mass_gathering_places",
        "publications",
    ]
    assert campaign.records["placements"].tolist() == [12, 30, 45, 8, 3, 5]
    assert str(campaign.records["placements"].dtype) == "Int64"
    assert campaign.records["note"].iloc[0] == "раздел «Госуслуги»"
    assert pd.isna(campaign.records["note"].iloc[1])
    assert campaign.records["source_row"].tolist() == [2, 3, 4, 5, 6, 7]


def test_parse_omsu_name() -> None:
    assert parse_omsu_name(NAME) == MunicipalityMonth("25701000", date(2024, 3, 1))


def test_a_name_that_is_not_a_delivery_name_is_an_error() -> None:
    with pytest.raises(DeliveryError, match="cannot tell municipality and month"):
        parse_omsu_workbook(to_bytes(good_workbook()), "report.xlsx")


# --- known defects of sources.md §3 -------------------------------------------------------


def test_defect_merged_header_cells_two_row_header_with_a_group_cell() -> None:
    top = [*HEADER[:4], "в том числе", None, None, None]
    bottom = [
        None,
        None,
        None,
        None,
        "через ЕПГУ",
        "через МФЦ",
        "лично в ОМСУ",
        "почтой / эл. почтой",
    ]
    workbook = good_workbook(header_rows=[top, bottom])
    sheet = applications_sheet(workbook)
    for column in "ABCD":
        sheet.merge_cells(f"{column}5:{column}6")
    sheet.merge_cells("E5:H5")
    report = parse(workbook)
    assert counts(report) == expected_counts()
    assert report.applications.records["source_row"].tolist() == [7, 8, 9]
    assert report.period_in_sheet == date(2024, 3, 1)  # the title line right above still found


def test_defect_merged_header_cell_spanning_two_rows() -> None:
    top = [*HEADER[:4], "в т.ч. через ЕПГУ", "Иные способы подачи", None, None]
    bottom = [None, None, None, None, None, "через МФЦ", "лично в ОМСУ", "почтой/эл.почтой"]
    workbook = good_workbook(header_rows=[top, bottom])
    sheet = applications_sheet(workbook)
    for column in "ABCDE":
        sheet.merge_cells(f"{column}5:{column}6")
    sheet.merge_cells("F5:H5")
    report = parse(workbook)
    assert counts(report) == expected_counts()


def test_two_row_header_without_merges() -> None:
    top = [*HEADER[:4], "в том числе", None, None, None]
    bottom = [
        None,
        None,
        None,
        None,
        "через ЕПГУ",
        "через МФЦ",
        "лично в ОМСУ",
        "почтой / эл. почтой",
    ]
    report = parse(good_workbook(header_rows=[top, bottom]))
    assert counts(report) == expected_counts()
    assert report.applications.records["source_row"].tolist() == [7, 8, 9]
    assert report.period_in_sheet == date(2024, 3, 1)


def test_defect_header_case_line_breaks_and_spelled_out() -> None:
    header = [
        "№\nп/п",
        "КОД УСЛУГИ\n(ФРГУ)",
        "наименование  услуги",
        "Всего\r\nобращений",
        "В том числе\nчерез ЕПГУ",
        "Через МФЦ",
        "Лично  в ОМСУ",
        "Почтой/эл.почтой",
    ]
    report = parse(good_workbook(header_rows=[header]))
    assert counts(report) == expected_counts()


def test_defect_numbers_stored_as_text_with_spaces_and_nbsp() -> None:
    services = [
        ("3800000000100000001", "Услуга", "1 234", "1\xa0000", " 100 ", "100", "34"),
        ("3800000000100000004", "Услуга", "2\u202f000", 2000, 0, "0", 0),
    ]
    report = parse(good_workbook(services=services))
    assert counts(report) == [[1234, 1000, 100, 100, 34], [2000, 2000, 0, 0, 0]]
    assert "numbers_as_text" in codes(report)
    assert finding(report, "numbers_as_text").severity == "info"


def test_defect_blank_rows_inside_the_table_are_not_rows() -> None:
    workbook = good_workbook()
    sheet = applications_sheet(workbook)
    sheet.insert_rows(7)  # between the first and second service
    sheet.insert_rows(9, amount=2)
    report = parse(workbook)
    assert report.applications.rows_in == 3
    assert counts(report) == expected_counts()
    assert report.applications.records["source_row"].tolist() == [6, 8, 11]
    blank = finding(report, "blank_rows_inside")
    assert blank.severity == "info" and "7, 9, 10" in blank.message


def test_defect_an_empty_cell_is_missing_not_zero() -> None:
    services = [(*SERVICES[0][:6], None), *SERVICES[1:]]
    report = parse(good_workbook(services=services))
    records = report.applications.records
    assert records["by_post"].isna().tolist() == [True, False, False]
    assert records["by_post"].iloc[1] == 1
    assert str(records["by_post"].dtype) == "Int64"
    found = finding(report, "empty_cells")
    assert found.severity == "warning" and "H6" in found.message
    # Parts that cannot be complete are not called "not adding up".
    assert "parts_do_not_add_up" not in codes(report)


def test_defect_totals_not_equal_to_the_sum() -> None:
    workbook = good_workbook()
    applications_sheet(workbook)["D9"] = 1400  # the sum is 1384
    applications_sheet(workbook)["H9"] = 41  # the sum is 40
    report = parse(workbook)
    mismatches = [f for f in report.findings if f.code == "totals_mismatch"]
    assert [(f.row, f.column) for f in mismatches] == [
        (9, "Всего обращений"),
        (9, "почтой / эл. почтой"),
    ]
    assert all(f.severity == "warning" for f in mismatches)
    assert "1400" in mismatches[0].message and "1384" in mismatches[0].message
    assert "41" in mismatches[1].message and "40" in mismatches[1].message
    assert len(report.applications.records) == 3  # Итого is never a record


def test_totals_row_is_recognised_in_any_case_and_in_the_name_column() -> None:
    workbook = good_workbook()
    sheet = applications_sheet(workbook)
    sheet["A9"] = None
    sheet["C9"] = "ИТОГО:"
    report = parse(workbook)
    assert report.applications.rows_in == 3 and report.totals_row is not None
    assert report.totals_row.row == 9 and report.findings == []


def test_a_totals_formula_without_a_saved_value_is_reported_not_compared() -> None:
    workbook = good_workbook()
    applications_sheet(workbook)["D9"] = "=SUM(D6:D8)"  # openpyxl saves no computed value
    report = parse(workbook)
    assert report.totals_row is not None and report.totals_row.values["total"] is None
    found = finding(report, "totals_cells_empty")
    assert found.severity == "info" and "'Всего обращений'" in found.message
    assert "totals_mismatch" not in codes(report)


def test_a_missing_totals_row_is_reported() -> None:
    report = parse(good_workbook(totals=False))
    assert report.totals_row is None and "totals_row_missing" in codes(report)


def test_defect_parts_not_adding_up_to_the_total() -> None:
    services = [SERVICES[0], (*SERVICES[1][:2], 31, *SERVICES[1][3:]), SERVICES[2]]
    report = parse(good_workbook(services=services))
    found = finding(report, "parts_do_not_add_up")
    assert found.row == 7 and found.column == "Всего обращений"
    assert "20 + 5 + 4 + 1 = 30" in found.message and "31" in found.message
    assert len(report.applications.records) == 3  # kept: the quality gate decides


def test_defect_oktmo_in_name_and_sheet_disagree() -> None:
    report = parse(good_workbook(), "omsu_25703000_2024-03.xlsx")
    found = finding(report, "oktmo_name_mismatch")
    assert found.severity == "blocking" and found.row == 3
    assert "25703000" in found.message and "25701000" in found.message
    assert report.oktmo_in_name == "25703000" and report.oktmo_in_sheet == "25701000"
    assert found in report.applications.findings  # seen by anyone reading the tables only
    # Figures are keyed by the delivery (name); the blocking finding stops them downstream.
    assert report.applications.records["oktmo"].unique().tolist() == ["25703000"]


def test_period_in_name_and_sheet_disagree() -> None:
    report = parse(good_workbook(), "omsu_25701000_2024-04.xlsx")
    found = finding(report, "period_name_mismatch")
    assert found.severity == "blocking" and found.row == 4
    assert report.period_in_sheet == date(2024, 3, 1)
    assert report.period_in_name == date(2024, 4, 1)


def test_defect_sheets_in_another_order_and_names_spelled_differently() -> None:
    workbook = good_workbook()
    workbook.create_sheet("Пояснения", 0)
    workbook.move_sheet("Информирование", offset=-2)
    applications_sheet(workbook).title = " ОБРАЩЕНИЯ "
    assert workbook.sheetnames[-1] == " ОБРАЩЕНИЯ "
    report = parse(workbook)
    assert counts(report) == expected_counts()
    assert report.campaign.rows_in == 6


@pytest.mark.parametrize(
    ("title", "header_row"),
    [
        pytest.param(TITLE[1:], 4, id="three-rows"),
        pytest.param(
            [
                "Форма 1-МСЗУ",
                TITLE[0],
                ["Муниципальное образование:", None, "город Иркутск"],
                ["ОКТМО:", 25701000],
                ["Отчетный период:", None, "МАРТ 2024 г."],
                None,
            ],
            7,
            id="six-rows-values-in-other-cells",
        ),
    ],
)
def test_defect_title_block_of_three_and_of_six_rows(title: list[Any], header_row: int) -> None:
    workbook = good_workbook(title=[[] if line is None else line for line in title])
    if header_row == 7:
        applications_sheet(workbook).merge_cells("A3:B3")
    report = parse(workbook)
    assert report.municipality_name == "город Иркутск"
    assert report.oktmo_in_sheet == "25701000"
    assert report.period_in_sheet == date(2024, 3, 1)
    assert report.applications.records["source_row"].iloc[0] == header_row + 1
    assert report.findings == []


def test_period_month_names_any_case_and_form() -> None:
    title = [*TITLE[:3], "Отчётный период: Сентябрь 2023"]
    report = parse(good_workbook(title=title), "omsu_25701000_2023-09.xlsx")
    assert report.period_in_sheet == date(2023, 9, 1) and report.findings == []


@pytest.mark.parametrize("period", ["март 0000", "03.0000", "0000-03"])
def test_a_period_in_year_0000_is_reported_unreadable_not_a_crash(period: str) -> None:
    report = parse(good_workbook(title=[*TITLE[:3], f"Отчетный период: {period}"]))
    assert report.period_in_sheet is None
    found = finding(report, "period_unreadable_in_sheet")
    assert found.row == len(TITLE) and period in found.message
    assert len(report.applications.records) == len(SERVICES)


def test_missing_title_lines_are_reported() -> None:
    report = parse(good_workbook(title=["Отчет", "", "", ""]))
    assert {"oktmo_missing_in_sheet", "period_missing_in_sheet"} <= set(codes(report))
    assert report.oktmo_in_sheet is None and report.period_in_sheet is None


def test_a_missing_required_column_names_file_sheet_and_column() -> None:
    header = [h if h != "через МФЦ" else "через многофункциональный центр" for h in HEADER]
    with pytest.raises(DeliveryError) as raised:
        parse(good_workbook(header_rows=[header]))
    error = raised.value
    assert error.file == NAME and error.column == "через МФЦ" and error.row == 5
    assert NAME in str(error) and "«Обращения»" in str(error) and "'через МФЦ'" in str(error)


def test_a_header_column_given_twice_is_an_error() -> None:
    workbook = good_workbook(header_rows=[[*HEADER, "Через МФЦ"]])
    with pytest.raises(DeliveryError, match="appears twice") as raised:
        parse(workbook)
    assert raised.value.column == "через МФЦ" and "F and I" in str(raised.value)


def test_no_header_at_all_is_an_error() -> None:
    workbook = good_workbook(header_rows=[["a", "b", "c"]])
    with pytest.raises(DeliveryError, match="header row not found"):
        parse(workbook)


def test_a_missing_applications_sheet_is_an_error() -> None:
    workbook = good_workbook()
    applications_sheet(workbook).title = "Лист1"
    with pytest.raises(DeliveryError, match="sheet «Обращения» not found"):
        parse(workbook)


def test_a_missing_campaign_sheet_is_a_warning_and_an_empty_campaign() -> None:
    workbook = good_workbook()
    del workbook["Информирование"]
    report = parse(workbook)
    assert report.campaign.rows_in == 0 and report.campaign.records.empty
    found = finding(report, "campaign_sheet_missing")
    assert found.severity == "warning"
    assert len(report.applications.records) == 3


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("много", "is not a number"),
        (-5, "is negative"),
        ("-5", "is negative"),
        (2.5, "is not a whole number"),
        ("12,5", "is not a whole number"),
        (True, "is not a number"),
    ],
)
def test_a_bad_count_is_a_row_reject_naming_row_and_column(value: Any, reason: str) -> None:
    workbook = good_workbook()
    applications_sheet(workbook)["F7"] = value
    report = parse(workbook)
    [reject] = report.applications.rejects
    assert reject.row == 7 and reject.column == "через МФЦ" and reason in reject.reason
    assert "cell F7" in reject.reason and reject.file == NAME
    assert report.applications.rows_in == 3 and len(report.applications.records) == 2


def test_whole_numbers_stored_as_floats_are_accepted() -> None:
    workbook = good_workbook()
    applications_sheet(workbook)["D6"] = 120.0
    report = parse(workbook)
    assert counts(report) == expected_counts()


@pytest.mark.parametrize(
    "code", ["380000000010000000", "3800 000000100000001", "38000000001000000O1", None, 3.8e18]
)
def test_a_bad_service_code_is_a_row_reject(code: Any) -> None:
    workbook = good_workbook()
    applications_sheet(workbook)["B8"] = code
    report = parse(workbook)
    [reject] = report.applications.rejects
    assert reject.row == 8 and reject.column == "Код услуги (ФРГУ)"


def test_a_row_of_column_numbers_under_the_header_is_not_data() -> None:
    workbook = good_workbook()
    applications_sheet(workbook).insert_rows(6)
    for column in range(1, 9):
        applications_sheet(workbook).cell(6, column, column)
    report = parse(workbook)
    assert report.applications.rows_in == 3 and report.findings == []


def test_rows_after_totals_are_reported_not_read() -> None:
    workbook = good_workbook()
    applications_sheet(workbook)["B11"] = "Исполнитель: Иванова И.И., тел. 20-00-00"
    report = parse(workbook)
    found = finding(report, "rows_after_totals")
    assert found.row == 11 and found.severity == "info"
    assert report.applications.rows_in == 3


def test_duplicate_service_codes_are_reported() -> None:
    services = [SERVICES[0], (SERVICES[0][0], *SERVICES[1][1:]), SERVICES[2]]
    report = parse(good_workbook(services=services))
    assert finding(report, "duplicate_service_code").row == 6


def test_campaign_channels_are_normalised_and_unknown_ones_rejected() -> None:
    campaign = [
        ("Официальный  сайт администрации", "1 200", None),
        ("ИНФОРМАЦИОННЫЕ\nСТЕНДЫ", None, "не размещали"),
        ("радио", 3, None),
        (None, None, None),
        ("Итого", 1203, None),
    ]
    report = parse(good_workbook(campaign=campaign))
    campaign_part = report.campaign
    assert campaign_part.rows_in == 3
    assert campaign_part.records["channel"].tolist() == ["official_site", "info_stands"]
    assert campaign_part.records["placements"].iloc[0] == 1200
    assert pd.isna(campaign_part.records["placements"].iloc[1])
    [reject] = campaign_part.rejects
    assert reject.row == 4 and reject.column == "Канал размещения" and "радио" in reject.reason


def test_a_campaign_header_without_a_required_column_is_an_error() -> None:
    workbook = good_workbook()
    workbook["Информирование"]["B1"] = "Охват"
    with pytest.raises(DeliveryError) as raised:
        parse(workbook)
    assert raised.value.column == "Количество размещений"
    assert "«Информирование»" in str(raised.value)


def test_content_far_beyond_a_report_form_is_an_error_and_fast() -> None:
    workbook = good_workbook()
    applications_sheet(workbook).cell(1_000_000, 1, "x")
    content = to_bytes(workbook)
    started = time.perf_counter()
    with pytest.raises(DeliveryError, match=r"cell A1000000, beyond the 2000 rows") as raised:
        parse_omsu_workbook(content, NAME)
    assert time.perf_counter() - started < 2
    assert raised.value.row == 1_000_000


def test_an_empty_styled_cell_far_away_does_not_slow_parsing() -> None:
    workbook = good_workbook()
    applications_sheet(workbook).cell(1_000_000, 16_000).font = Font(bold=True)
    content = to_bytes(workbook)
    started = time.perf_counter()
    report = parse(content)
    assert time.perf_counter() - started < 2
    assert counts(report) == expected_counts()


def test_a_huge_declared_dimension_is_ignored() -> None:
    content = to_bytes(good_workbook())
    source = zipfile.ZipFile(io.BytesIO(content))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data, replaced = re.subn(
                    rb'<dimension ref="[^"]*" */>', b'<dimension ref="A1:XFD1048576" />', data
                )
                assert replaced == 1
            target.writestr(info, data)
    started = time.perf_counter()
    report = parse(patched.getvalue())
    assert time.perf_counter() - started < 2
    assert counts(report) == expected_counts()


def test_bytes_that_are_not_a_workbook_are_an_error() -> None:
    with pytest.raises(DeliveryError, match="not an XLSX workbook"):
        parse_omsu_workbook(b"PK\x03\x04 broken", NAME)
    with pytest.raises(DeliveryError, match="not an XLSX workbook"):
        parse_omsu_workbook("Код;Всего\n".encode("cp1251"), NAME)


@pytest.mark.parametrize("written", ["1,000", "1.000"])
def test_a_count_with_an_ambiguous_thousands_separator_is_rejected_not_read_as_one(
    written: str,
) -> None:
    services = [(*SERVICES[0][:2], written, *SERVICES[0][3:]), *SERVICES[1:]]
    report = parse(good_workbook(services=services))
    [reject] = report.applications.rejects
    assert (reject.row, reject.column, reject.value) == (
        FIRST_SERVICE_ROW,
        "Всего обращений",
        written,
    )
    assert report.applications.rows_in == 3 and len(report.applications.records) == 2


def test_whole_numbers_written_with_decimal_zeros_are_read() -> None:
    services = [(*SERVICES[0][:2], "120,0", "80.00", *SERVICES[0][4:]), *SERVICES[1:]]
    report = parse(good_workbook(services=services))
    assert report.applications.rejects == []
    assert counts(report)[0][:2] == [120, 80]


def test_a_service_row_below_the_totals_row_is_rejected_not_dropped() -> None:
    workbook = good_workbook()
    sheet = applications_sheet(workbook)
    sheet.append([4, "3800000000100000009", "Услуга после итога", 500, 400, 50, 40, 10])
    sheet.append(["Исполнитель: Иванова И. И."])  # a signature line is not a row
    below = sheet.max_row - 1
    report = parse(workbook)
    assert report.applications.rows_in == 4
    [reject] = report.applications.rejects
    assert (reject.row, reject.column) == (below, "Код услуги (ФРГУ)")
    assert "below «Итого»" in reject.reason
    assert finding(report, "rows_after_totals").severity == "warning"
