"""Great Expectations Data Docs: a local HTML site of one run's validation results."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )

SITE_NAME = "egov_data_docs"
MAX_LISTED_UNEXPECTED = 200
"""Full unexpected value/index lists longer than this are dropped before rendering."""

BULKY_RESULT_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_rows")
OFFLINE_INDEX_ID = "egov-offline-index"


def build_data_docs(
    context: Any,
    results: Sequence[ExpectationSuiteValidationResult],
    folder: Path,
    *,
    run_name: str = "egov-quality",
) -> Path:
    """Render `results` as a Data Docs site in `folder`; returns the path of its index.html.

    Each result's page is named by `result.meta["batch_key"]` when the caller set it, else by
    its GX batch id (numbered when several results share one). The context is left as found:
    the results, any suite reconstructed for its page and the site entry are removed again.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    stored: list[Any] = []
    added_suites: list[str] = []
    sites_before = dict(context.variables.data_docs_sites or {})
    try:
        labels: dict[str, int] = {}
        for result in results:
            label = _page_label(result, labels)
            stored.append(
                _store_result(context, _slim_result(result, run_id, label), run_id, label)
            )
            if _add_missing_suite(context, result):
                added_suites.append(result.suite_name)
        _set_site(context, folder)
        context.build_data_docs(site_names=[SITE_NAME])
        pages = [_page_path(context, key, folder) for key in stored]
    finally:
        for key in stored:
            context.validation_results_store.remove_key(key)
        for name in added_suites:
            context.suites.delete(name)
        # Site entries live in the context's variables; leave them as the caller had them.
        context.variables.data_docs_sites = sites_before
    index = folder / "index.html"
    _add_offline_index(index, [p for p in pages if p is not None])
    return index


def _page_label(result: ExpectationSuiteValidationResult, seen: dict[str, int]) -> str:
    # The label becomes a file name in the site, so only safe characters survive.
    raw = str(result.meta.get("batch_key") or result.batch_id or "batch")
    label = re.sub(r"[^0-9A-Za-z._-]+", "_", raw).strip("._") or "batch"
    seen[label] = seen.get(label, 0) + 1
    return label if seen[label] == 1 else f"{label}-{seen[label]}"


def _slim_result(
    result: ExpectationSuiteValidationResult, run_id: Any, label: str
) -> ExpectationSuiteValidationResult:
    """A copy without huge unexpected lists (GX then renders its top-value counts instead)."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    items = []
    for item in result.results:
        payload = dict(item.result or {})
        payload.pop("unexpected_index_query", None)
        # Both lists or neither: GX pairs them position by position for its index table, and
        # counts indices from them, so a truncated pair would show wrong counts.
        if any(len(payload.get(k) or ()) > MAX_LISTED_UNEXPECTED for k in BULKY_RESULT_KEYS):
            for k in BULKY_RESULT_KEYS:
                payload.pop(k, None)
        items.append(
            ExpectationValidationResult(
                success=item.success,
                expectation_config=item.expectation_config,
                result=payload,
                meta=dict(item.meta or {}),
                exception_info=item.exception_info,
            )
        )
    meta = dict(result.meta or {})
    meta["run_id"] = run_id
    meta["batch_spec"] = {**dict(meta.get("batch_spec") or {}), "data_asset_name": label}
    return ExpectationSuiteValidationResult(
        success=bool(result.success),
        results=items,
        suite_name=result.suite_name,
        suite_parameters=dict(result.suite_parameters or {}),
        statistics=dict(result.statistics or {}),
        meta=meta,
        batch_id=result.batch_id,
    )


def _store_result(
    context: Any, result: ExpectationSuiteValidationResult, run_id: Any, label: str
) -> Any:
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
        run_id=run_id,
        batch_identifier=label,
    )
    context.validation_results_store.set(key, result)
    return key


def _add_missing_suite(context: Any, result: ExpectationSuiteValidationResult) -> bool:
    """Give a validation page's suite link a target when the suite is not in the context."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.exceptions.exceptions import DataContextError

    try:
        context.suites.get(result.suite_name)
    except DataContextError:
        pass
    else:
        return False
    # Rebuilt from the result, so parameters show the values of this validation.
    configs = [r.expectation_config for r in result.results]
    expectations = [c.to_domain_obj() for c in configs if c is not None]
    context.suites.add(ExpectationSuite(name=result.suite_name, expectations=expectations))
    return True


def _set_site(context: Any, folder: Path) -> None:
    sites = dict(context.variables.data_docs_sites or {})
    sites[SITE_NAME] = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(folder),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    context.variables.data_docs_sites = sites


def _page_path(context: Any, key: Any, folder: Path) -> tuple[str, Any] | None:
    urls = context.get_docs_sites_urls(resource_identifier=key, site_name=SITE_NAME)
    for entry in urls:
        url = entry.get("site_url") or ""
        if url.startswith("file://"):
            path = Path(unquote(urlparse(url).path))
            if path.is_file():
                return path.relative_to(folder).as_posix(), key
    return None


def _add_offline_index(index: Path, pages: Sequence[tuple[str, Any]]) -> None:
    """Append plain links to the index: GX draws its own table with scripts from CDNs."""
    if not index.is_file() or not pages:
        return
    items = "\n".join(
        f'<li><a href="{html.escape(path)}">'
        f"{html.escape(key.expectation_suite_identifier.name)} / "
        f"{html.escape(str(key.batch_identifier))}</a></li>"
        for path, key in pages
    )
    section = (
        f'<section id="{OFFLINE_INDEX_ID}" class="container my-4">'
        f"<h5>Validation results of this run</h5><ul>\n{items}\n</ul></section>\n"
    )
    text = index.read_text(encoding="utf-8")
    text = re.sub(rf'<section id="{OFFLINE_INDEX_ID}".*?</section>\n', "", text, flags=re.S)
    at = text.rfind("<footer")
    at = at if at >= 0 else text.rfind("</body>")
    text = text[:at] + section + text[at:] if at >= 0 else text + section
    index.write_text(text, encoding="utf-8")
