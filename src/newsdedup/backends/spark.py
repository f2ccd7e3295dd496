"""The Spark engine: the stages' per-chunk work on the executors of an Apache Spark cluster.

``pip install 'newsdedup[spark]'`` (PySpark 3.5 or 4, and a Java runtime). Chunks of 256
documents, or of 64 pairs to align, go to the executors in batches; there each runs the
same pure stage as in a local worker (:func:`newsdedup.stages.boilerplate.survey_chunk`,
:func:`newsdedup.stages.fingerprint.fingerprint_chunk`,
:func:`newsdedup.stages.evidence.align_chunk`, the compiled kernels included), and the
results come back in the order the chunks went out. What a run finds is therefore the
same as the local engine's, byte for byte (``tests/backends/test_spark.py`` checks it).

What runs where, today:

- on the executors: keying the lines for the furniture survey, normalising, shingling,
  signing and the n-grams of every document, and aligning the passages of every pair
  (for the story decision and for the evidence);
- on the driver: the global steps, over the fingerprints (no texts): exact groups, LSH
  buckets, lead keys, n-gram document frequencies and the rare-n-gram candidates,
  verification, and the clusters.

With :func:`newsdedup.spark.dedup` the documents are read by the executors, from the
user's DataFrame. ``newsdedup run --engine spark`` on a local master lets the executors
read plain JSONL inputs themselves, a block (byte range) each, as the local workers do;
other inputs, and inputs on other masters (whose executors may not see the driver's
files), are read on the driver and streamed out a batch at a time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from importlib import resources
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from newsdedup.backends.blocks import BlockInput, block_job, cutting, settled
from newsdedup.backends.spill import spilled_fingerprints
from newsdedup.config import Config
from newsdedup.data import Document, Fingerprint
from newsdedup.errors import ConfigError, EngineError, NewsDedupError
from newsdedup.io.read_blocks import Block, CheckedBlock, Slim
from newsdedup.runtime import Mapper
from newsdedup.stages.boilerplate import Boilerplate, SurveyChunk, survey_chunk
from newsdedup.stages.fingerprint import FingerprintChunk, fingerprint_chunk, noting, slim

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_In = TypeVar("_In")
_Out = TypeVar("_Out")
_Context = TypeVar("_Context")

CHUNK = 256
"""Documents per chunk, as the local engine's."""
BATCH = 64
"""Chunks per Spark job: enough to keep every executor busy, few enough to stream."""

_INSTALL = (
    "the Spark engine needs PySpark and a Java runtime: pip install 'newsdedup[spark]', "
    "and a JDK 17 or 21 (on Debian or Ubuntu: apt-get install default-jre-headless)"
)


def session(master: str | None = None, app: str = "newsdedup") -> SparkSession:
    """The active Spark session, or a new one on ``master`` (default ``local[*]``).

    Raises:
        ConfigError: PySpark is not installed, or Java cannot be started.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(_INSTALL) from None
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    builder = SparkSession.builder.appName(app).master(master or "local[*]")
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    if "SPARK_CONF_DIR" not in os.environ:  # else the cluster's own logging stays
        log = resources.files("newsdedup.backends").joinpath("spark-log4j2.properties")
        options = f"-Dlog4j2.configurationFile={log}"
        builder = builder.config("spark.driver.extraJavaOptions", options)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Py4J raises plain exceptions when Java is missing
        raise ConfigError(f"{_INSTALL} ({str(exc).strip().splitlines()[0]})") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkEngine:
    """The Spark :class:`~newsdedup.backends.Engine`.

    Args:
        spark: The session to run on; default :func:`session` of ``master``.
        master: The Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``),
            when no session is given.
        threads: Threads the driver's global steps may use.
        batch: Chunks per Spark job.
    """

    def __init__(
        self,
        spark: SparkSession | None = None,
        *,
        master: str | None = None,
        threads: int = 1,
        batch: int = BATCH,
    ) -> None:
        self.spark = spark or session(master)
        self.threads = max(threads, 1)
        self.batch = max(batch, 1)

    @property
    def reads_blocks(self) -> bool:
        """Whether the executors can open the driver's input files: on a local master."""
        return str(self.spark.sparkContext.master).startswith("local")

    def survey(self, docs: Any, config: Config) -> Iterator[SurveyChunk]:
        """The lines of every chunk of ``docs``, keyed on the executors, in input order."""
        if isinstance(docs, BlockInput):
            return self._blocks(survey_chunk, docs, config, None)
        return self.map_chunks(_survey_task, config, _chunks(docs), per_task=4)

    def fingerprints(
        self,
        docs: Any,
        config: Config,
        *,
        furniture: Boilerplate,
        seen: MutableMapping[int, tuple[str, str]] | None = None,
    ) -> Iterator[Fingerprint]:
        """Every document's fingerprint, made on the executors, in input order.

        Their arrays are spilled on the driver as the local engine's are
        (:func:`newsdedup.backends.spill.spilled_fingerprints`): in the page cache, not
        the heap.
        """
        if isinstance(docs, BlockInput):
            parts = self._blocks(fingerprint_chunk, docs, config, furniture)
        else:
            chunks = _chunks(docs)
            parts = self.map_chunks(_fingerprint_task, (config, furniture), chunks, per_task=4)
        yield from spilled_fingerprints(noting(parts, seen))

    def _blocks(
        self,
        job: Callable[[Sequence[Slim], Config, Boilerplate | None], _Out],
        source: BlockInput,
        config: Config,
        furniture: Boilerplate | None,
    ) -> Iterator[_Out]:
        """``job`` of every chunk of plain JSONL inputs that the executors read themselves.

        Each executor reads its block of a file (a byte range), parses and checks the
        records and runs ``job``; the driver settles ids and skips in input order
        (:func:`newsdedup.backends.blocks.settled`), so no text goes through the driver.
        """
        context, blocks = (job, config, furniture), cutting(source)
        # A block's fingerprints are about 5 MB: two blocks a core in a job.
        per_job = 2 * max(self.spark.sparkContext.defaultParallelism, 1)
        done = self.map_chunks(_block_task, context, blocks, batch=per_job)
        return settled(job, CHUNK, config, furniture, source.settle, done)

    def mapper(self) -> Mapper:
        """A :class:`~newsdedup.runtime.Mapper` whose tasks run on the executors."""

        def run(
            task: Callable[[_Context, _In], _Out],
            context: _Context,
            items: Iterable[_In],
            count: int,
        ) -> Iterator[_Out]:
            return self.map_chunks(task, context, items, per_task=16)

        return run

    def map_chunks(
        self,
        task: Callable[[_Context, _In], _Out],
        context: _Context,
        items: Iterable[_In],
        per_task: int = 1,
        batch: int | None = None,
    ) -> Iterator[_Out]:
        """``task(context, item)`` of every item on the executors; results in input order.

        The context goes to each executor once (a broadcast variable); the items in
        batches of ``batch`` (default :attr:`batch`), ``per_task`` items a Spark task. A
        job's results pass through the driver's JVM whole, so a batch of large items
        (blocks of a file) must be small. PySpark 3.5 pays about
        0.1 s a task before it starts (it clears Python's import caches, re-reading its
        zip archives): small items (chunks of pairs) go several to a task, large ones
        (blocks of a file) one each, so that no task's result grows past what the JVM
        holds. The next batch is gathered (documents read, pairs' texts fetched) while
        the executors work on this one.

        Raises:
            EngineError: A Spark job failed (an executor ran out of memory, say).
        """
        sc = self.spark.sparkContext
        shared = sc.broadcast(context)
        run = _on_executor(task, shared)

        def collected(batch: list[_In]) -> list[_Out]:
            slices = -(-len(batch) // max(per_task, 1))
            return sc.parallelize(batch, slices).mapPartitions(run).collect()

        try:
            with ThreadPoolExecutor(1, thread_name_prefix="spark-job") as jobs:
                pending = iter(items)
                running: Future[list[_Out]] | None = None
                while part := list(islice(pending, batch or self.batch)):
                    submitted = jobs.submit(collected, part)
                    if running is not None:
                        yield from running.result()
                    running = submitted
                if running is not None:
                    yield from running.result()
        except Exception as exc:
            if isinstance(exc, NewsDedupError) or not _from_spark(exc):
                raise
            raise EngineError(
                "a Spark job failed (Spark's log above says why; an executor out of memory "
                "needs a larger spark.executor.memory, or spark.driver.memory on a local "
                f"master): {_first_line(exc)}"
            ) from None
        finally:
            with suppress(Exception):  # nothing to free once the JVM is gone
                shared.unpersist()


def _from_spark(exc: BaseException) -> bool:
    """Whether ``exc`` comes from PySpark or Py4J (a failed job, a lost JVM)."""
    return type(exc).__module__.split(".")[0] in {"py4j", "pyspark"} or isinstance(
        exc, ConnectionError
    )


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except Exception:  # Py4J's errors may fail to print once the JVM is gone
        text = ""
    return (text.splitlines() or [type(exc).__name__])[0][:300]


def _on_executor(
    task: Callable[[_Context, _In], _Out], shared: Any
) -> Callable[[Iterable[_In]], Iterable[_Out]]:
    def run(items: Iterable[_In]) -> Iterable[_Out]:
        context = shared.value
        for item in items:
            yield task(context, item)

    return run


def _chunks(docs: Iterable[Document]) -> Iterator[list[tuple[Any, ...]]]:
    rows = slim(docs)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _block_task(
    context: tuple[Callable[..., _Out], Config, Boilerplate | None], block: Block
) -> tuple[CheckedBlock, list[_Out]]:
    job, config, furniture = context
    return block_job(job, CHUNK, config, furniture, block)


def _survey_task(config: Config, chunk: Sequence[tuple[Any, ...]]) -> SurveyChunk:
    return survey_chunk(chunk, config)


def _fingerprint_task(
    context: tuple[Config, Boilerplate], chunk: Sequence[tuple[Any, ...]]
) -> FingerprintChunk:
    config, furniture = context
    return fingerprint_chunk(chunk, config, furniture)
