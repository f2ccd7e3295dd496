"""newsdedup on Spark DataFrames: ``dedup(df)`` gives the clusters, pairs and cleaned corpus.

::

    from newsdedup.spark import dedup

    result = dedup(spark.read.parquet("s3a://archive/news/"))
    result.clusters.write.parquet("s3a://archive/dedup/clusters")
    result.cleaned.write.parquet("s3a://archive/dedup/cleaned")

``pip install 'newsdedup[spark]'``. The executors read the rows, key their lines for the
furniture survey, fingerprint them and align the passages of matched pairs
(:class:`newsdedup.backends.spark.SparkEngine`); the cleaned corpus is a join on the
executors, so its texts never reach the driver. The driver runs the global matching over
the fingerprints and fetches only the texts of the pairs it must align. Rows are read as
:func:`newsdedup.dedup_frame` reads a pandas DataFrame's (``config.read``'s field mapping,
checks and ``on_error``); ``line`` is the row's position in ``df``, from 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np

from newsdedup.backends.spark import CHUNK, SparkEngine
from newsdedup.backends.spill import spilled_fingerprints
from newsdedup.config import Config
from newsdedup.data import DedupResult, Document, Fingerprint, Origin, Skip
from newsdedup.errors import InputError
from newsdedup.frames import FRAME
from newsdedup.stages.fingerprint import FingerprintChunk, noting

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class SparkResult:
    """What :func:`dedup` gives: three DataFrames, and the in-memory result behind them.

    Attributes:
        clusters: The clusters table of ``newsdedup run`` (a row per document read).
        pairs: The pairs table, with each pair's shared passages.
        cleaned: The rows of ``df`` kept: one representative per cluster.
        result: The grouping itself (assignments, matches, stats).
        skipped: Rows set aside (``on_error="skip"``, ``on_empty="skip"``).
    """

    clusters: DataFrame
    pairs: DataFrame
    cleaned: DataFrame
    result: DedupResult
    skipped: list[Skip] = field(default_factory=list)


def dedup(
    df: DataFrame, config: Config | None = None, *, threads: int = 1, batch: int = 64
) -> SparkResult:
    """Find and group the duplicates among the rows of a Spark DataFrame.

    Args:
        df: One article a row, with at least the id and text columns of ``config.read``.
        config: The configuration; defaults to ``Config()``.
        threads: Threads for the driver's global steps; never changes the result.
        batch: Chunks of pairs per Spark job when aligning.

    Returns:
        The clusters, pairs and cleaned DataFrames (see :class:`SparkResult`); the same
        groups as :func:`newsdedup.dedup` on the same rows.

    Raises:
        InputError: A column is missing, two rows share an id, or a row is bad and
            ``on_error`` is ``fail``.
    """
    from newsdedup.io.write import CLUSTER_COLUMNS, PAIR_COLUMNS, cluster_columns, pair_columns
    from newsdedup.pipeline import (
        _settled,
        check_accounting,
        dedup_fingerprints,
        with_evidence,
    )
    from newsdedup.stages.boilerplate import named

    config = config or Config()
    engine = SparkEngine(df.sparkSession, threads=threads, batch=batch)
    rows = _rows(df, config)
    items = rows.mapPartitions(_items(config)).persist()
    try:
        furniture, documents = _survey(items, config)
        config = _settled(config, documents)
        seen: dict[int, tuple[str, str]] = {}
        fingerprints, origins, skipped = _fingerprints(items, config, furniture, seen)
        furniture = named(furniture, seen)
        _check_unique([fp.doc_id for fp in fingerprints], origins)
        result = dedup_fingerprints(
            fingerprints,
            config,
            skipped,
            furniture,
            threads=engine.threads,
            texts=lambda wanted: _texts(items, wanted),
            engine=engine,
        )
        check_accounting(result)
        wanted = {d for m in result.matches if m.kind != "exact" for d in (m.a, m.b)}
        with _texts(items, wanted) as docs:
            result = with_evidence(result, docs, fingerprints, config, furniture, engine=engine)
    finally:
        items.unpersist()
    spark = df.sparkSession
    clusters = _frame(spark, cluster_columns(result, origins), CLUSTER_COLUMNS)
    pairs = _frame(spark, pair_columns(result), PAIR_COLUMNS)
    kept = {row.doc_id for row in result.assignments if row.is_representative}
    cleaned = _kept_rows(df, {origins[d].record for d in kept if d in origins})
    return SparkResult(clusters, pairs, cleaned, result, skipped)


def _rows(df: DataFrame, config: Config) -> Any:
    """``(position, fields)`` of every row, in the DataFrame's order."""
    cfg = config.read
    for name in (cfg.id_field, cfg.text_field):
        if (not cfg.auto_ids or name != cfg.id_field) and name not in df.columns:
            raise InputError(
                f"the DataFrame has no column {name!r} (columns: {', '.join(df.columns)}); "
                f"name its {'ids' if name == cfg.id_field else 'texts'} with "
                f"config.read.{'id_field' if name == cfg.id_field else 'text_field'}."
            )
    return df.rdd.zipWithIndex().map(lambda pair: (pair[1], pair[0].asDict()))


def _items(config: Config) -> Any:
    """Rows to documents or skips, on the executors, as :mod:`newsdedup.frames` reads them."""

    def convert(rows: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[Document | Skip]:
        from newsdedup.io.records import Raw, Seen, surrogate_problem, to_item

        seen = Seen(files_with_text={FRAME})
        for position, fields in rows:
            label = f"{FRAME} line {position + 1}"
            problem = surrogate_problem(label, fields)
            raw = Raw(FRAME, position + 1, position, None if problem else fields, problem)
            yield to_item(raw, config.read, seen)

    return convert


def _chunked(docs: Iterable[Document | Skip]) -> Iterator[list[Document]]:
    only = (doc for doc in docs if isinstance(doc, Document))
    while chunk := list(islice(only, CHUNK)):
        yield chunk


def _survey(items: Any, config: Config) -> tuple[Any, int]:
    """The furniture learned from every distinct text, and how many documents there are.

    As the local survey: each exact text counts once (its first row), and a line is
    furniture of a source once :attr:`~newsdedup.config.BoilerplateConfig.min_docs` texts
    carry it.
    """
    from newsdedup.stages.boilerplate import Boilerplate, learned, survey_chunk
    from newsdedup.stages.fingerprint import slim

    documents = items.filter(lambda item: isinstance(item, Document)).count()
    if not config.boilerplate.enabled:
        return Boilerplate(patterns=False), documents

    def keyed(part: Iterable[Document | Skip]) -> Iterator[tuple[int, tuple[int, bytes]]]:
        for chunk in _chunked(part):
            found = survey_chunk(list(slim(chunk)), config)
            for i, (doc, key) in enumerate(zip(chunk, found.texts, strict=True)):
                if key is not None:
                    lines = found.lines[found.bounds[i] : found.bounds[i + 1]]
                    assert doc.origin is not None
                    yield key, (doc.origin.record, lines.tobytes())

    least = config.boilerplate.min_docs
    counts = (
        items.mapPartitions(keyed)
        .reduceByKey(min)  # the first row of each exact text
        .flatMap(lambda kv: ((int(k), 1) for k in np.frombuffer(kv[1][1], np.uint64)))
        .reduceByKey(lambda a, b: a + b)
        .filter(lambda kv: kv[1] >= least)
        .collect()
    )
    return learned(dict(sorted(counts)), config.boilerplate), documents


def _fingerprints(
    items: Any, config: Config, furniture: Any, seen: dict[int, tuple[str, str]]
) -> tuple[list[Fingerprint], dict[str, Origin], list[Skip]]:
    """Every row's fingerprint, made on the executors, in the DataFrame's order."""
    from newsdedup.stages.fingerprint import fingerprint_chunk, slim

    shared = items.context.broadcast((config, furniture))

    def made(part: Iterable[Document | Skip]) -> Iterator[Any]:
        config, furniture = shared.value
        held = list(part)
        yield [item for item in held if isinstance(item, Skip)]
        for chunk in _chunked(held):
            origins = [(doc.id, doc.origin) for doc in chunk]
            yield origins, fingerprint_chunk(list(slim(chunk)), config, furniture)

    origins: dict[str, Origin] = {}
    skipped: list[Skip] = []

    def parts() -> Iterator[FingerprintChunk]:
        for out in items.mapPartitions(made).toLocalIterator():
            if isinstance(out, list):
                skipped.extend(out)
                continue
            where, part = out
            origins.update((doc_id, origin) for doc_id, origin in where if origin is not None)
            yield part

    try:
        fingerprints = list(spilled_fingerprints(noting(parts(), seen)))
    finally:
        shared.unpersist()
    return fingerprints, origins, skipped


def _check_unique(ids: list[str], origins: Mapping[str, Origin]) -> None:
    if len(set(ids)) == len(ids):
        return
    seen: set[str] = set()
    for doc_id in ids:
        if doc_id in seen:
            where = origins.get(doc_id)
            line = f" (row {where.line})" if where else ""
            raise InputError(
                f"two rows have the id {doc_id!r}{line}; ids must be unique: fix the data, "
                "or number the rows with config.read.auto_ids"
            )
        seen.add(doc_id)


@contextmanager
def _texts(items: Any, wanted: set[str]) -> Iterator[dict[str, Document]]:
    """The documents with the ``wanted`` ids, fetched from the executors."""
    if not wanted:
        yield {}
        return
    shared = items.context.broadcast(frozenset(wanted))
    try:
        found = items.filter(
            lambda item: isinstance(item, Document) and item.id in shared.value
        ).collect()
    finally:
        shared.unpersist()
    yield {doc.id: doc for doc in found}


def _frame(spark: Any, columns: Mapping[str, list[Any]], names: Iterable[str]) -> DataFrame:
    """A small table made on the driver (ids and scores, no texts) as a DataFrame."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema

    table = pa.table({name: columns[name] for name in names})
    rows = [tuple(row.values()) for row in table.to_pylist()]
    return spark.createDataFrame(rows, from_arrow_schema(table.schema))


def _kept_rows(df: DataFrame, kept: set[int]) -> DataFrame:
    """The rows of ``df`` at the ``kept`` positions, filtered on the executors, in order."""
    shared = df.sparkSession.sparkContext.broadcast(frozenset(kept))
    rows = df.rdd.zipWithIndex().filter(lambda pair: pair[1] in shared.value).keys()
    return df.sparkSession.createDataFrame(rows, df.schema)


__all__ = ["SparkResult", "dedup"]
