"""The report renderer on the sample data: sections, escaping, missing values, offline, markdown."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from egov.report import display as fmt
from egov.report.render import render_report_html, report_markdown

SAMPLE = Path(__file__).with_name("sample_report.json")
HOSTILE = '<script>alert("x")</script> & «Ко»'
NB = "\u00a0"


@pytest.fixture
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    return loaded


@pytest.fixture
def html(data: dict[str, Any]) -> str:
    return render_report_html(data)


def test_document_is_self_describing_html5(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ru">' in html
    assert '<meta charset="utf-8">' in html
    assert "@page { size: A4" in html
    assert html.rstrip().endswith("</html>")


def test_every_section_is_present(html: str) -> None:
    for anchor in ("region", "league", "behind", "ekc", "campaign"):
        assert f'<section id="{anchor}">' in html
    for heading in (
        "Регион: доля с начала года и план",
        "Рейтинг муниципальных образований",
        "Наибольшее отставание от плана",
        "Нагрузка на ЕКЦ",
        "Информационная кампания",
    ):
        assert heading in html
    assert "<footer>" in html
    # Headline chart, pace chart, topic chart and channel chart.
    assert html.count("<svg ") == 4


def test_headline_figures_and_milestones(html: str) -> None:
    assert f"48,1{NB}%" in html
    assert f"49,2{NB}%" in html
    assert f"−1,1{NB}п.п." in html
    assert f"цель 40,0{NB}%" in html and f"цель 50,0{NB}%" in html
    assert "на 30.11.2024" in html
    assert "выполнена" in html  # 2023 milestone met (40,9 % against 40 %)


def test_statuses_have_labels_and_colours(html: str) -> None:
    for key in fmt.STATUS_ORDER:
        status = fmt.status(key)
        assert status.label in html
        assert status.colour in html


def test_league_table_shows_every_municipality_and_projection_words(
    data: dict[str, Any], html: str
) -> None:
    league = html.split('<section id="league">')[1].split("</section>")[0]
    assert league.count("<tr>") == len(data["municipalities"]) + 1
    assert "не в пределах горизонта" in league
    assert "цель уже достигнута" in league
    assert "нет роста" in league
    assert "▲" in league and "▼" in league


def test_footer_names_snapshot_versions_and_batches(html: str) -> None:
    footer = html.split("<footer>")[1]
    for text in (
        "30.11.2024",
        "№ 12",
        "версия 1.0",
        "версия 2023.1",
        f"2{NB}982",
        "отношение сумм",
    ):
        assert text in footer


def test_estimated_population_is_marked(data: dict[str, Any]) -> None:
    html = render_report_html(data)
    assert '<span class="warn">*</span> Численность населения оценочная' in html
    for row in data["ekc"]["by_municipality"]:
        row["is_population_estimated"] = False
    assert "Численность населения оценочная" not in render_report_html(data)


def test_hostile_names_are_escaped_everywhere(data: dict[str, Any]) -> None:
    hostile = copy.deepcopy(data)
    hostile["indicator_name"] = HOSTILE
    hostile["municipalities"][0]["name"] = HOSTILE
    hostile["furthest_behind"][0]["name"] = HOSTILE  # also a label in the pace chart (SVG)
    hostile["ekc"]["by_municipality"][0]["name"] = HOSTILE
    hostile["ekc"]["by_topic"][0]["topic"] = HOSTILE  # a label in the topic chart (SVG)
    hostile["campaign"]["municipalities"][0]["name"] = HOSTILE
    hostile["campaign"]["channels"][0]["name_ru"] = HOSTILE
    hostile["campaign"]["municipalities"][0]["months_reported"] = 0  # and in the notice
    html = render_report_html(hostile)
    assert "<script" not in html.lower()
    assert "alert(&#34;x&#34;)" in html or "alert(&quot;x&quot;)" in html
    assert html.count("&lt;script&gt;") >= 8
    assert "&amp; «Ко»" in html


def test_missing_values_are_dashes_not_none(data: dict[str, Any]) -> None:
    sparse = copy.deepcopy(data)
    sparse["region"] = {"actual_pct": None, "status": None}
    sparse["municipalities"] = [{"name": "Пустое МО"}]
    sparse["furthest_behind"] = [{"name": "Пустое МО", "gap_pp": None}]
    html = render_report_html(sparse)
    assert "None" not in html
    row = html.split("Пустое МО</td>")[1].split("</tr>")[0]
    assert row.count(">—<") >= 6
    card = html.split("YTD share</span></div>")[1].split("</div>")[0]
    assert "—" in card
    assert "нет цели" in html  # status None = no target


def test_empty_data_still_renders_a_page() -> None:
    html = render_report_html({})
    assert "Нет данных для графика" in html
    assert "None" not in html
    assert report_markdown({}).startswith("# ")


def test_no_external_urls_scripts_or_resources(html: str) -> None:
    urls = set(re.findall(r"[a-z][a-z0-9+.-]*://[^\s\"'<>)]*", html, flags=re.IGNORECASE))
    # The SVG namespace is an identifier, never fetched.
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "url(" not in html and "@import" not in html
    assert re.findall(r'(?:src|href)="([^"]*)"', html) == [
        "#region",
        "#league",
        "#behind",
        "#ekc",
        "#campaign",
    ]


def test_markdown_summary(data: dict[str, Any]) -> None:
    md = report_markdown(data)
    assert len(md.splitlines()) < 150
    for text in (
        f"48,1{NB}%",
        f"49,2{NB}%",
        f"−1,1{NB}п.п.",
        "под угрозой",
        f"+1,9{NB}п.п./мес",
        f"261{NB}861",
        f"97,4{NB}%",
        data["municipalities"][0]["name"],
        data["municipalities"][-1]["name"],
        data["furthest_behind"][0]["name"],
    ):
        assert text in md
    league_rows = [line for line in md.splitlines() if re.match(r"^\| \d+ \| [^\d|]", line)]
    assert len(league_rows) == 10  # top 5 and bottom 5


def test_markdown_escapes_names(data: dict[str, Any]) -> None:
    data["municipalities"][0]["name"] = "A|B <b>*x*</b>"
    md = report_markdown(data)
    assert "A\\|B \\<b\\>\\*x\\*\\</b\\>" in md


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (fmt.pct(40.84), f"40,8{NB}%"),
        (fmt.pct(None), "—"),
        (fmt.pct(0), f"0,0{NB}%"),
        (fmt.pp(-1.1), f"−1,1{NB}п.п."),
        (fmt.pp(0.0), f"0,0{NB}п.п."),
        (fmt.pp(2), f"+2,0{NB}п.п."),
        (fmt.num(123456), f"123{NB}456"),
        (fmt.num(True), "—"),
        (fmt.seconds(30.2), f"30{NB}с"),
        (fmt.seconds(243.9), f"4{NB}мин 04{NB}с"),
        (fmt.day("2024-12-31"), "31.12.2024"),
        (fmt.day(None), "—"),
        (fmt.month("2024-01"), "январь 2024"),
        (fmt.projection({"projected_date": "2025-02-14"}), "14.02.2025"),
        (fmt.projection({"projection_note": "beyond_horizon"}), "не в пределах горизонта"),
        (fmt.projection({"projection_note": "no_trend"}), "тренд не определён"),
        (fmt.projection({}), "—"),
        (fmt.rank_change(2)[0], f"▲{NB}2"),
        (fmt.rank_change(-1)[0], f"▼{NB}1"),
        (fmt.rank_change(None)[0], "—"),
        (fmt.topic("local_government"), "местное самоуправление"),
    ],
)
def test_formatting(value: str, expected: str) -> None:
    assert value == expected
