"""Inbox folders: which entries are deliveries, their keys, what is refused and why."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from egov.sources.inbox import (
    IgnoredFile,
    InboxFile,
    InboxNameError,
    MunicipalityMonth,
    inbox_path,
    read_inbox_file,
)
from egov.sources.mfc.naming import parse_mfc_name, scan_mfc_inbox
from egov.sources.omsu.naming import parse_omsu_name, scan_omsu_inbox
from egov.sources.records import DeliveryError


def write(folder: Path, name: str, content: bytes = b"x") -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def reasons(ignored: list[IgnoredFile]) -> dict[str, str]:
    return {item.name: item.reason for item in ignored}


def test_mfc_inbox_lists_deliveries_by_day_and_reports_the_rest(tmp_path: Path) -> None:
    inbox = tmp_path / "mfc"
    inbox.mkdir()
    write(inbox, "mfc_20240306.csv", b"second")
    write(inbox, "mfc_20240305.csv", b"first!")
    write(inbox, "mfc_20240231.csv")
    write(inbox, "mfc_2024030.csv")
    write(inbox, "MFC_20240307.CSV")
    write(inbox, "mfc_20240308.csv.part")
    write(inbox, "readme.txt")
    (inbox / "archive").mkdir()
    write(inbox / "archive", "mfc_20240301.csv")

    scan = scan_mfc_inbox(inbox)

    assert [f.name for f in scan.files] == ["mfc_20240305.csv", "mfc_20240306.csv"]
    assert [f.key for f in scan.files] == [date(2024, 3, 5), date(2024, 3, 6)]
    first = scan.files[0]
    assert first.source == "mfc" and first.size == 6 and first.path == inbox.resolve() / first.name
    assert first.mtime.tzinfo is not None
    assert first.day == date(2024, 3, 5) and first.month == date(2024, 3, 1)
    with pytest.raises(AttributeError):
        _ = first.oktmo
    ignored = reasons(scan.ignored)
    assert set(ignored) == {
        "mfc_20240231.csv",
        "mfc_2024030.csv",
        "MFC_20240307.CSV",
        "mfc_20240308.csv.part",
        "readme.txt",
        "archive",
    }
    assert (
        "20240231" in ignored["mfc_20240231.csv"]
        and "not a calendar date" in ignored["mfc_20240231.csv"]
    )
    assert "does not match mfc_YYYYMMDD.csv" in ignored["readme.txt"]
    assert ignored["archive"] == "subfolder (not scanned)"


def test_omsu_inbox_keys_are_oktmo_and_month(tmp_path: Path) -> None:
    write(tmp_path, "omsu_25703000_2024-01.xlsx")
    write(tmp_path, "omsu_25701000_2024-02.xlsx")
    write(tmp_path, "omsu_25701000_2024-01.xlsx")
    write(tmp_path, "omsu_25701000_2024-13.xlsx")
    write(tmp_path, "omsu_2570100_2024-01.xlsx")
    write(tmp_path, "omsu_25701000_2024-01.xls")

    scan = scan_omsu_inbox(tmp_path)

    assert [f.key for f in scan.files] == [
        MunicipalityMonth("25701000", date(2024, 1, 1)),
        MunicipalityMonth("25701000", date(2024, 2, 1)),
        MunicipalityMonth("25703000", date(2024, 1, 1)),
    ]
    assert all(f.source == "omsu" for f in scan.files)
    assert (scan.files[2].oktmo, scan.files[2].month) == ("25703000", date(2024, 1, 1))
    with pytest.raises(AttributeError):
        _ = scan.files[0].day
    ignored = reasons(scan.ignored)
    assert "is not a month" in ignored["omsu_25701000_2024-13.xlsx"]
    assert set(ignored) == {
        "omsu_25701000_2024-13.xlsx",
        "omsu_2570100_2024-01.xlsx",
        "omsu_25701000_2024-01.xls",
    }


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    secret = write(tmp_path, "secret.csv", b"outside the inbox")
    write(inbox, "mfc_20240305.csv")
    (inbox / "mfc_20240306.csv").symlink_to(secret)
    (inbox / "mfc_20240307.csv").symlink_to(inbox / "mfc_20240305.csv")
    (inbox / "mfc_20240308.csv").symlink_to(tmp_path)

    scan = scan_mfc_inbox(inbox)

    assert [f.name for f in scan.files] == ["mfc_20240305.csv"]
    ignored = reasons(scan.ignored)
    assert {ignored[n] for n in ("mfc_20240306.csv", "mfc_20240307.csv", "mfc_20240308.csv")} == {
        "symbolic link (not followed)"
    }


def test_special_files_are_reported(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "mfc_20240305.csv")
    scan = scan_mfc_inbox(tmp_path)
    assert scan.files == [] and reasons(scan.ignored) == {"mfc_20240305.csv": "not a regular file"}


def test_a_missing_inbox_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match="does not exist"):
        scan_mfc_inbox(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../mfc_20240305.csv", "sub/mfc_20240305.csv", "/etc/passwd", "a\\b"]
)
def test_path_traversal_and_odd_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InboxNameError):
        inbox_path(tmp_path, name)


def test_a_plain_name_stays_inside_the_inbox(tmp_path: Path) -> None:
    assert inbox_path(tmp_path, "mfc_20240305.csv") == tmp_path.resolve() / "mfc_20240305.csv"


def test_read_inbox_file_returns_the_content(tmp_path: Path) -> None:
    write(tmp_path, "mfc_20240305.csv", b"content")
    [file] = scan_mfc_inbox(tmp_path).files
    assert read_inbox_file(file) == b"content"


def test_read_inbox_file_enforces_the_size_limit(tmp_path: Path) -> None:
    write(tmp_path, "mfc_20240305.csv", b"x" * 101)
    [file] = scan_mfc_inbox(tmp_path).files
    assert read_inbox_file(file, max_bytes=101) == b"x" * 101
    with pytest.raises(DeliveryError, match="over the 100-byte limit") as raised:
        read_inbox_file(file, max_bytes=100)
    assert raised.value.source == "mfc" and raised.value.file == "mfc_20240305.csv"


def test_read_inbox_file_refuses_a_symlink_swapped_in_after_the_scan(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write(inbox, "mfc_20240305.csv")
    [file] = scan_mfc_inbox(inbox).files
    path.unlink()
    path.symlink_to(write(tmp_path, "secret", b"secret"))
    with pytest.raises(DeliveryError, match="points outside the inbox"):
        read_inbox_file(file)
    path.unlink()
    path.symlink_to(write(inbox, "other.csv", b"other"))  # inside, but still a link
    with pytest.raises(DeliveryError, match="is a symbolic link"):
        read_inbox_file(file)


def test_read_inbox_file_refuses_a_crafted_name(tmp_path: Path) -> None:
    write(tmp_path, "secret", b"secret")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    crafted = InboxFile(
        "mfc", inbox / "../secret", "../secret", 6, datetime.now(UTC), date(2024, 3, 5)
    )
    with pytest.raises(DeliveryError, match="not a plain file name"):
        read_inbox_file(crafted)


def test_read_inbox_file_of_a_vanished_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "mfc_20240305.csv")
    [file] = scan_mfc_inbox(tmp_path).files
    path.unlink()
    with pytest.raises(DeliveryError, match="cannot open"):
        read_inbox_file(file)


def test_name_parsers() -> None:
    assert parse_mfc_name("mfc_20240229.csv") == date(2024, 2, 29)
    assert parse_omsu_name("omsu_25701000_2024-12.xlsx") == MunicipalityMonth(
        "25701000", date(2024, 12, 1)
    )
    for bad in ("mfc_20230229.csv", "mfc_20240305.csv ", "mfc_２０２４0305.csv"):
        with pytest.raises(InboxNameError):
            parse_mfc_name(bad)
