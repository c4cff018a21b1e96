"""Browser test: the sample report opens offline in headless Chromium with no console errors.

Needs /usr/bin/chromium (run scripts/install-browser.sh); without it the tests fail, not skip.
tests/browser.py drives the page; the control page below proves that errors are caught.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from egov.report.render import render_report_html
from tests.browser import HEIGHT, WIDTH, PageRun, load_page, png_size, require_chromium

SAMPLE = Path(__file__).with_name("sample_report.json")


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def sample_run(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> PageRun:
    """The sample report rendered to a file and loaded once for all assertions below."""
    workdir = tmp_path_factory.mktemp("report-browser")
    page = workdir / "report.html"
    page.write_text(render_report_html(json.loads(SAMPLE.read_text("utf-8"))), "utf-8")
    run = load_page(chromium, page, workdir, pdf=True)
    (workdir / "report.png").write_bytes(run.png)
    return run


def test_sample_report_has_no_console_errors(sample_run: PageRun) -> None:
    assert sample_run.errors == []


def test_sample_report_requests_nothing_but_itself(sample_run: PageRun) -> None:
    assert len(sample_run.requests) == 1
    assert sample_run.requests[0].startswith("file://")


def test_sample_report_screenshot_is_a_real_full_page_image(sample_run: PageRun) -> None:
    width, height = png_size(sample_run.png)
    assert width == WIDTH
    # Five sections and a 42-row league table are far taller than one screen.
    assert height > 4 * HEIGHT
    assert len(sample_run.png) > 100_000


def test_sample_report_prints_to_a4(sample_run: PageRun) -> None:
    assert sample_run.pdf.startswith(b"%PDF")
    # A4 is 595.3 x 841.9 PDF points; Chromium writes a media box for every page.
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", sample_run.pdf)
    assert len(boxes) >= 3
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)


def test_control_page_errors_are_detected(chromium: Path, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>broken</title></head><body>"
        "<p>control</p><img src='missing.png' alt=''>"
        "<script>console.error('deliberate console error')</script>"
        "<script>nope()</script></body></html>",
        "utf-8",
    )
    run = load_page(chromium, page, tmp_path)
    text = "\n".join(run.errors)
    assert "ReferenceError: nope is not defined" in text
    assert "deliberate console error" in text
    assert "missing.png" in text
    assert "ERR_FILE_NOT_FOUND" in text
