"""Inbox folders of file deliveries: listing, name keys and safe reading (names per source)."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

from egov.calendar import month_start
from egov.sources.records import DeliveryError

DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
"""A real daily МФЦ export is a few MB and an ОМСУ workbook a few KB; this stops accidents."""


class InboxNameError(ValueError):
    """A file name that is not a delivery name of the inbox; the message is the reason."""


class MunicipalityMonth(NamedTuple):
    """What a per-municipality monthly file is about: the municipality and the month's first day."""

    oktmo: str
    month: date


InboxKey = date | MunicipalityMonth
"""What a delivery name says: the day of a daily file, or (oktmo, month) of a per-municipality
monthly file. Each source folder parses its own names (`egov/sources/<key>/naming.py`)."""


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
        """Day of a daily file (AttributeError for a monthly one)."""
        if isinstance(self.key, MunicipalityMonth):
            raise AttributeError(f"{self.name} is a monthly workbook, it has no day")
        return self.key

    @property
    def month(self) -> date:
        """First day of the month the file is about."""
        if isinstance(self.key, MunicipalityMonth):
            return self.key.month
        return month_start(self.key)

    @property
    def oktmo(self) -> str:
        """Municipality of a per-municipality file (AttributeError for a regional one)."""
        if isinstance(self.key, MunicipalityMonth):
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
    # Every name form puts the key first with fixed-width digits, so name order is key order.
    scan.files = sorted(keyed, key=lambda f: f.name)
    return scan


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
