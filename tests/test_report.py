"""Tests for newsdedup.report: spans, charts, escaping, the page, the CLI, and a real browser."""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.cli import main
from newsdedup.report import write_report
from newsdedup.report.page import Timeline, periods, safe_url, script_json, size_buckets
from newsdedup.report.spans import (
    clip,
    find_all,
    merge,
    parse_passages,
    passage_spans,
    shared_spans,
    to_utf16,
)
from newsdedup.report.svg import curve, histogram, nice_ticks, stacked_bars
from newsdedup.synthetic import generate, write_jsonl

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# What an attacker would put in a scraped article: every payload, if it ran, would set
# window.__pwned or change the page title.
RUN_JS = "window.__pwned=1;document.title='pwned'"
PAYLOADS = {
    "script": f"<script>{RUN_JS}</script>",
    "breakout": f"</script><script>{RUN_JS}</script><!--",
    "img": f'<img src=x onerror="{RUN_JS}">',
    "attr": f'" autofocus onfocus="{RUN_JS}" x="',
    "svg": f"<svg onload={RUN_JS}>",
    "separators": "line\u2028separator\u2029paragraph",
}
STORY = (
    "The harbour authority said on Monday that the new container terminal would open in "
    "the spring, after two years of delays caused by flooding and a shortage of steel. "
    "Officials expect the terminal to double the port's capacity within five years."
)


def payload_docs() -> list[dict[str, Any]]:
    """Three copies of one story, every field carrying a payload."""
    text = STORY + " " + " ".join(PAYLOADS.values())
    base = {"date": "2024-05-02", "url": f"javascript:{RUN_JS}"}
    return [
        {**base, "id": "pwn-a", "title": PAYLOADS["script"], "text": text,
         "source": PAYLOADS["svg"]},
        {**base, "id": f"pwn-b{PAYLOADS['img']}", "title": PAYLOADS["img"], "text": text,
         "source": PAYLOADS["attr"], "url": " javascript:alert(1)"},
        {**base, "id": f"pwn-c{PAYLOADS['attr']}", "title": PAYLOADS["breakout"],
         "text": "Updated. " + text + " More to follow.", "source": "Wire",
         "url": "https://example.org/story?a=1&b=<2>"},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    path = folder / "corpus.jsonl"
    write_jsonl(generate(40, seed=3), path)
    with open(path, "a", encoding="utf-8") as handle:
        for doc in payload_docs():
            handle.write(json.dumps(doc) + "\n")
    return path


@pytest.fixture(scope="module")
def run_dir(corpus: Path) -> Path:
    out = corpus.parent / "out"
    result = CliRunner().invoke(main, ["run", str(corpus), "-o", str(out), "--report", "-q"])
    assert result.exit_code == 0, result.output
    return out


def embedded_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html)
    assert match
    return json.loads(match.group(1))


def cluster_of(data: dict[str, Any], doc_id: str) -> dict[str, Any]:
    return next(c for c in data["clusters"] if any(m["id"] == doc_id for m in c["members"]))


# ---------------------------------------------------------------- spans


spans_st = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=20)


@given(spans_st)
def test_merge_is_sorted_disjoint_and_covers_the_same_points(spans: list) -> None:
    merged = merge(spans)
    assert all(s < e for s, e in merged)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))
    points = {p for s, e in spans for p in range(s, e)}
    assert points == {p for s, e in merged for p in range(s, e)}


@given(st.text(max_size=60), st.text(max_size=60))
def test_shared_spans_are_in_bounds_and_symmetric(a: str, b: str) -> None:
    spans_a, spans_b = shared_spans(a, b)
    assert all(0 <= s < e <= len(a) for s, e in spans_a)
    assert all(0 <= s < e <= len(b) for s, e in spans_b)
    assert shared_spans(b, a) == (spans_b, spans_a)


def test_shared_spans_mark_the_copied_passage_only() -> None:
    copy = STORY.upper().replace(",", ";")
    padded = "Breaking news from the coast today. " + copy + " Subscribe for more stories."
    spans_a, spans_b = shared_spans(STORY, padded)
    assert spans_a == ((0, len(STORY) - 1),)  # the final full stop is not a word
    start = padded.index(copy)
    assert spans_b == ((start, start + len(copy) - 1),)
    assert shared_spans(STORY, "Heavy rain closed schools across the north.") == ((), ())


def test_short_texts_are_compared_whole() -> None:
    assert shared_spans("Rates rise.", "RATES RISE!") == (((0, 10),), ((0, 10),))


@given(st.text(max_size=40), st.integers(0, 45), st.integers(0, 45))
def test_utf16_offsets_match_javascript(text: str, start: int, end: int) -> None:
    start, end = sorted((min(start, len(text)), min(end, len(text))))
    (converted,) = to_utf16(text, [(start, end)]) or ((start, end),)

    def units(i: int) -> int:
        return len(text[:i].encode("utf-16-le")) // 2

    assert converted == (units(start), units(end))


def test_passages_cells_are_parsed_or_refused() -> None:
    assert parse_passages("[[0, 5, 10, 15], [20, 30, 40, 50]]") == (
        (0, 5, 10, 15),
        (20, 30, 40, 50),
    )
    assert parse_passages([[1, 2, 3, 4]]) == ((1, 2, 3, 4),)
    assert parse_passages("[]") == ()
    for bad in (None, "", "not json", "[[1, 2, 3]]", '[["a", 1, 2, 3]]', "[[-1, 2, 3, 4]]", "{}"):
        assert parse_passages(bad) is None
    assert passage_spans(((0, 5, 10, 15), (3, 8, 20, 25))) == ((0, 8),)
    assert passage_spans(((0, 5, 10, 15), (3, 8, 20, 25)), swap=True) == ((10, 15), (20, 25))


def test_find_all_and_clip() -> None:
    text = "Read more at example.com. Story. Read more at example.com."
    assert find_all(text, ["Read more at example.com.", " "]) == ((0, 25), (33, 58))
    assert clip(((0, 10), (20, 30), (40, 50)), 25) == ((0, 10), (20, 25))


# ---------------------------------------------------------------- escaping


@given(st.recursive(st.text() | st.integers() | st.none(), lambda c: st.lists(c, max_size=4)))
def test_script_json_round_trips_and_cannot_end_the_script(value: Any) -> None:
    text = script_json({"v": value})
    assert json.loads(text) == {"v": value}
    assert not set(text) & set("<>&\u2028\u2029")


def test_only_plain_web_addresses_become_links() -> None:
    assert safe_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert safe_url("HTTP://example.org") == "HTTP://example.org"
    for bad in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//example.org",
        "http:///nohost",
        "",
        None,
    ):
        assert safe_url(bad) is None, bad


# ---------------------------------------------------------------- charts


def parse_svg(text: str) -> ET.Element:
    return ET.fromstring(text)


def tip_count(tip: str) -> int:
    match = re.search(r": ([\d,]+) ", tip)
    assert match, tip
    return int(match.group(1).replace(",", ""))


@given(
    st.lists(st.floats(0, 1), max_size=50),
    st.lists(st.floats(0, 1), max_size=50),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
)
def test_histogram_is_valid_svg_counting_every_value(a: list, b: list, label: str) -> None:
    chart = histogram({"near": a, label + "x": b}, title=label, x_label=label, marks=[(0.5, label)])
    tips = [el.text or "" for el in parse_svg(chart).iter("{http://www.w3.org/2000/svg}title")]
    assert sum(tip_count(tip) for tip in tips[1:]) == len(a) + len(b)


def test_charts_escape_labels_and_draw_shapes() -> None:
    evil = "<script>alert(1)</script>"
    bars = stacked_bars(
        ["2", evil], {evil: [3, 5], "b": [1, 0]}, title=evil, x_label=evil, y_label=evil
    )
    root = parse_svg(bars)
    assert "<script" not in bars
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) >= 3
    line = curve(
        [(0, 0), (0.5, 0.5), (1, 1)], title="t", x_label="x", y_label="y", marks=[(0.5, "m")]
    )
    assert parse_svg(line).find(".//{http://www.w3.org/2000/svg}path") is not None
    assert "nothing to show" in stacked_bars([], {}, title="t", x_label="x", y_label="y")


@given(st.floats(0, 1e7))
def test_nice_ticks_cover_the_top(top: float) -> None:
    ticks = nice_ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 12
    assert ticks == sorted(ticks)


def test_size_buckets() -> None:
    labels, values = size_buckets({2: 10, 3: 4, 7: 2, 130: 1})
    assert labels[:4] == ["2", "3", "4", "5"] and labels[-1] == "101+"
    assert values[0] == 10 and values[4] == 2 and sum(values) == 17
    assert size_buckets({}) == ([], [])


@given(st.dictionaries(st.dates().map(lambda d: d.isoformat()), st.integers(0, 9), max_size=30))
def test_periods_keep_every_document(days: dict[str, int]) -> None:
    by_day = {day: (n + 2, n) for day, n in days.items()}
    timeline = periods(by_day)
    assert len(timeline.labels) == len(timeline.kept) == len(timeline.grouped) <= 400
    documents = sum(timeline.kept) + sum(timeline.grouped) + timeline.left_out
    assert documents == sum(n for n, _ in by_day.values())
    assert list(timeline.labels) == sorted(timeline.labels)
    if not timeline.left_out:
        assert sum(timeline.grouped) == sum(g for _, g in by_day.values())


def test_periods_choose_a_readable_unit() -> None:
    assert periods({"2024-03-01": (2, 1), "2024-03-03": (1, 0)}).labels == (
        "2024-03-01", "2024-03-02", "2024-03-03",
    )  # fmt: skip
    weeks = periods({"2024-03-06": (1, 0), "2024-06-30": (1, 1)})
    assert weeks.unit == "week" and weeks.labels[0] == "2024-03-04" and weeks.grouped[-1] == 1
    assert periods({"1987-02-26": (1, 0), "1995-10-01": (1, 0)}).labels[0] == "1987-02"
    wild = periods({"0001-01-01": (1, 0), "2020-05-05": (500, 3), "9999-12-31": (1, 0)})
    assert wild.labels == ("2020-05-05",) and wild.left_out == 2 and wild.grouped == (3,)
    assert periods({"not a date": (1, 1)}) == Timeline()


# ---------------------------------------------------------------- the page from a real run


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_untrusted_text_is_never_live(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(html)
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert [s.get("type") for s in scripts] == ["application/json", None]
    assert not [tag for tag, _ in parser.tags if tag in ("img", "iframe", "object", "embed")]
    assert [tag for tag, _ in parser.tags].count("svg") == 5  # only the plots
    for tag, attrs in parser.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:text")), (tag, attrs)
    for payload in PAYLOADS.values():
        assert payload not in html
    data = embedded_data(html)
    members = cluster_of(data, "pwn-a")["members"]
    assert {m["id"] for m in members} == {d["id"] for d in payload_docs()}
    assert [m["url"] for m in members if m["url"]] == ["https://example.org/story?a=1&b=<2>"]
    assert any(m["title"] == PAYLOADS["breakout"] for m in members)  # shown as text, intact


def test_page_sections_and_highlights(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    for part in ("Documents in", "By match kind", "By source", "Method", "Jaccard similarity",
                 "LSH candidate probability", "Cluster sizes", "Documents over time",
                 'id="cluster-search"', "All ", "clusters with copies are listed"):  # fmt: skip
        assert part in html
    data = embedded_data(html)
    assert data["clusters"] and all(len(c["members"]) >= 2 for c in data["clusters"])
    sizes = [c["size"] for c in data["clusters"]]
    assert sizes == sorted(sizes, reverse=True)
    pwn = cluster_of(data, "pwn-a")
    # Copies carry the pairs table's aligned passages; exact copies fall back to 8-grams.
    assert all(p["how"] in ("passages", "8-grams") and p["a"] and p["b"] for p in pwn["pairs"][1:])
    assert any(p["how"] == "passages" for c in data["clusters"] for p in c["pairs"][1:])
    text = pwn["members"][0]["text"]
    (start, end), *_ = pwn["pairs"][1]["a"]
    assert text[start:end].startswith("The harbour authority")


def test_report_is_deterministic_and_cli_writes_elsewhere(run_dir: Path, tmp_path: Path) -> None:
    first = (run_dir / "report.html").read_bytes()
    out = tmp_path / "sub" / "page.html"
    result = CliRunner().invoke(main, ["report", str(run_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and out.read_bytes() == first


def test_big_runs_list_the_largest_clusters_and_say_so(run_dir: Path, tmp_path: Path) -> None:
    page = write_report(run_dir, tmp_path / "small.html", max_clusters=3)
    html = page.read_text(encoding="utf-8")
    data = embedded_data(html)
    assert len(data["clusters"]) == 3
    total = len(embedded_data((run_dir / "report.html").read_text(encoding="utf-8"))["clusters"])
    assert f"lists the <strong>3 largest</strong> of {total:,} clusters" in html
    assert html.count('<tr tabindex="0" data-index=') == 3


def test_texts_beyond_the_budget_are_left_out_and_said_so(
    run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("newsdedup.report.TEXT_BUDGET", 1)  # the largest cluster only
    html = write_report(run_dir, tmp_path / "budget.html").read_text(encoding="utf-8")
    first, *rest = embedded_data(html)["clusters"]
    assert all(m["text"] for m in first["members"]) and not first["why"]
    assert rest and all(m["text"] is None for c in rest for m in c["members"])
    assert all(c["why"].startswith("Texts of this cluster are not included") for c in rest)
    assert "The texts of the <strong>1 largest</strong> are included" in html


def copy_run(run_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    return copy


def test_uses_the_passages_column_and_shows_boilerplate(run_dir: Path, tmp_path: Path) -> None:
    run = copy_run(run_dir, tmp_path)
    with open(run / "pairs.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["passages"] = json.dumps([[0, 11, 4, 15]])
    with open(run / "pairs.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0].keys()])
        writer.writeheader()
        writer.writerows(rows)
    (run / "boilerplate.csv").write_text(
        "text,count,source\nOfficials expect the terminal,12,Wire\n<b>footer</b>,3,\n",
        encoding="utf-8",
    )
    html = write_report(run).read_text(encoding="utf-8")
    assert "Boilerplate stripped before matching" in html and "&lt;b&gt;footer&lt;/b&gt;" in html
    pwn = cluster_of(embedded_data(html), "pwn-a")
    pair = pwn["pairs"][1]
    rep_is_a = pwn["members"][0]["id"] < pwn["members"][1]["id"]
    assert pair["how"] == "passages"
    assert (pair["a"], pair["b"]) == (
        ([[0, 11]], [[4, 15]]) if rep_is_a else ([[4, 15]], [[0, 11]])
    )
    wire = next(m for m in pwn["members"] if m["source"] == "Wire")
    (start, end), *_ = wire["boiler"]
    assert wire["text"][start:end] == "Officials expect the terminal"
    assert all(not m["boiler"] for m in pwn["members"] if m["source"] != "Wire")


def test_parquet_tables_and_missing_inputs(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus.parent)
    out = tmp_path / "pq"
    args = ["run", corpus.name, "-o", str(out), "--output-format", "parquet", "-q", "--report"]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert embedded_data((out / "report.html").read_text(encoding="utf-8"))["clusters"]
    monkeypatch.chdir(tmp_path)  # the relative input is no longer found from here
    html = write_report(out).read_text(encoding="utf-8")
    assert "Texts are not shown" in html and "were not found" in html
    data = embedded_data(html)
    assert data["clusters"] and all(
        m["text"] is None for c in data["clusters"] for m in c["members"]
    )


def test_inputs_edited_after_the_run_are_not_shown_as_its_texts(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus.parent)
    out = tmp_path / "edited"
    assert CliRunner().invoke(main, ["run", corpus.name, "-o", str(out), "-q"]).exit_code == 0
    corpus.write_bytes(corpus.read_bytes().replace(b"the", b"a", 1))
    html = write_report(out).read_text(encoding="utf-8")
    assert "changed after the run" in html
    data = embedded_data(html)
    assert all(m["text"] is None for c in data["clusters"] for m in c["members"])


def test_report_errors_name_the_problem(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a newsdedup run folder" in result.output and "Traceback" not in result.output
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 1 and "has no clusters table" in result.output
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--max-clusters", "0"])
    assert result.exit_code == 2


def test_real_corpus_report(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shared_data.parent.parent)
    out = tmp_path / "bbc"
    args = ["run", "shared/data/bbc-news/docs.jsonl", "-o", str(out), "-q", "--report"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = embedded_data((out / "report.html").read_text(encoding="utf-8"))
    assert len(data["clusters"]) > 50
    assert all(p["a"] and p["b"] for c in data["clusters"] for p in c["pairs"][1:])


# ---------------------------------------------------------------- in headless Chromium


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip(
            "Chromium and chromedriver are not installed (Debian: chromium chromium-driver)"
        )
    return browser, driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    binary, driver_path = chromium_paths()
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1400,1000", "--hide-scrollbars",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        yield driver
    finally:
        driver.quit()


def visible_rows(driver: Any) -> list[Any]:
    return [
        r
        for r in driver.find_elements("css selector", "#cluster-table tbody tr")
        if r.is_displayed()
    ]


def test_page_works_in_chromium(browser: Any, run_dir: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get((run_dir / "report.html").resolve().as_uri())
    assert browser.title.startswith("newsdedup report")
    charts = browser.find_elements("css selector", "svg.chart")
    assert len(charts) == 5
    for chart in charts:
        assert chart.size["width"] > 200 and chart.size["height"] > 100
        assert chart.find_elements("css selector", "rect, path")

    rows = visible_rows(browser)
    assert len(rows) > 5
    search = browser.find_element("id", "cluster-search")
    search.send_keys("pwn-a")
    assert len(visible_rows(browser)) == 1
    assert "of" in browser.find_element("id", "cluster-count").text
    search.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    assert len(visible_rows(browser)) == len(rows)

    size_header = browser.find_elements("css selector", "#cluster-table th button")[3]
    size_header.click()
    sizes = [int(r.find_elements("tag name", "td")[3].text) for r in visible_rows(browser)]
    assert sizes == sorted(sizes)
    size_header.click()
    sizes = [int(r.find_elements("tag name", "td")[3].text) for r in visible_rows(browser)]
    assert sizes == sorted(sizes, reverse=True)

    search.send_keys("pwn-a")
    visible_rows(browser)[0].click()
    detail = browser.find_element("id", "detail")
    assert detail.is_displayed()
    columns = detail.find_elements("css selector", "article.doc")
    assert len(columns) == 2
    for column in columns:
        assert column.find_elements("tag name", "mark")
    assert "The harbour authority" in columns[0].find_element("tag name", "mark").text
    assert PAYLOADS["script"] in detail.text  # the payload is shown as text
    assert not detail.find_elements("css selector", "img, script, iframe")
    hrefs = [a.get_attribute("href") for a in browser.find_elements("tag name", "a")]
    assert not [h for h in hrefs if h and not h.startswith(("https:", "file:"))]
    detail.find_elements("css selector", "table.members tbody tr")[2].click()
    assert browser.find_elements("css selector", "article.doc a[href^='https://example.org']")

    assert browser.execute_script("return window.__pwned") is None
    assert browser.title.startswith("newsdedup report")
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert not errors, errors
    ARTIFACTS.mkdir(exist_ok=True)
    browser.execute_script("document.getElementById('detail').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "report-cluster.png"))
    save_screenshot(browser, ARTIFACTS / "report.png")


def save_screenshot(driver: Any, path: Path) -> None:
    """A full-page screenshot, for people to look at."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(int(height) + 100, 8000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)


def test_pattern_furniture_is_shown_apart(tmp_path: Path) -> None:
    body = " ".join(
        f"The council voted {n} times on the harbour plan before the summer." for n in range(8)
    )
    docs = [
        {"id": "one", "text": f"{body}\nFollow us on Twitter for more\n", "source": "A"},
        {"id": "two", "text": f"{body} Updated.\nFollow us on Twitter for more\n", "source": "B"},
    ]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    from newsdedup import run

    run([path], tmp_path / "out")
    html = write_report(tmp_path / "out").read_text(encoding="utf-8")
    cluster = cluster_of(embedded_data(html), "one")
    for member in cluster["members"]:
        (start, end), *_ = member["boiler"]
        assert member["text"][start:end] == "Follow us on Twitter for more"
