"""Inbox folders of file deliveries (mfc CSV, omsu XLSX): listing, name keys and safe reading."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

from egov.calendar import month_start
from egov.sources.records import DeliveryError

DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
"""A real daily MFC export is a few MB and an OMSU workbook a few KB; this only stops accidents."""

# [0-9], not \d: \d also matches other scripts' digits, which int() would happily accept.
MFC_NAME = re.compile(r"mfc_(?P<day>[0-9]{8})\.csv")
OMSU_NAME = re.compile(r"omsu_(?P<oktmo>[0-9]{8})_(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.xlsx")


class InboxNameError(ValueError):
    """A file name that is not a delivery name of the inbox; the message is the reason."""


class OmsuKey(NamedTuple):
    """What an OMSU workbook is about: the municipality and the first day of the month."""

    oktmo: str
    month: date


InboxKey = date | OmsuKey
"""What a delivery name says: the day of an MFC export, or (oktmo, month) of an OMSU workbook."""


@dataclass(frozen=True)
class InboxFile:
    """One delivery file found directly in an inbox folder, keyed by what its name says."""

    source: str
    path: Path
    name: str
    size: int
    mtime: datetime
    key: InboxKey

    @property
    def day(self) -> date:
        """Day of an MFC export (AttributeError for an OMSU workbook)."""
        if isinstance(self.key, OmsuKey):
            raise AttributeError(f"{self.name} is a monthly workbook, it has no day")
        return self.key

    @property
    def month(self) -> date:
        """First day of the month the file is about."""
        if isinstance(self.key, OmsuKey):
            return self.key.month
        return month_start(self.key)

    @property
    def oktmo(self) -> str:
        """Municipality of an OMSU workbook (AttributeError for an MFC export)."""
        if isinstance(self.key, OmsuKey):
            return self.key.oktmo
        raise AttributeError(f"{self.name} is a regional export, it has no OKTMO")


@dataclass(frozen=True)
class IgnoredFile:
    """An inbox entry that is not a delivery, with the reason; callers report these."""

    path: Path
    name: str
    reason: str


@dataclass
class InboxScan:
    """Delivery files of an inbox in key order, and the entries that were not read (with why)."""

    folder: Path
    files: list[InboxFile] = field(default_factory=list)
    ignored: list[IgnoredFile] = field(default_factory=list)


def parse_mfc_name(name: str) -> date:
    """Day of an MFC export from its name `mfc_YYYYMMDD.csv`; InboxNameError otherwise."""
    match = MFC_NAME.fullmatch(name)
    if match is None:
        raise InboxNameError(f"name does not match mfc_YYYYMMDD.csv: {name!r}")
    day = match["day"]
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise InboxNameError(f"{day} in {name!r} is not a calendar date") from None


def parse_omsu_name(name: str) -> OmsuKey:
    """Municipality and month of an OMSU workbook from `omsu_<OKTMO>_<YYYY-MM>.xlsx`."""
    match = OMSU_NAME.fullmatch(name)
    if match is None:
        raise InboxNameError(f"name does not match omsu_<8-digit OKTMO>_<YYYY-MM>.xlsx: {name!r}")
    year, month = int(match["year"]), int(match["month"])
    # Year 0000 matches the pattern but is no calendar year (date() would raise ValueError).
    if not 1 <= month <= 12 or year < 1:
        raise InboxNameError(f"{match['year']}-{match['month']} in {name!r} is not a month")
    return OmsuKey(match["oktmo"], date(year, month, 1))


def inbox_path(folder: Path, name: str) -> Path:
    """Path of `name` directly inside `folder`; refuses separators, `..` and escapes."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\x00" in name:
        raise InboxNameError(f"{name!r} is not a plain file name")
    root = folder.resolve()
    candidate = root / name
    # A symlink resolving elsewhere would be caught here; scan_inbox refuses symlinks anyway.
    if candidate.resolve().parent != root:
        raise InboxNameError(f"{name!r} points outside the inbox folder {root}")
    return candidate


def scan_inbox(folder: Path, source: str, parse_name: Callable[[str], InboxKey]) -> InboxScan:
    """Regular files directly in `folder` whose name `parse_name` accepts; the rest as ignored.

    `parse_name` raises InboxNameError (any ValueError) with the reason for a foreign name.
    Symbolic links and subfolders are never followed: a link could point anywhere, and a
    delivery is only what the source put into the inbox itself.
    """
    root = folder.resolve()
    if not root.is_dir():
        raise DeliveryError(source, str(folder), "inbox folder does not exist or is not a folder")
    scan = InboxScan(folder=root)
    keyed: list[InboxFile] = []
    with os.scandir(root) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        path = Path(entry.path)
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # removed between listing and stat: it is simply not there any more
        if stat.S_ISLNK(info.st_mode):
            scan.ignored.append(IgnoredFile(path, entry.name, "symbolic link (not followed)"))
            continue
        if stat.S_ISDIR(info.st_mode):
            scan.ignored.append(IgnoredFile(path, entry.name, "subfolder (not scanned)"))
            continue
        if not stat.S_ISREG(info.st_mode):
            scan.ignored.append(IgnoredFile(path, entry.name, "not a regular file"))
            continue
        try:
            inbox_path(root, entry.name)
            key = parse_name(entry.name)
        except ValueError as exc:
            scan.ignored.append(IgnoredFile(path, entry.name, str(exc)))
            continue
        mtime = datetime.fromtimestamp(info.st_mtime, tz=UTC)
        keyed.append(InboxFile(source, path, entry.name, info.st_size, mtime, key))
    # Both name forms put the key first with fixed-width digits, so name order is key order.
    scan.files = sorted(keyed, key=lambda f: f.name)
    return scan


def scan_mfc_inbox(folder: Path) -> InboxScan:
    """MFC daily exports `mfc_YYYYMMDD.csv` of an inbox, keyed by day."""
    return scan_inbox(folder, "mfc", parse_mfc_name)


def scan_omsu_inbox(folder: Path) -> InboxScan:
    """OMSU monthly workbooks `omsu_<OKTMO>_<YYYY-MM>.xlsx` of an inbox, keyed by (oktmo, month)."""
    return scan_inbox(folder, "omsu", parse_omsu_name)


def read_inbox_file(file: InboxFile, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """Content of an inbox file; DeliveryError when it is gone, not regular, or over max_bytes."""
    try:
        path = inbox_path(file.path.parent, file.name)
    except InboxNameError as exc:
        raise DeliveryError(file.source, file.name, str(exc)) from None
    flags = os.O_RDONLY
    for optional in ("O_NOFOLLOW", "O_NONBLOCK", "O_BINARY"):
        flags |= getattr(os, optional, 0)
    try:
        # The entry may have been swapped for a symlink or a FIFO since the scan: O_NOFOLLOW
        # refuses the link and O_NONBLOCK keeps a FIFO from hanging the open.
        fd = os.open(path, flags)
    except OSError as exc:
        reason = "is a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise DeliveryError(file.source, file.name, f"cannot open: {reason}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise DeliveryError(file.source, file.name, "not a regular file")
        if info.st_size > max_bytes:
            raise DeliveryError(
                file.source, file.name, f"{info.st_size} bytes is over the {max_bytes}-byte limit"
            )
        # Read one byte past the limit: the file may still be growing while we read it.
        content = handle.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise DeliveryError(file.source, file.name, f"more than the {max_bytes}-byte limit")
    return content
