"""Raw landing zone: every delivery is stored content-addressed before it is parsed.

The bytes go to a folder keyed by their SHA-256 (gzip-compressed); `raw.deliveries` records
source, key, period, fetch time and checksum. A delivery whose checksum equals the latest one
under the same key is recognised as unchanged and leaves no new row, so landing is idempotent
and any batch can be re-parsed later without asking the source again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Connection

from egov.errors import EgovError
from egov.sources import SourceKey
from egov.warehouse.sql import run_sql

LandingStatus = Literal["new", "changed", "unchanged"]
OutcomeStatus = Literal["new", "changed", "unchanged", "ignored", "unavailable"]


class RawStoreError(EgovError):
    """The raw store lost or corrupted a delivery's bytes."""


def sha256_hex(content: bytes) -> str:
    """Hex SHA-256 of the delivered bytes (the delivery's identity)."""
    return hashlib.sha256(content).hexdigest()


class RawStore:
    """Content-addressed blobs under one root folder: <root>/ab/cd/<sha256>.gz."""

    def __init__(self, root: Path):
        self.root = root

    @staticmethod
    def relative_path(checksum: str) -> str:
        return f"{checksum[:2]}/{checksum[2:4]}/{checksum}.gz"

    def put(self, content: bytes) -> tuple[str, str]:
        """Store the bytes once; returns (checksum, path relative to the root)."""
        checksum = sha256_hex(content)
        relative = self.relative_path(checksum)
        target = self.root / relative
        if target.exists():
            return checksum, relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary name and rename, so a crash never leaves a half-written blob
        # under a valid name. mtime=0 keeps the compressed bytes reproducible.
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".landing-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(gzip.compress(content, compresslevel=1, mtime=0))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return checksum, relative

    def get(self, relative: str, checksum: str) -> bytes:
        """The stored bytes, verified against their checksum."""
        path = self.root / relative
        try:
            content = gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as exc:
            raise RawStoreError(f"raw store: cannot read {path}: {exc}") from exc
        if sha256_hex(content) != checksum:
            raise RawStoreError(f"raw store: {path} does not match its checksum {checksum}")
        return content


@dataclass(frozen=True)
class LandedDelivery:
    """One delivery after landing (plain values, safe to pass between tasks)."""

    delivery_id: int
    source: str
    delivery_key: str
    period_start: date
    period_end: date
    checksum_sha256: str
    size_bytes: int
    blob_path: str
    status: LandingStatus


@dataclass(frozen=True)
class DeliveryOutcome:
    """A delivery that was not landed (ignored or unavailable), with the reason."""

    source: str
    delivery_key: str
    status: OutcomeStatus
    error: str | None = None


LandingResult = LandedDelivery | DeliveryOutcome
"""What landing says about one delivery: landed (new, changed, unchanged) or why not."""


def land_delivery(
    conn: Connection,
    store: RawStore,
    *,
    source: SourceKey,
    delivery_key: str,
    period_start: date,
    period_end: date,
    content: bytes,
    media_type: str,
    metadata: dict[str, Any] | None = None,
    fetched_at: datetime | None = None,
) -> LandedDelivery:
    """Store the bytes, then record the delivery unless it equals the latest under its key.

    Runs in the caller's transaction; the bytes are written first, so a recorded delivery
    always has its blob.
    """
    checksum, relative = store.put(content)
    key = {"source": source, "delivery_key": delivery_key}
    run_sql(conn, "raw/acquire_delivery_lock", key)
    latest = run_sql(conn, "raw/select_latest_delivery", key).mappings().first()
    landed = LandedDelivery(
        delivery_id=0,
        source=source,
        delivery_key=delivery_key,
        period_start=period_start,
        period_end=period_end,
        checksum_sha256=checksum,
        size_bytes=len(content),
        blob_path=relative,
        status="unchanged",
    )
    if latest is not None and latest["checksum_sha256"] == checksum:
        return replace(landed, delivery_id=latest["delivery_id"])
    delivery_id = run_sql(
        conn,
        "raw/insert_delivery",
        {
            **{k: v for k, v in asdict(landed).items() if k not in {"delivery_id", "status"}},
            "media_type": media_type,
            "fetched_at": fetched_at or datetime.now(UTC),
            "metadata": json.dumps(metadata or {}, ensure_ascii=False, sort_keys=True),
        },
    ).scalar_one()
    return replace(landed, delivery_id=delivery_id, status="new" if latest is None else "changed")


def read_landed(
    conn: Connection, store: RawStore, delivery_id: int
) -> tuple[dict[str, Any], bytes]:
    """A landed delivery's manifest row and its verified bytes."""
    row = run_sql(conn, "raw/select_delivery", {"delivery_id": delivery_id}).mappings().first()
    if row is None:
        raise RawStoreError(f"raw.deliveries has no delivery {delivery_id}")
    return dict(row), store.get(row["blob_path"], row["checksum_sha256"])


def read_watermark(conn: Connection, source: SourceKey) -> datetime | None:
    """Where the source's incremental fetch stands (None = never fetched)."""
    value: datetime | None = run_sql(conn, "raw/select_watermark", {"source": source}).scalar()
    return value


def advance_watermark(conn: Connection, source: SourceKey, high_water_mark: datetime) -> None:
    """Move the mark forward; an older value is ignored (marks never go back)."""
    run_sql(
        conn,
        "raw/upsert_watermark",
        {"source": source, "high_water_mark": high_water_mark, "advanced_at": datetime.now(UTC)},
    )
