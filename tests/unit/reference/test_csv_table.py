"""Behaviour of the strict CSV reader shared by the reference files."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov.errors import ReferenceFileError
from egov.reference.csv_table import read_csv_rows


def test_rows_are_numbered_as_a_spreadsheet_shows_them_and_blank_lines_carry_no_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n\n3,4\n", encoding="utf-8")
    rows = read_csv_rows(path, "f.csv", ("a", "b"))
    assert [(r.row, r.values) for r in rows] == [
        (2, {"a": "1", "b": "2"}),
        (4, {"a": "3", "b": "4"}),
    ]


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-8-sig"))
    assert read_csv_rows(path, "f.csv", ("a", "b"))[0].values == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "f.csv: the file is empty"),
        (b"a,b\n", "f.csv: the file has a header but no data rows"),
        (b"a,a\n1,2\n", "f.csv, row 1, column 'a': column appears twice"),
        (b"a,c\n1,2\n", "f.csv, row 1, column 'b': required column is missing"),
        (b"a,b,c\n1,2,3\n", "f.csv, row 1, column 'c': unknown column"),
        (b"a,b\n1,2\n1,2,3\n", "f.csv, row 3: has 3 fields, the header has 2"),
        ("a,b\n1,2\n3,ы\n".encode("cp1251"), "f.csv, row 3: not valid UTF-8"),
    ],
)
def test_structural_problems_name_the_file_and_row(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ReferenceFileError) as caught:
        read_csv_rows(path, "f.csv", ("a", "b"))
    assert str(caught.value) == message


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReferenceFileError, match=r"f\.csv: cannot read the file"):
        read_csv_rows(tmp_path / "nope.csv", "f.csv", ("a",))
