"""The Spark engine writes what the local engine writes, byte for byte (issue 15, item 3).

Runs on ``local[2]``; skipped with the reason when PySpark or Java is missing.
"""

from __future__ import annotations

import csv
import json
import shutil
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="the Spark engine needs pip install 'newsdedup[spark]'")
if shutil.which("java") is None:
    pytest.skip("the Spark engine needs a Java runtime", allow_module_level=True)

from newsdedup import Config, dedup_frame, pipeline
from newsdedup.backends.spark import SparkEngine, session
from newsdedup.config import ReadConfig
from newsdedup.errors import EngineError, InputError
from newsdedup.pipeline import run
from newsdedup.spark import dedup as spark_dedup
from newsdedup.synthetic import generate, iter_articles, write_jsonl

# Py4J leaves its sockets to the collector; PySpark 3.5 compares versions with distutils.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
    "ignore:distutils Version classes are deprecated:DeprecationWarning",
)

TABLES = ("clusters.csv", "pairs.csv", "boilerplate.csv", "skipped.csv")


@pytest.fixture(scope="module")
def engine() -> Iterator[SparkEngine]:
    ctrl_c = signal.getsignal(signal.SIGINT)  # PySpark sets its own, and leaves it
    spark = session("local[2]")
    yield SparkEngine(spark, batch=8)  # small batches: several Spark jobs even here
    spark.stop()
    signal.signal(signal.SIGINT, ctrl_c)


def _outputs(folder: Path) -> dict[str, bytes]:
    found = {name: (folder / name).read_bytes() for name in TABLES}
    for path in sorted((folder / "cleaned").rglob("*")):
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def _same_as_local(
    inputs: list[Path], tmp_path: Path, engine: SparkEngine, config: Config | None = None
) -> dict[str, bytes]:
    local = run(inputs, tmp_path / "local", config, workers=2)
    spark = run(inputs, tmp_path / "spark", config, engine=engine)
    assert spark.result.stats == local.result.stats
    tables = _outputs(tmp_path / "local")
    assert _outputs(tmp_path / "spark") == tables
    return tables


def test_a_synthetic_corpus_gives_the_same_tables(tmp_path: Path, engine: SparkEngine) -> None:
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(generate(250, seed=5, rewrites=True), corpus)
    tables = _same_as_local([corpus], tmp_path, engine)
    kinds = tables["clusters.csv"].decode()
    for kind in ("near", "rewrite", "exact"):  # every level was exercised
        assert f",{kind}," in kinds, kind


def test_bad_records_are_settled_alike(
    tmp_path: Path, engine: SparkEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The executors read JSONL blocks; the driver settles ids and skips as locally."""
    real = pipeline._blocks

    def small(*args: Any, **kwargs: Any) -> Any:  # 64 KB blocks: about 20 records each
        source = real(*args, **kwargs)
        return None if source is None else replace(source, size=1 << 16)

    monkeypatch.setattr(pipeline, "_blocks", small)
    rows = list(iter_articles(300, seed=6))
    lines = [json.dumps(row) for row in rows]
    lines[140] = lines[12]  # a repeated id, blocks after its first
    lines[90] = '{"id": "broken", "text": '  # not JSON
    lines[150] = json.dumps({"id": "empty", "text": "  "})
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    config = Config(read=ReadConfig(on_error="skip", on_empty="skip"))
    assert engine.reads_blocks
    tables = _same_as_local([corpus], tmp_path, engine, config)
    assert tables["skipped.csv"].count(b"\n") == 4  # the header, and three records


def test_other_inputs_are_streamed_from_the_driver(tmp_path: Path, engine: SparkEngine) -> None:
    rows = list(iter_articles(200, seed=8))
    corpus = tmp_path / "corpus.csv"
    with corpus.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _same_as_local([corpus], tmp_path, engine)


@pytest.mark.parametrize("form", ["jsonl", "csv"])
def test_the_candidates_are_gathered_on_the_executors(
    tmp_path: Path, engine: SparkEngine, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """The global steps run where the chunks are kept, not on the driver.

    LSH buckets, lead keys, the n-grams' document frequencies and the rare n-grams'
    join, verification, and how rare a passage is.

    Blocks read by the executors (one settled again on the driver: a repeated id) and
    documents streamed from the driver alike.
    """
    import newsdedup.backends.spark as backend
    import newsdedup.stages.rewrite as rewrite

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a global step fell back to the driver")

    steps = ("banded_fingerprints", "lead_pairs", "candidates", "rarity", "verify")
    for name in (*steps, "shingle_rarity"):
        monkeypatch.setattr(backend, name, refused)
    # Blocks of 16 documents, grouped as few as can be: the join runs in many groups.
    monkeypatch.setattr(rewrite, "_BLOCK", 16)
    monkeypatch.setattr(backend, "_GROUP_LEAST", 1)
    real = pipeline._blocks
    monkeypatch.setattr(
        pipeline, "_blocks", lambda *a, **k: (b := real(*a, **k)) and replace(b, size=1 << 16)
    )
    written = tmp_path / "written.jsonl"
    write_jsonl(generate(150, seed=9, rewrites=True), written)  # rewrites: rare n-grams find
    rows = [json.loads(line) for line in written.read_text().splitlines()]
    rows[200] = rows[20]  # a repeated id, blocks after its first
    corpus = tmp_path / f"corpus.{form}"
    if form == "csv":
        with corpus.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        corpus.write_text("".join(json.dumps(row) + "\n" for row in rows))
    config = Config(read=ReadConfig(on_error="skip"))
    tables = _same_as_local([corpus], tmp_path, engine, config)
    assert b",rewrite," in tables["clusters.csv"]
    assert engine._held is None  # let go of at the end of the run


@pytest.mark.parametrize(
    "sets",
    [("seeds",), ("counter-urdu",), ("onestopenglish", "bbc-news"), ("reuters-21578",)],
    ids=lambda sets: "+".join(sets),
)
def test_real_corpora_give_the_same_tables(
    shared_data: Path, tmp_path: Path, engine: SparkEngine, sets: tuple[str, ...]
) -> None:
    inputs = [shared_data / name / "docs.jsonl" for name in sets]
    tables = _same_as_local(inputs, tmp_path, engine)
    assert tables["pairs.csv"].count(b"\n") > (1 if sets != ("seeds",) else 0)


def test_the_dataframe_twin_groups_as_dedup_frame(engine: SparkEngine) -> None:
    import pandas as pd

    rows = list(iter_articles(120, seed=9))
    frame = pd.DataFrame(rows)
    want = dedup_frame(frame)
    columns = list(rows[0])  # all strings; built from rows (PySpark 3.5 and pandas 3 disagree)
    df = engine.spark.createDataFrame([tuple(r[c] for c in columns) for r in rows], columns)
    got = spark_dedup(df)
    clusters = [row.asDict() for row in got.clusters.collect()]
    assert clusters == want.to_dict("records")
    kept = set(want.loc[want.is_representative, "doc_id"])
    assert {row["id"] for row in got.cleaned.collect()} == kept
    assert got.cleaned.columns == list(frame.columns)
    assert got.pairs.count() == len(got.result.matches) > 0
    assert {row.match_kind for row in got.pairs.collect()} >= {"near"}


def test_the_dataframe_twin_refuses_bad_frames(engine: SparkEngine) -> None:
    spark = engine.spark
    bad = spark.createDataFrame([("a", "x")], ["key", "body"])
    with pytest.raises(InputError, match="no column 'id'"):
        spark_dedup(bad)
    story = "The central bank raised its main interest rate by half a point on Tuesday."
    twice = spark.createDataFrame([("a", story), ("a", story + " More.")], ["id", "text"])
    with pytest.raises(InputError, match="two rows have the id 'a'"):
        spark_dedup(twice)
    numbered = spark_dedup(twice, Config(read=ReadConfig(auto_ids=True)))
    assert numbered.clusters.count() == 2
    assert numbered.cleaned.count() + numbered.result.stats["grouped"] == 2


def test_a_failed_spark_job_is_an_engine_error(engine: SparkEngine) -> None:
    """A task that fails on an executor stops the run with one clear error."""

    def broken(context: object, item: int) -> int:
        raise ValueError(f"item {item} is bad")

    with pytest.raises(EngineError, match="a Spark job failed"):
        list(engine.map_chunks(broken, None, range(5)))
    assert list(engine.map_chunks(lambda context, item: item * 2, None, range(5))) == [
        0,
        2,
        4,
        6,
        8,
    ]
