"""source_frame stacks the parts of a chunk with their lineage, row for row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

from egov.quality.conform import source_frame
from egov.quality.inputs import BatchInput, DeliveryPart
from egov.sources.contract import IRKUTSK, IRKUTSK_ZONE
from egov.sources.records import ParsedDelivery


def part(delivery_id: int, n: int, file: str) -> DeliveryPart:
    records = pd.DataFrame(
        {
            "service_code": pd.Series([f"code {delivery_id}"] * n, dtype="str"),
            "total": pd.array(range(n), dtype="Int64"),
            "source_row": pd.Series(range(1, n + 1), dtype="int64"),
        }
    )
    return DeliveryPart("applications", delivery_id, ParsedDelivery("omsu", file, n, records))


def one_piece_at_a_time(source: str, batches: Sequence[BatchInput]) -> pd.DataFrame:
    """The straightforward stacking: copy each part and add its lineage columns."""
    pieces = []
    for batch_no, batch in enumerate(batches):
        for p in batch.parts:
            if p.parsed.records.empty:
                continue
            piece = p.parsed.records.copy()
            piece["batch_no"] = batch_no
            piece["delivery_id"] = p.delivery_id
            piece["source_file"] = p.parsed.file
            piece["period_start"] = pd.Timestamp(batch.period_start)
            piece["period_end"] = pd.Timestamp(batch.period_end)
            if batch.window is not None:
                piece["window_start"] = pd.Timestamp(batch.window[0]).tz_convert(IRKUTSK_ZONE)
                piece["window_end"] = pd.Timestamp(batch.window[1]).tz_convert(IRKUTSK_ZONE)
            if source == "omsu":
                piece["oktmo"] = batch.oktmo
            pieces.append(piece)
    return pd.concat(pieces, ignore_index=True)


def batch(key: str, day: int, parts: tuple[DeliveryPart, ...], **extra: object) -> BatchInput:
    d = date(2024, 3, day)
    return BatchInput(
        "omsu", key, d, d, "0" * 64, tuple(p.delivery_id for p in parts), parts, **extra
    )  # type: ignore[arg-type]


def test_lineage_lines_up_with_each_parts_rows_and_types_match_piecewise_stacking() -> None:
    batches = [
        batch("a", 1, (part(10, 3, "a.xlsx"), part(11, 0, "a2.xlsx")), oktmo="25701000"),
        batch("b", 2, (part(12, 1, "b.xlsx"), part(13, 2, "b2.xlsx")), oktmo="25702000"),
    ]
    frame = source_frame("omsu", "applications", batches)
    assert frame["delivery_id"].tolist() == [10, 10, 10, 12, 13, 13]
    assert frame["batch_no"].tolist() == [0, 0, 0, 1, 1, 1]
    assert frame["oktmo"].tolist() == ["25701000"] * 3 + ["25702000"] * 3
    pd.testing.assert_frame_equal(frame, one_piece_at_a_time("omsu", batches), check_exact=True)


def test_windows_become_local_columns_when_the_batches_have_them() -> None:
    window = (datetime(2024, 3, 1, tzinfo=IRKUTSK), datetime(2024, 3, 2, tzinfo=IRKUTSK))
    batches = [
        batch("w1", 1, (part(1, 2, "p1"),), window=window),
        batch("w2", 2, (part(2, 1, "p2"), part(3, 2, "p3")), window=window),
    ]
    frame = source_frame("epgu", "applications", batches)
    assert str(frame["window_start"].dt.tz) == "Asia/Irkutsk"
    assert "oktmo" not in frame.columns
    pd.testing.assert_frame_equal(frame, one_piece_at_a_time("epgu", batches), check_exact=True)
