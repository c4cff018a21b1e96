"""What the gate validates: landed deliveries pending validation and their parsed batch input."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from egov.sources.landing import RawStore, read_landed
from egov.sources.records import DeliveryError, Finding, ParsedDelivery

log = logging.getLogger("egov.quality")


@dataclass(frozen=True)
class PendingDelivery:
    """A landed delivery no batch has validated yet (for ЕПГУ: a window manifest)."""

    delivery_id: int
    delivery_key: str
    period_start: date
    period_end: date
    checksum_sha256: str
    metadata: dict[str, Any]
    load_bytes: int = 0


@dataclass(frozen=True)
class DeliveryPart:
    """One parsed table of one raw delivery (an API page, a CSV, a workbook sheet)."""

    dataset: str
    delivery_id: int
    parsed: ParsedDelivery


@dataclass(frozen=True)
class BatchInput:
    """One delivery as the gate sees it, parsed (or the parse error that stopped it)."""

    source: str
    batch_key: str
    period_start: date
    period_end: date
    checksum_sha256: str
    delivery_ids: tuple[int, ...]
    parts: tuple[DeliveryPart, ...] = ()
    oktmo: str | None = None
    error: str | None = None
    window: tuple[datetime, datetime] | None = None
    """ЕПГУ only: the half-open updated_from/updated_to window the pages answer."""

    @property
    def rows_in(self) -> int:
        """Data rows delivered (records + parser rejects of every part)."""
        return sum(p.parsed.rows_in for p in self.parts)

    @property
    def findings(self) -> list[Finding]:
        """Parser findings of every part."""
        return [f for p in self.parts for f in p.parsed.findings]


@dataclass(frozen=True)
class VolumePoint:
    """A previously accepted batch's volume (for the spike/drop rule)."""

    source: str
    oktmo: str | None
    period_start: date
    volume: int


@dataclass(frozen=True)
class GateReference:
    """Reference values the suites take as parameters, and the volume history."""

    known_oktmo: Sequence[str]
    mszu_service_codes: Sequence[str]
    history: Sequence[VolumePoint] = ()

    def parameters(self) -> dict[str, Any]:
        """GX expectation parameters (`$PARAMETER` names used in the suites)."""
        return {
            "known_oktmo": list(self.known_oktmo),
            "mszu_service_codes": list(self.mszu_service_codes),
        }


def unparsed_input(source: str, pending: PendingDelivery) -> BatchInput:
    """The gate input of one pending delivery before (or without) parsing it."""
    return BatchInput(
        source,
        pending.delivery_key,
        pending.period_start,
        pending.period_end,
        pending.checksum_sha256,
        (pending.delivery_id,),
        oktmo=pending.metadata.get("oktmo"),
    )


def parse_failure(source: str, name: str, exc: Exception) -> str:
    """The batch error of a delivery that could not be parsed."""
    if isinstance(exc, DeliveryError):
        return str(exc)
    # A parser bug on one delivery must not stop the others; the delivery stays landed and
    # the batch is rejected with the failure.
    log.exception("parsing %s %s failed", source, name)
    return f"{source} {name}: parser failed: {type(exc).__name__}: {exc}"


ParseDelivery = Callable[[bytes, str, date], tuple[ParsedDelivery, ...]]
"""A source's parser: (landed bytes, file name, first day of the period) -> one table per
dataset of the source, in the source's dataset order."""
ParsedCheck = Callable[[Sequence[ParsedDelivery], PendingDelivery], None]
"""A source's check of its parsed tables against what landing recorded (adds findings)."""
BatchReader = Callable[[Connection, RawStore, PendingDelivery], BatchInput]
"""Reads one pending delivery from the raw store and parses it into the gate's input."""


def delivery_reader(
    source: str,
    datasets: Sequence[str],
    parse: ParseDelivery,
    check: ParsedCheck | None = None,
) -> BatchReader:
    """The reader of a source whose every delivery is one file (its tables are the datasets)."""

    def read(conn: Connection, store: RawStore, pending: PendingDelivery) -> BatchInput:
        name = str(pending.metadata.get("file") or pending.delivery_key)
        base = unparsed_input(source, pending)
        _, content = read_landed(conn, store, pending.delivery_id)
        try:
            tables = parse(content, name, pending.period_start)
            if check is not None:
                check(tables, pending)
            parts = tuple(
                DeliveryPart(dataset, pending.delivery_id, parsed)
                for dataset, parsed in zip(datasets, tables, strict=True)
            )
        except Exception as exc:
            return replace(base, error=parse_failure(source, name, exc))
        return replace(base, parts=parts)

    return read
