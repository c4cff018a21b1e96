"""Writing municipal workbooks to disk, byte-for-byte reproducibly.

The document properties carry a fixed time (the 5th of the month after the reporting month,
09:00) and so do the zip entries, which openpyxl would otherwise stamp with the wall clock.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]

from egov.simulator.omsu.layout import OmsuReport, document_time
from egov.simulator.omsu.workbook import build_workbook


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed time (zipfile would use the wall clock)."""

    fixed: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)

    def writestr(  # type: ignore[override]
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: bytes | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """Store an entry stamped with the fixed time."""
        if isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zinfo_or_arcname
            info.date_time = self.fixed
        else:
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.fixed)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
        super().writestr(info, data, compress_type, compresslevel)

    def write(  # type: ignore[override]
        self,
        filename: str | Path,
        arcname: str | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """Store a file's bytes as an entry stamped with the fixed time."""
        self.writestr(arcname or str(filename), Path(filename).read_bytes())


def save_workbook(workbook: Any, path: Path, moment: datetime) -> None:
    """Save with every timestamp fixed to `moment`, so the same content gives the same bytes."""
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = "АИС ОМСУ"
    archive = _FixedTimeZip(path, "w", zipfile.ZIP_DEFLATED)
    archive.fixed = (moment.year, moment.month, moment.day, moment.hour, moment.minute, 0)
    ExcelWriter(workbook, archive).save()  # closes the archive


def write_omsu_report(
    folder: Path, report: OmsuReport, kinds: Sequence[str] = (), defect_seed: Sequence[int] = (0,)
) -> list[dict[str, Any]]:
    """Write one workbook; returns its defect records."""
    wb, records = build_workbook(report, kinds, defect_seed)
    save_workbook(wb, folder / report.file_name, document_time(report.year, report.month))
    return records


def write_omsu_reports(
    folder: Path,
    jobs: Sequence[tuple[OmsuReport, Sequence[str], Sequence[int]]],
) -> list[dict[str, Any]]:
    """Write several workbooks (one worker's share); returns their defect records in order."""
    folder.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for report, kinds, seed in jobs:
        records += write_omsu_report(folder, report, kinds, seed)
    return records
