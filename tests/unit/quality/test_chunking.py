"""Pending deliveries are validated in chunks bounded by count and by landed bytes."""

from __future__ import annotations

from datetime import date

from egov.quality.inputs import PendingDelivery
from egov.quality.pending import chunk_pending


def _pending(n: int, size: int) -> PendingDelivery:
    day = date(2024, 3, 1 + n)
    return PendingDelivery(n, f"mfc_{day:%Y%m%d}.csv", day, day, "0" * 64, {}, size)


def test_chunks_stop_at_the_batch_count() -> None:
    pending = [_pending(n, 10) for n in range(5)]
    assert [len(c) for c in chunk_pending(pending, max_batches=2, max_bytes=1_000)] == [2, 2, 1]


def test_chunks_stop_before_the_byte_budget_is_exceeded() -> None:
    pending = [_pending(n, 40) for n in range(5)]
    chunks = list(chunk_pending(pending, max_batches=64, max_bytes=100))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [d.delivery_id for c in chunks for d in c] == [0, 1, 2, 3, 4]


def test_a_delivery_larger_than_the_budget_gets_a_chunk_of_its_own() -> None:
    pending = [_pending(0, 10), _pending(1, 500), _pending(2, 10)]
    assert [len(c) for c in chunk_pending(pending, max_batches=64, max_bytes=100)] == [1, 1, 1]


def test_no_pending_deliveries_make_no_chunk() -> None:
    assert list(chunk_pending([], max_batches=64)) == []
