"""Behaviour of the МСЗУ catalogue and channel taxonomy readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov.errors import ReferenceFileError
from egov.paths import REFERENCE_DIR
from egov.reference.catalogue import read_channels, read_services

SERVICE_HEADER = (
    "reg_list_no,service_code,name,level,sphere,responsible_body,code_is_illustrative\n"
)


def test_repository_catalogue_has_25_municipal_and_15_regional_illustrative_codes() -> None:
    services = read_services(REFERENCE_DIR / "services.csv", "services.csv")
    assert sum(s.level == "municipal" for s in services) == 25
    assert sum(s.level == "regional" for s in services) == 15
    assert all(s.is_code_illustrative for s in services)


def test_only_epgu_counts_as_online_without_a_visit() -> None:
    channels = read_channels(REFERENCE_DIR / "channels.csv", "channels.csv")
    assert [c.channel_code for c in channels if c.is_online_without_visit] == ["epgu"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "1,3800000000100000001,A,municipal,x,y,yes\n2,3800000000100000001,B,municipal,x,y,yes\n",
            "s.csv, row 3, column 'service_code': "
            "duplicate service code 3800000000100000001 (also in row 2)",
        ),
        (
            "1,3800000000100000001,A,municipal,x,y,yes\n1,3800000000100000002,B,municipal,x,y,yes\n",
            "s.csv, row 3, column 'reg_list_no': "
            "duplicate number in the regional list 1 (also in row 2)",
        ),
        (
            "1,38000000001,A,municipal,x,y,yes\n",
            "s.csv, row 2, column 'service_code': '38000000001' is not a 19-digit service code",
        ),
        (
            "1,3800000000100000001,A,federal,x,y,yes\n",
            "s.csv, row 2, column 'level': 'federal' is not one of regional, municipal",
        ),
    ],
)
def test_bad_service_rows_name_row_and_column(tmp_path: Path, rows: str, message: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(SERVICE_HEADER + rows, encoding="utf-8")
    with pytest.raises(ReferenceFileError) as caught:
        read_services(path, "s.csv")
    assert str(caught.value) == message


def test_a_taxonomy_without_an_online_channel_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "channel,name_ru,counts_as_online_without_visit,source,note\nmfc,МФЦ,no,mfc,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceFileError, match="no channel counts as online without a visit"):
        read_channels(path, "c.csv")
