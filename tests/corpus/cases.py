"""The corpus cases of cases.yaml as typed values, and how each becomes the gate's input."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

import requests
import yaml

from egov.paths import REFERENCE_DIR
from egov.quality.inputs import BatchInput, DeliveryPart, GateReference
from egov.reference.bundle import read_reference_bundle
from egov.sources.ekc import parse_ekc_csv
from egov.sources.epgu import parse_epgu_page
from egov.sources.epgu.landing import parse_epgu_window_key
from egov.sources.mfc import parse_mfc_csv
from egov.sources.mfc.naming import parse_mfc_name
from egov.sources.omsu import parse_omsu_workbook
from egov.sources.omsu.naming import parse_omsu_name
from egov.sources.records import DeliveryError

CORPUS = Path(__file__).resolve().parent
SOURCES = ("epgu", "mfc", "omsu", "ekc")
DATASETS = {"epgu": "applications", "mfc": "applications", "omsu": "applications", "ekc": "calls"}
"""The dataset a quarantine entry is about when the case does not name one."""
STATUS = {"parsed": "loaded", "quarantined": "partial", "rejected": "rejected"}

Outcome = Literal["parsed", "quarantined", "rejected"]
RejectedBy = Literal["parser", "gate", "inbox"]

_KEYS = {
    "file",
    "source",
    "delivered_as",
    "wrong",
    "outcome",
    "rejected_by",
    "rows_in",
    "records",
    "findings",
    "quarantine",
    "warnings",
    "rule",
    "error",
    "known_issue",
}


@dataclass(frozen=True)
class Held:
    """Rows of one delivery the quarantine holds back under one rule and column."""

    rule: str
    column: str | None
    rows: tuple[int, ...]
    dataset: str


@dataclass(frozen=True)
class Case:
    """One malformed delivery and what the pipeline must do with it."""

    file: str
    source: str
    delivered_as: str
    wrong: str
    outcome: Outcome
    rejected_by: RejectedBy | None = None
    rows_in: int | None = None
    records: int | None = None
    findings: frozenset[str] = frozenset()
    quarantine: tuple[Held, ...] = ()
    warnings: frozenset[str] = frozenset()
    rule: str | None = None
    error_says: str | None = None
    error_row: int | None = None
    error_column: str | None = None
    known_issue: str | None = None

    @property
    def path(self) -> Path:
        return CORPUS / self.file

    @property
    def content(self) -> bytes:
        return self.path.read_bytes()

    @property
    def status(self) -> str:
        """audit.load_batches.status of the batch."""
        return STATUS[self.outcome]

    @property
    def rows_quarantined(self) -> int:
        return sum(len(held.rows) for held in self.quarantine)

    @property
    def rows_loaded(self) -> int:
        """Rows that reach the core facts (a batch that is not rejected)."""
        assert self.rows_in is not None, self.file
        return self.rows_in - self.rows_quarantined

    @property
    def lands(self) -> bool:
        """Whether the delivery reaches the raw store: an ЕПГУ page the parser refuses stops the
        fetch itself, and a name the inbox refuses is never read."""
        if self.rejected_by == "inbox":
            return False
        return not (self.source == "epgu" and self.rejected_by == "parser")

    @property
    def batch_key(self) -> str:
        """audit.load_batches.batch_key: the delivered name, for ЕПГУ the page's window."""
        return (
            self.delivered_as.rsplit(" page ", 1)[0] if self.source == "epgu" else self.delivered_as
        )

    @property
    def window(self) -> tuple[datetime, datetime]:
        """ЕПГУ: the window the page answers (from its landed key)."""
        return parse_epgu_window_key(self.delivered_as.rsplit(" page ", 1)[0])

    def period(self) -> tuple[date, date, str | None]:
        """(period start, period end, oktmo) of the batch, as landing derives them."""
        if self.source == "mfc":
            day = parse_mfc_name(self.delivered_as)
            return day, day, None
        if self.source == "omsu":
            key = parse_omsu_name(self.delivered_as)
            end = (key.month.replace(day=28) + timedelta(days=4)).replace(day=1)
            return key.month, end - timedelta(days=1), key.oktmo
        if self.source == "ekc":
            day = date.fromisoformat(self.delivered_as.removeprefix("calls "))
            return day, day, None
        start = self.window[0].date()
        return start, start, None


def _case(entry: dict[str, Any]) -> Case:
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(f"{entry.get('file')}: unknown keys {sorted(unknown)}")
    error = entry.get("error") or {}
    return Case(
        file=entry["file"],
        source=entry["source"],
        delivered_as=entry["delivered_as"],
        wrong=entry["wrong"],
        outcome=entry["outcome"],
        rejected_by=entry.get("rejected_by"),
        rows_in=entry.get("rows_in"),
        records=entry.get("records"),
        findings=frozenset(entry.get("findings", ())),
        quarantine=tuple(
            Held(
                held["rule"],
                held["column"],
                tuple(held["rows"]),
                held.get("dataset", DATASETS[entry["source"]]),
            )
            for held in entry.get("quarantine", ())
        ),
        warnings=frozenset(entry.get("warnings", ())),
        rule=entry.get("rule"),
        error_says=error.get("says"),
        error_row=error.get("row"),
        error_column=error.get("column"),
        known_issue=entry.get("known_issue"),
    )


@cache
def load_cases() -> tuple[Case, ...]:
    """Every case of cases.yaml, in file order."""
    document = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
    return tuple(_case(entry) for entry in document["cases"])


def cases(*, lands: bool | None = None, rejected_by: str | None = None) -> list[Case]:
    """The cases, optionally only those that land or those refused by one stage."""
    return [
        c
        for c in load_cases()
        if (lands is None or c.lands == lands)
        and (rejected_by is None or c.rejected_by == rejected_by)
    ]


@cache
def gate_reference() -> GateReference:
    """Known OKTMO and МСЗУ codes as `egov reference load` puts them into the warehouse."""
    bundle = read_reference_bundle(REFERENCE_DIR)
    return GateReference(
        known_oktmo=[str(r["oktmo"]) for r in bundle.municipalities.rows],
        mszu_service_codes=[str(r["service_code"]) for r in bundle.services.rows],
    )


def parse_case(case: Case, delivery_id: int = 1) -> tuple[DeliveryPart, ...]:
    """The parsed tables of a case under its delivered name (DeliveryError if unreadable)."""
    content, name = case.content, case.delivered_as
    if case.source == "omsu":
        report = parse_omsu_workbook(content, name)
        return (
            DeliveryPart("applications", delivery_id, report.applications),
            DeliveryPart("campaign", delivery_id, report.campaign),
        )
    if case.source == "mfc":
        return (DeliveryPart("applications", delivery_id, parse_mfc_csv(content, name)),)
    if case.source == "ekc":
        parsed = parse_ekc_csv(content, name, day=case.period()[0])
        return (DeliveryPart("calls", delivery_id, parsed),)
    return (DeliveryPart("applications", delivery_id, parse_epgu_page(content, name)),)


def batch_input(case: Case, delivery_id: int) -> BatchInput:
    """The gate's input for a case, as `read_batch_input` builds it from the landed bytes."""
    start, end, oktmo = case.period()
    base = BatchInput(
        case.source,
        case.delivered_as,
        start,
        end,
        f"corpus-{delivery_id}",
        (delivery_id,),
        oktmo=oktmo,
        window=case.window if case.source == "epgu" else None,
    )
    try:
        parts = parse_case(case, delivery_id)
    except DeliveryError as exc:
        return replace(base, error=str(exc))
    return replace(base, parts=parts)


class OnePageSession(requests.Session):
    """An HTTP session that answers every request 200 with the same bytes (a corpus file)."""

    def __init__(self, content: bytes) -> None:
        super().__init__()
        self.content = content

    def get(self, url: str | bytes, **kwargs: object) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = self.content
        response.url = str(url)
        return response
