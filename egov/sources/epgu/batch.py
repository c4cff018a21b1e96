"""An ЕПГУ batch: one window manifest and the pages it lists, read back and parsed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy.engine import Connection

from egov.quality.inputs import BatchInput, DeliveryPart, PendingDelivery, parse_failure
from egov.sources.epgu.parse import SOURCE, parse_epgu_page
from egov.sources.landing import RawStore, read_landed
from egov.warehouse.sql import run_sql


def read_window_input(conn: Connection, store: RawStore, pending: PendingDelivery) -> BatchInput:
    """The gate's input of a pending window manifest: the pages of the fetch it records.

    A window may have been fetched several times; the manifest's page checksums say which
    landed pages form this fetch, in order.
    """
    _, content = read_landed(conn, store, pending.delivery_id)
    manifest = json.loads(content)
    window = (
        datetime.fromisoformat(manifest["window_start"]),
        datetime.fromisoformat(manifest["window_end"]),
    )
    landed = run_sql(
        conn, "quality/select_window_pages", {"page_key_prefix": f"{pending.delivery_key} page "}
    ).mappings()
    by_checksum = {str(r["checksum_sha256"]): int(r["delivery_id"]) for r in landed}
    page_ids = [by_checksum[checksum] for checksum in manifest["pages"]]
    base = BatchInput(
        SOURCE,
        pending.delivery_key,
        pending.period_start,
        pending.period_end,
        pending.checksum_sha256,
        (pending.delivery_id, *page_ids),
        window=window,
    )
    parts: list[DeliveryPart] = []
    for page_id in page_ids:
        row, page = read_landed(conn, store, page_id)
        name = str(row["delivery_key"])
        try:
            parsed = parse_epgu_page(page, name)
        except Exception as exc:
            return replace(base, error=parse_failure(SOURCE, name, exc))
        parts.append(DeliveryPart("applications", page_id, parsed))
    return replace(base, parts=tuple(parts))
