"""The generated world: determinism, delivery formats, consistency between sources, defects."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from egov.paths import REFERENCE_DIR
from egov.reference.bundle import read_reference_bundle
from egov.simulator import (
    MFC_STATUSES,
    EkcStore,
    EpguStore,
    calibrate,
    from_unix,
    generate_world,
    month_range,
    plan_defects,
)
from egov.simulator import mfc as mfc_files
from egov.simulator import omsu as omsu_files
from egov.simulator.parameters import MFC_COUNTED_STATUSES
from egov.sources.contract import EPGU_STATUSES

FIRST, LAST = "2024-03", "2024-04"
SCALE = 0.02
MFC_HEADER = [
    "Номер дела",
    "Дата приема",
    "Код услуги (ФРГУ)",
    "Наименование услуги",
    "ОКТМО",
    "Офис МФЦ",
    "Статус",
]
OMSU_HEADER = [
    "№ п/п",
    "Код услуги (ФРГУ)",
    "Наименование услуги",
    "Всего обращений",
    "в т.ч. через ЕПГУ",
    "через МФЦ",
    "лично в ОМСУ",
    "почтой / эл. почтой",
]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("clean")
    return out, generate_world(out, FIRST, LAST, scale=SCALE, defects="none")


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("heavy")
    return out, generate_world(out, FIRST, LAST, scale=SCALE, defects="heavy")


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _mfc_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("cp1251")
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") if row]


def _omsu_table(path: Path) -> tuple[list[Any], list[list[Any]], list[Any]]:
    """Header, service rows and the Итого row of a clean workbook."""
    sheet = openpyxl.load_workbook(path)["Обращения"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "№ п/п")
    end = next(i for i, r in enumerate(rows) if r[0] == "Итого")
    return rows[start], rows[start + 1 : end], rows[end]


def test_same_inputs_give_byte_identical_worlds(
    clean: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, manifest = clean
    again = generate_world(tmp_path, FIRST, LAST, scale=SCALE, defects="none")
    assert again == manifest
    first, second = _files(out), _files(tmp_path)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_manifest_describes_the_world(clean: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = clean
    assert json.loads((out / "world.json").read_text(encoding="utf-8")) == manifest
    assert manifest["format_version"] == 2
    assert (manifest["first_month"], manifest["last_month"]) == (FIRST, LAST)
    assert (manifest["scale"], manifest["seed"], manifest["defects"]) == (SCALE, 20240321, "none")
    assert manifest["injected_defects"] == [] and manifest["missing_reports"] == []
    counts = manifest["counts"]
    assert counts["mfc_files"] == 61 == len(list((out / "inbox/mfc").glob("mfc_*.csv")))
    assert counts["omsu_files"] == 84 == len(list((out / "inbox/omsu").glob("omsu_*.xlsx")))
    assert counts["epgu_events"] == len(EpguStore.load(out))
    assert counts["ekc_calls"] == len(EkcStore.load(out)) > 0
    rows = sum(len(_mfc_rows(p)) - 1 for p in (out / "inbox/mfc").glob("*.csv"))
    assert rows == counts["mfc_rows"]


def test_epgu_versions(clean: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = clean
    store = EpguStore.load(out)
    order = np.lexsort((store.app_no, store.updated_at))
    assert np.array_equal(order, np.arange(len(store)))
    assert len(np.unique(store.app_no)) == manifest["counts"]["epgu_applications"]
    by_app = np.lexsort((store.updated_at, store.app_no))
    app, status = store.app_no[by_app], store.status[by_app]
    first = np.r_[True, app[1:] != app[:-1]]
    last = np.r_[app[1:] != app[:-1], True]
    registered = EPGU_STATUSES.index("registered")
    assert np.all(status[first] == registered)
    assert np.all(store.updated_at[by_app][first] == store.submitted_at[by_app][first])
    assert np.all(status[last] >= EPGU_STATUSES.index("completed"))
    # requires_visit and the submission time are the same in every version
    starts = np.flatnonzero(first)
    visit = np.repeat(store.requires_visit[by_app][first], np.diff(np.r_[starts, len(app)]))
    assert np.array_equal(visit, store.requires_visit[by_app])
    # numbers ascend with the submission time
    submitted = store.submitted_at[by_app][first]
    assert np.all(np.diff(submitted) >= 0)
    assert 0.08 < store.requires_visit[by_app][first].mean() < 0.22
    item = store.item(0)
    assert item["application_id"].startswith("EPGU-2024-")
    assert item["submitted_at"].endswith("+08:00")


def test_mfc_files_format(clean: tuple[Path, dict[str, Any]]) -> None:
    out, _ = clean
    path = out / "inbox/mfc/mfc_20240304.csv"
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("cp1251")
    assert text.split("\r\n")[0] == ";".join(MFC_HEADER)
    rows = _mfc_rows(path)
    assert rows[0] == MFC_HEADER and len(rows) > 50
    assert all(len(r) == 7 for r in rows)
    catalogue = {r["service_code"] for r in read_reference_bundle(REFERENCE_DIR).services.rows}
    for case, accepted, code, _, oktmo, office, status in rows[1:]:
        assert case.startswith("МФЦ-38-2024-") and len(case) == 19
        assert accepted.startswith("04.03.2024 ") and len(accepted) == 16
        assert len(code) == 19 and code.isdigit()
        assert len(oktmo) == 8 and oktmo.isdigit()
        assert office.startswith(("МФЦ ", "Филиал МФЦ "))
        assert status in MFC_STATUSES
    cases = [r[0] for p in sorted((out / "inbox/mfc").glob("*.csv")) for r in _mfc_rows(p)[1:]]
    assert len(cases) == len(set(cases)) and cases == sorted(cases)
    share = np.mean(
        [r[2] in catalogue for p in (out / "inbox/mfc").glob("*.csv") for r in _mfc_rows(p)[1:]]
    )
    assert 0.3 < share < 0.5


def test_mfc_quoting_follows_the_csv_module() -> None:
    assert mfc_files.csv_field("a; b") == '"a; b"'
    assert mfc_files.csv_field('АО "МСП"') == '"АО ""МСП"""'
    assert mfc_files.csv_field("plain") == "plain"


def test_omsu_workbooks_format_and_totals(clean: tuple[Path, dict[str, Any]]) -> None:
    out, _ = clean
    path = out / "inbox/omsu/omsu_25701000_2024-04.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Обращения", "Информирование"]
    titles = [c for r in book["Обращения"].iter_rows(max_row=6, values_only=True) for c in r if c]
    assert "Отчет о количестве обращений за получением МСЗУ" in titles
    assert "Муниципальное образование: город Иркутск" in titles
    assert "ОКТМО: 25701000" in titles
    assert "Отчетный период: апрель 2024" in titles
    header, rows, total = _omsu_table(path)
    assert header == OMSU_HEADER
    assert len(rows) == 25
    for row in rows:
        assert row[3] == sum(row[4:8])
    assert total[3:] == [sum(r[c] for r in rows) for c in range(3, 8)]
    info = [list(r) for r in book["Информирование"].iter_rows(values_only=True)]
    assert info[0] == ["Канал размещения", "Количество размещений", "Примечание"]
    assert [r[0] for r in info[1:]] == [*omsu_files.INFORMING_CHANNELS, omsu_files.PUBLICATIONS]
    assert all(isinstance(r[1], int) for r in info[1:])


def test_omsu_figures_equal_the_counted_epgu_and_mfc_applications(
    clean: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = clean
    store = EpguStore.load(out)
    final: dict[int, tuple[int, int, int, str]] = {}
    for i in range(len(store)):  # sorted by time: the last version of an application wins
        month = from_unix(int(store.submitted_at[i])).strftime("%Y-%m")
        final[int(store.app_no[i])] = (
            int(store.status[i]),
            int(store.oktmo_idx[i]),
            int(store.service_idx[i]),
            month,
        )
    not_counted = {EPGU_STATUSES.index("withdrawn"), EPGU_STATUSES.index("duplicate")}
    epgu = Counter(
        (store.oktmos[o], store.service_codes[s], m)
        for status, o, s, m in final.values()
        if status not in not_counted
    )
    counted_mfc = {MFC_STATUSES[i] for i in MFC_COUNTED_STATUSES}
    mfc: Counter[tuple[str, str, str]] = Counter()
    for path in (out / "inbox/mfc").glob("*.csv"):
        for row in _mfc_rows(path)[1:]:
            if row[6] in counted_mfc:
                d = row[1]
                mfc[(row[4], row[2], f"{d[6:10]}-{d[3:5]}")] += 1
    checked = 0
    for path in sorted((out / "inbox/omsu").glob("*.xlsx")):
        _, oktmo, month = path.stem.split("_")
        _, rows, _ = _omsu_table(path)
        for row in rows:
            assert row[4] == epgu[(oktmo, row[1], month)]
            assert row[5] == mfc[(oktmo, row[1], month)]
            checked += row[4] + row[5]
    assert checked > 1000


def test_enrolment_applications_spike_in_april(clean: tuple[Path, dict[str, Any]]) -> None:
    out, _ = clean
    store = EpguStore.load(out)
    enrolment = store.service_codes.index("3800000000100000002")
    registered = (store.status == 0) & (store.service_idx == enrolment)
    months = Counter(from_unix(int(t)).month for t in store.submitted_at[registered])
    assert months[4] > 8 * max(months[3], 1)


def test_heavy_defects_inject_every_kind(heavy: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = heavy
    kinds = Counter((d["source"], d["kind"]) for d in manifest["injected_defects"])
    expected = {("mfc", k) for k in mfc_files.DEFECT_KINDS}
    expected |= {("omsu", k) for k in (*omsu_files.DEFECT_KINDS, "figures_drift")}
    assert set(kinds) == expected
    for item in manifest["injected_defects"]:
        assert (out / "inbox" / item["source"] / item["file"]).exists()
        assert item["detail"]
    assert manifest["missing_reports"]
    for missing in manifest["missing_reports"]:
        name = f"omsu_{missing['oktmo']}_{missing['month']}.xlsx"
        assert not (out / "inbox/omsu" / name).exists()
    assert manifest["counts"]["omsu_files"] == 84 - len(manifest["missing_reports"])


def test_heavy_defects_are_in_the_files(heavy: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = heavy

    def first(kind: str) -> dict[str, Any]:
        return next(d for d in manifest["injected_defects"] if d["kind"] == kind)

    bom = first("utf8_bom")
    assert (out / "inbox/mfc" / bom["file"]).read_bytes().startswith(b"\xef\xbb\xbf")
    spaced = first("oktmo_with_spaces")
    rows = _mfc_rows(out / "inbox/mfc" / spaced["file"])
    assert " " in rows[spaced["row"] - 1][4]
    padded = first("header_extra_spaces")
    header = _mfc_rows(out / "inbox/mfc" / padded["file"])[0]
    assert header != MFC_HEADER and [h.strip() for h in header] == MFC_HEADER
    trailing = first("trailing_empty_lines")
    assert (out / "inbox/mfc" / trailing["file"]).read_bytes().endswith(b"\r\n\r\n")

    merged = first("merged_header")
    sheet = openpyxl.load_workbook(out / "inbox/omsu" / merged["file"])["Обращения"]
    assert len(sheet.merged_cells.ranges) > 1
    order = first("sheet_order")
    book = openpyxl.load_workbook(out / "inbox/omsu" / order["file"])
    assert book.sheetnames[0] == "Информирование"
    mismatch = first("oktmo_mismatch")
    sheet = openpyxl.load_workbook(out / "inbox/omsu" / mismatch["file"])["Обращения"]
    code = mismatch["file"].split("_")[1]
    texts = [c for r in sheet.iter_rows(max_row=6, values_only=True) for c in r if c]
    oktmo_text = next(t for t in texts if str(t).startswith("ОКТМО: "))
    assert oktmo_text != f"ОКТМО: {code}"


def test_defects_leave_the_truth_alone(
    clean: tuple[Path, dict[str, Any]], heavy: tuple[Path, dict[str, Any]]
) -> None:
    (a, ma), (b, mb) = clean, heavy
    for name in ("epgu/events.npz", "ekc/calls.npz"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert ma["counts"]["mfc_rows"] == mb["counts"]["mfc_rows"]
    for path in sorted((a / "inbox/mfc").glob("*.csv"))[:10]:
        clean_rows = _mfc_rows(path)[1:]
        heavy_rows = _mfc_rows(b / "inbox/mfc" / path.name)[1:]
        assert [r[0] for r in clean_rows] == [r[0] for r in heavy_rows]
        assert [r[4] for r in clean_rows] == [r[4].replace(" ", "")[:8] for r in heavy_rows]


def test_realistic_plan_has_every_kind_over_two_years() -> None:
    bundle = read_reference_bundle(REFERENCE_DIR)
    cal = calibrate(bundle.municipalities.rows, bundle.services.rows, 20240321)
    plan = plan_defects(cal, month_range("2023-01", "2024-12"), 20240321, "realistic")
    mfc = Counter(k for kinds in plan.mfc.values() for k in kinds)
    omsu = Counter(k for kinds in plan.omsu.values() for k in kinds)
    assert set(mfc) == set(mfc_files.DEFECT_KINDS)
    assert set(omsu) == set(omsu_files.DEFECT_KINDS)
    # low rates: a few per cent of the files
    assert sum(mfc.values()) < 0.2 * 731 and sum(omsu.values()) < 0.3 * 1008
    assert 1 <= len(plan.missing) <= 15
    none = plan_defects(cal, month_range("2023-01", "2024-12"), 20240321, "none")
    assert not none.mfc and not none.omsu and not none.missing


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="after"):
        generate_world(tmp_path, "2024-02", "2024-01")
    with pytest.raises(ValueError, match="defects"):
        generate_world(tmp_path, "2024-01", "2024-01", defects="some")  # type: ignore[arg-type]


def test_worker_processes_write_the_same_bytes(
    clean: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, manifest = clean
    assert generate_world(tmp_path, FIRST, LAST, scale=SCALE, workers=2) == manifest
    assert _files(tmp_path) == _files(out)
