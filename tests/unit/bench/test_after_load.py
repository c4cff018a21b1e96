"""The unchanged re-run's verdict: nothing written unless the facts or batches say otherwise."""

from __future__ import annotations

from collections import Counter

from bench.after_load import UNCHANGED, rerun_wrote_nothing

FACTS = {"fact_epgu_application": 10, "fact_mfc_application": 5}


def test_no_batch_and_equal_facts_is_nothing_written() -> None:
    assert rerun_wrote_nothing(FACTS, dict(FACTS), 0, Counter())
    assert rerun_wrote_nothing(FACTS, dict(FACTS), 0, Counter({UNCHANGED: 31}))


def test_a_loaded_batch_changed_counts_or_rewritten_rows_are_writes() -> None:
    assert not rerun_wrote_nothing(FACTS, dict(FACTS), 0, Counter({UNCHANGED: 3, "loaded": 1}))
    assert not rerun_wrote_nothing(FACTS, {**FACTS, "fact_mfc_application": 6}, 0, Counter())
    assert not rerun_wrote_nothing(FACTS, dict(FACTS), 12, Counter({UNCHANGED: 1}))
