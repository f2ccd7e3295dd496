"""``newsdedup index create|add|query|stats|compact``, and their error exits."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdedup.cli import main
from newsdedup.synthetic import generate


@pytest.fixture
def days(tmp_path: Path) -> tuple[Path, Path]:
    """A synthetic corpus cut in two by date, as two JSONL files."""
    docs = sorted(generate(30, seed=4).documents(), key=lambda d: d.published or "")
    half = len(docs) // 2
    files = []
    for name, part in (("day1.jsonl", docs[:half]), ("day2.jsonl", docs[half:])):
        path = tmp_path / name
        rows = [
            {"id": d.id, "text": d.text, "title": d.title, "date": d.published, "source": d.source}
            for d in part
        ]
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        files.append(path)
    return files[0], files[1]


def _invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_create_add_query_stats_compact(tmp_path: Path, days) -> None:
    index = tmp_path / "news.ndx"
    made = _invoke("index", "create", index, "--level", "rewrites")
    assert made.exit_code == 0, made.output
    assert "schema 1, level rewrites" in made.output
    first = _invoke("index", "add", index, days[0])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("Batch 1: ")
    out = tmp_path / "out"
    second = _invoke("index", "add", index, days[1], "-o", out)
    assert second.exit_code == 0, second.output
    with open(out / "clusters.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    batch = [json.loads(line)["id"] for line in days[1].read_text().splitlines()]
    assert [row["doc_id"] for row in rows] == batch  # the batch, every document, in order
    assert {"pairs.csv", "manifest.json", "cleaned"} <= {p.name for p in out.iterdir()}
    kept = (out / "cleaned" / "day2.jsonl").read_text().splitlines()
    assert len(kept) == sum(row["is_representative"] == "true" for row in rows)

    text = json.loads(days[1].read_text().splitlines()[0])["text"]
    asked = _invoke("index", "query", index, text, "--json")
    assert asked.exit_code == 0, asked.output
    found = json.loads(asked.output)
    assert any(m["kind"] == "exact" for m in found["matches"])
    assert found["cluster"] is not None

    stats = _invoke("index", "stats", index, "--json")
    figures = json.loads(stats.output)
    assert figures["documents"] == len(batch) + len(days[0].read_text().splitlines())
    assert figures["batches"] == 2 and figures["level"] == "rewrites"
    compact = _invoke("index", "compact", index)
    assert compact.exit_code == 0 and "Compacted" in compact.output


def test_query_of_a_new_text_says_so(tmp_path: Path, days) -> None:
    index = tmp_path / "news.ndx"
    _invoke("index", "create", index)
    _invoke("index", "add", index, days[0])
    text = tmp_path / "q.txt"
    text.write_text("Nothing in the index is like this short note about tulips.")
    asked = _invoke("index", "query", index, "--file", text)
    assert asked.exit_code == 0
    assert "No match" in asked.output


def test_errors_exit_with_a_message(tmp_path: Path, days) -> None:
    index = tmp_path / "news.ndx"
    missing = _invoke("index", "add", index, days[0])
    assert missing.exit_code == 1 and "no index at" in missing.output
    _invoke("index", "create", index)
    again = _invoke("index", "create", index)
    assert again.exit_code == 1 and "already exists" in again.output
    _invoke("index", "add", index, days[0])
    twice = _invoke("index", "add", index, days[0])
    assert twice.exit_code == 1 and "already in the index" in twice.output
    both = _invoke("index", "query", index, "text", "--file", days[0])
    assert both.exit_code == 2 and "one of the two" in both.output
    with sqlite3.connect(index) as db:
        db.execute("PRAGMA user_version = 99")
    newer = _invoke("index", "stats", index)
    assert newer.exit_code == 1 and "schema 99" in newer.output and "Traceback" not in newer.output


def test_help_lists_the_verbs() -> None:
    shown = _invoke("index", "--help")
    for verb in ("create", "add", "query", "stats", "compact"):
        assert verb in shown.output
