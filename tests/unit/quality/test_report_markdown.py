"""The per-run quality markdown is built from plain batch summaries, no database needed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from egov.quality.report import month_bounds, quality_summary_markdown, short_detail
from egov.quality.suites import RuleSeverity
from egov.quality.summary import BatchSummary, BatchSummaryStatus, FailedRule


def _batch(
    source: str,
    key: str,
    status: BatchSummaryStatus,
    rows: tuple[int, int, int, int],
    failed: Sequence[tuple[str, RuleSeverity, int]] = (),
    message: str = "",
) -> BatchSummary:
    rows_in, loaded, quarantined, rejected = rows
    return BatchSummary(
        source=source,
        batch_id=1,
        batch_key=key,
        oktmo=None,
        period_start=date(2024, 3, 1),
        period_end=date(2024, 3, 1),
        status=status,
        rows_in=rows_in,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        rows_rejected=rejected,
        message=message,
        failed_rules=tuple(FailedRule(rule, severity, count) for rule, severity, count in failed),
    )


def _table_rows(markdown: str, first_cell: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in markdown.splitlines()
        if line.startswith(f"| {first_cell} ")
    ]


BATCHES = [
    _batch("mfc", "mfc_20240301.csv", "loaded", (100, 100, 0, 0)),
    _batch(
        "mfc",
        "mfc_20240302.csv",
        "partial",
        (120, 110, 10, 0),
        [("oktmo_known", "warning", 7), ("service_known", "warning", 3)],
        "10 rows quarantined",
    ),
    _batch(
        "omsu",
        "omsu_25601000_2024-03.xlsx",
        "rejected",
        (40, 0, 0, 40),
        [("itogo_matches", "blocking", 1), ("oktmo_known", "warning", 2)],
        "rejected: Итого differs | sheet total",
    ),
    _batch("ekc", "2024-03-01", "skipped_unchanged", (0, 0, 0, 0)),
]


def test_each_source_gets_its_batch_outcomes_rows_and_accounting() -> None:
    markdown = quality_summary_markdown(BATCHES)

    assert "4 batches validated: 1 loaded, 1 partial, 1 rejected, 1 unchanged." in markdown
    # source | loaded | partial | rejected | unchanged | in | loaded | quarantined | rejected | acc
    assert _table_rows(markdown, "mfc")[0] == [
        "mfc", "1", "1", "0", "0", "220", "210", "10", "0", "yes"
    ]  # fmt: skip
    assert _table_rows(markdown, "omsu")[0] == [
        "omsu", "0", "0", "1", "0", "40", "0", "0", "40", "yes"
    ]  # fmt: skip
    assert _table_rows(markdown, "**all**")[0][-1] == "yes"
    first_table = markdown.split("| source |")[1].split("\n\n")[0]
    sources = [line.split("|")[1].strip() for line in first_table.splitlines()[2:]]
    assert sources == ["mfc", "omsu", "ekc", "**all**"]  # the project's source order


def test_accounting_column_names_the_batches_that_do_not_add_up() -> None:
    broken = [*BATCHES, _batch("mfc", "mfc_20240303.csv", "loaded", (50, 45, 0, 0))]

    markdown = quality_summary_markdown(broken)

    assert _table_rows(markdown, "mfc")[0][-1] == "**no** (1 batch)"
    assert _table_rows(markdown, "omsu")[0][-1] == "yes"
    # A batch whose rows do not add up is listed even though it says loaded.
    assert "| mfc | mfc_20240303.csv | loaded | 50 | 0 | 0 |" in markdown


def test_top_reasons_put_rejections_first_then_rows_then_batches_and_stop_at_five() -> None:
    many = [
        *BATCHES,
        _batch("ekc", "2024-03-02", "partial", (10, 4, 6, 0), [("wait_positive", "warning", 6)]),
        _batch("ekc", "2024-03-03", "partial", (10, 7, 3, 0), [("line_known", "warning", 3)]),
        _batch("epgu", "w1", "partial", (10, 9, 1, 0), [("status_known", "warning", 1)]),
        _batch("epgu", "w2", "partial", (10, 9, 1, 0), [("status_known", "warning", 1)]),
    ]

    markdown = quality_summary_markdown(many)

    section = markdown.split("## Top 5 reasons (failed rules)")[1].split("##")[0]
    ranked = [
        line.split("|")[1].strip()
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith(("| rule", "| ---"))
    ]
    # itogo_matches rejected a batch (1 row, yet first); oktmo_known: 7 + 2 rows in two
    # batches; service_known and line_known tie on 3 rows and one batch, then by name;
    # status_known (2 rows) is sixth and left out.
    assert ranked == [
        "itogo_matches",
        "oktmo_known",
        "wait_positive",
        "line_known",
        "service_known",
    ]
    oktmo = next(line for line in section.splitlines() if line.startswith("| oktmo_known "))
    assert [c.strip() for c in oktmo.strip("|").split("|")] == [
        "oktmo_known", "warning", "0", "9", "2", "mfc, omsu"
    ]  # fmt: skip
    assert "| itogo_matches | blocking | 1 | 1 | 1 | omsu |" in section
    assert "status_known" not in section


def test_rejected_batch_is_listed_first_with_its_escaped_message() -> None:
    markdown = quality_summary_markdown(BATCHES)

    section = markdown.split("## Batches not loaded in full")[1]
    listed = [line for line in section.splitlines() if line.startswith(("| omsu", "| mfc"))]
    assert listed[0].startswith("| omsu | omsu_25601000_2024-03.xlsx | rejected | 40 | 0 | 40 |")
    assert "Итого differs \\| sheet total" in listed[0]  # a pipe would split the cell
    assert listed[1].startswith("| mfc | mfc_20240302.csv | partial | 120 | 10 | 0 |")
    assert "mfc_20240301.csv" not in section  # loaded in full: nothing to say


def test_blocking_wins_when_a_rule_failed_with_both_severities() -> None:
    markdown = quality_summary_markdown(
        [
            _batch("mfc", "a.csv", "partial", (2, 1, 1, 0), [("x", "warning", 1)]),
            _batch("mfc", "b.csv", "rejected", (2, 0, 0, 2), [("x", "blocking", 2)]),
        ]
    )
    assert "| x | blocking | 1 | 3 | 2 | mfc |" in markdown


def test_a_run_without_batches_says_so() -> None:
    markdown = quality_summary_markdown([])
    assert "No batches were validated in this run." in markdown
    assert "|" not in markdown


def test_a_clean_run_has_no_reasons_and_no_batch_list() -> None:
    markdown = quality_summary_markdown([BATCHES[0]])
    assert "No rule failed." in markdown
    assert "Every batch loaded in full." in markdown


def test_month_bounds_and_short_detail() -> None:
    assert [str(d) for d in month_bounds("2024-02")] == ["2024-02-01", "2024-02-29"]
    detail = short_detail(
        {"reason": "OKTMO not in the directory", "examples": ["mfc_20240301.csv, row 7"]}
    )
    assert detail == "OKTMO not in the directory; e.g. mfc_20240301.csv, row 7"
    assert short_detail({"observed": 12, "expected": 10}) == '{"observed": 12, "expected": 10}'
    assert len(short_detail({"reason": "x" * 500})) == 100
