"""Writing the МФЦ daily exports `mfc_YYYYMMDD.csv` (sources.md §2), with their known defects.

Files are built as text from small dictionaries of pre-quoted fields (service, office) and
encoded at once: a two-year world at scale 1.0 has about seven million rows.

Defects (kind keys of the manifest), applied to the delivered file only:
`utf8_bom` (the file is UTF-8 with a BOM), `trailing_empty_lines`, `oktmo_with_spaces`
(`25 701 000` on some rows), `oktmo_11_digits` (`25701000001` on some rows),
`header_extra_spaces` (one header cell padded with spaces). `row` in a defect record is the
line number in the file (the header is line 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from egov.simulator.arrays import IntArray
from egov.simulator.draws import MFC_DEFECTS

SOURCE = "mfc"
HEADER = (
    "Номер дела",
    "Дата приема",
    "Код услуги (ФРГУ)",
    "Наименование услуги",
    "ОКТМО",
    "Офис МФЦ",
    "Статус",
)
ENCODING = "windows-1251"
NEWLINE = "\r\n"
"""The АИС МФЦ runs on Windows; its exports end lines with CR LF."""
DEFECT_KINDS = (
    "utf8_bom",
    "trailing_empty_lines",
    "oktmo_with_spaces",
    "oktmo_11_digits",
    "header_extra_spaces",
)
ROW_DEFECTS = frozenset({"oktmo_with_spaces", "oktmo_11_digits"})
"""Kinds that need at least one data row in the file."""


def file_name(day: date) -> str:
    """mfc_YYYYMMDD.csv."""
    return f"mfc_{day:%Y%m%d}.csv"


def csv_field(text: str) -> str:
    """One field quoted like csv.QUOTE_MINIMAL with `;` as the separator."""
    if any(ch in text for ch in ';"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


@dataclass(frozen=True)
class _Pieces:
    """Encoded text pieces in one buffer: piece i is data[start[i] : start[i] + length[i]]."""

    data: npt.NDArray[np.uint8]
    start: IntArray
    length: IntArray

    @classmethod
    def of(cls, texts: Sequence[str], encoding: str) -> _Pieces:
        """The texts encoded one after another into one buffer."""
        encoded = [t.encode(encoding) for t in texts]
        length = np.array([len(b) for b in encoded], dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return cls(data, start, length)


@dataclass(frozen=True)
class _Encoded:
    """The dictionaries of one encoding, ready to be gathered into file bytes."""

    services: _Pieces
    offices: _Pieces
    """Office i, OKTMO variant k (0 right, 1 with spaces, 2 with 11 digits) at k * offices + i."""
    statuses: _Pieces
    case_prefix: bytes
    """`МФЦ-38-` encoded."""


@dataclass(frozen=True)
class MfcDictionaries:
    """The rows' small-cardinality fields (service, office, status), pre-quoted and encoded."""

    # Encoded in both encodings a file may come in (windows-1251, and UTF-8 for `utf8_bom`).

    services: tuple[str, ...]
    """`code;name` per service index (catalogue services first, then the others)."""
    offices: tuple[str, ...]
    """Quoted office name per office index."""
    office_oktmo: tuple[str, ...]
    """8-digit OKTMO of each office's municipality."""
    statuses: tuple[str, ...]
    encoded: dict[str, _Encoded]

    @classmethod
    def build(
        cls,
        services: Sequence[tuple[str, str]],
        offices: Sequence[tuple[str, str]],
        statuses: Sequence[str],
    ) -> MfcDictionaries:
        """From (code, name) services, (oktmo, office name) offices and the status texts."""
        service_fields = tuple(f"{code};{csv_field(name)}" for code, name in services)
        office_fields = tuple(csv_field(name) for _, name in offices)
        office_oktmo = tuple(oktmo for oktmo, _ in offices)
        status_fields = tuple(csv_field(s) for s in statuses)
        office_pieces = [
            f"{variant(oktmo)};{name};"
            for variant in (str, _spaced, _eleven)
            for oktmo, name in zip(office_oktmo, office_fields, strict=True)
        ]
        encoded = {
            encoding: _Encoded(
                services=_Pieces.of([f"{f};" for f in service_fields], encoding),
                offices=_Pieces.of(office_pieces, encoding),
                statuses=_Pieces.of([f"{f}{NEWLINE}" for f in status_fields], encoding),
                case_prefix="МФЦ-38-".encode(encoding),
            )
            for encoding in (ENCODING, "utf-8")
        }
        return cls(service_fields, office_fields, office_oktmo, status_fields, encoded)


@dataclass(frozen=True)
class MfcDay:
    """The rows of one day's export, already in file order."""

    day: date
    case_year: int
    case_no: IntArray
    minute: IntArray
    """Minute of the local day of intake (0..1439)."""
    service: IntArray
    office: IntArray
    status: IntArray

    def __len__(self) -> int:
        return int(self.case_no.shape[0])


def _spaced(oktmo: str) -> str:
    """`25 701 000`: the OKTMO as some clerks type it."""
    return f"{oktmo[:2]} {oktmo[2:5]} {oktmo[5:]}"


def _eleven(oktmo: str) -> str:
    """`25701000001`: the municipality's 8 digits followed by a settlement's."""
    return oktmo + "001"


def _digits(values: IntArray, width: int) -> npt.NDArray[np.uint8]:
    """(n, width) ASCII digits of non-negative integers, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers[None, :]) % 10 + ord("0")).astype(np.uint8)


def render_rows(
    rows: MfcDay, d: MfcDictionaries, encoding: str, oktmo_variant: IntArray | None = None
) -> bytes:
    """The data lines of one day as encoded bytes, each ending with CR LF."""
    # Rows are assembled with numpy: a fixed-width part per row (case number, date and time) and
    # gathered dictionary pieces (service, OKTMO and office, status), because joining seven
    # million Python strings dominated the generation time.
    n = len(rows)
    if n == 0:
        return b""
    e = d.encoded[encoding]
    width = max(7, len(str(int(rows.case_no.max()))))
    stamp = f"{rows.case_year}-".encode(encoding)
    day = f";{rows.day:%d.%m.%Y} ".encode(encoding)
    fixed = np.empty((n, len(e.case_prefix) + len(stamp) + width + len(day) + 6), dtype=np.uint8)
    col = 0
    for part in (e.case_prefix, stamp):
        fixed[:, col : col + len(part)] = np.frombuffer(part, dtype=np.uint8)
        col += len(part)
    fixed[:, col : col + width] = _digits(rows.case_no, width)
    col += width
    fixed[:, col : col + len(day)] = np.frombuffer(day, dtype=np.uint8)
    col += len(day)
    fixed[:, col : col + 2] = _digits(rows.minute // 60, 2)
    fixed[:, col + 2] = ord(":")
    fixed[:, col + 3 : col + 5] = _digits(rows.minute % 60, 2)
    fixed[:, col + 5] = ord(";")

    office = rows.office if oktmo_variant is None else rows.office + oktmo_variant * len(d.offices)
    pools = (e.services, e.offices, e.statuses)
    base = np.cumsum([fixed.size] + [p.data.size for p in pools])[:-1]
    buffer = np.concatenate([fixed.reshape(-1), *(p.data for p in pools)])
    starts = np.stack(
        [
            np.arange(n, dtype=np.int64) * fixed.shape[1],
            base[0] + e.services.start[rows.service],
            base[1] + e.offices.start[office],
            base[2] + e.statuses.start[rows.status],
        ],
        axis=1,
    ).reshape(-1)
    lengths = np.stack(
        [
            np.full(n, fixed.shape[1], dtype=np.int64),
            e.services.length[rows.service],
            e.offices.length[office],
            e.statuses.length[rows.status],
        ],
        axis=1,
    ).reshape(-1)
    ends = np.cumsum(lengths)
    index = np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]))
    return bytes(buffer[index].tobytes())


def write_mfc_day(
    folder: Path,
    rows: MfcDay,
    dictionaries: MfcDictionaries,
    kinds: Sequence[str] = (),
    defect_seed: Sequence[int] = (0,),
) -> list[dict[str, Any]]:
    """Write one day's export with the given defect kinds; returns the manifest defect records."""
    name = file_name(rows.day)
    rng = np.random.default_rng(list(defect_seed))
    header = list(HEADER)
    records: list[dict[str, Any]] = []
    variant: IntArray | None = None

    def record(kind: str, detail: str, row: int | None = None) -> None:
        item: dict[str, Any] = {"source": SOURCE, "file": name, "kind": kind}
        if row is not None:
            item["row"] = row
        item["detail"] = detail
        records.append(item)

    n = len(rows)
    for kind in sorted(kinds):
        if kind == "header_extra_spaces":
            col = int(rng.integers(len(header)))
            left, right = int(rng.integers(0, 3)), int(rng.integers(1, 4))
            header[col] = " " * left + header[col] + " " * right
            record(kind, f"header cell {col + 1} is {header[col]!r}", 1)
        elif kind in ROW_DEFECTS and n:
            count = min(n, int(rng.integers(1, 40)))
            picked = np.sort(rng.choice(n, size=count, replace=False))
            if variant is None:
                variant = np.zeros(n, dtype=np.int64)
            variant[picked] = 1 if kind == "oktmo_with_spaces" else 2
            lines = ", ".join(str(i + 2) for i in picked[:10].tolist())
            more = " …" if count > 10 else ""
            record(kind, f"{count} rows, lines {lines}{more}", int(picked[0]) + 2)
    encoding = "utf-8" if "utf8_bom" in kinds else ENCODING
    head = (";".join(csv_field(h) for h in header) + NEWLINE).encode(encoding)
    data = head + render_rows(rows, dictionaries, encoding, variant)
    if "trailing_empty_lines" in kinds:
        extra = int(rng.integers(1, 4))
        data += (NEWLINE * extra).encode(encoding)
        record("trailing_empty_lines", f"{extra} empty lines at the end", n + 2)
    if "utf8_bom" in kinds:
        data = "\ufeff".encode() + data
        record("utf8_bom", "encoded as UTF-8 with a BOM instead of windows-1251")
    (folder / name).write_bytes(data)
    return records


def write_mfc_days(
    folder: Path,
    days: Sequence[MfcDay],
    dictionaries: MfcDictionaries,
    plan: Mapping[date, Sequence[str]],
    seed: int,
) -> list[dict[str, Any]]:
    """Write several days (one worker's share); returns their defect records in day order."""
    folder.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for rows in days:
        d = rows.day
        records += write_mfc_day(
            folder, rows, dictionaries, plan.get(d, ()), (seed, MFC_DEFECTS, d.year, d.month, d.day)
        )
    return records
