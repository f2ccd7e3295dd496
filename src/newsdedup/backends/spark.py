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
  (for the story decision and for the evidence); and, over the fingerprint chunks they
  keep (persisted on their disks, until :meth:`SparkEngine.release`), the candidates:
  LSH buckets (band keys shuffled by key, capped buckets chained as locally), lead
  keys, the n-grams' document frequencies (counts shuffled by n-gram), the rare-n-gram
  join in the date window (weighed n-grams sent to the date blocks they take part in, a
  block's product on one executor), verification (each range of candidate pairs where
  the documents it names are sent) and how rare each aligned passage is (the passages'
  shingles tallied where the chunks are): only pairs, matches and counts come back;
- on the driver: exact groups, the story decision and the clusters, over the
  fingerprints (no texts; their arrays also come back, spilled to a file, for the
  fallbacks: fingerprints this engine did not make, a corpus mostly undated).

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
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from newsdedup.backends import Rows
from newsdedup.backends.blocks import BlockInput, block_job, cutting, settled
from newsdedup.backends.spill import spilled_fingerprints
from newsdedup.config import Config, RewriteConfig, VerifyConfig
from newsdedup.data import Document, Fingerprint
from newsdedup.errors import ConfigError, EngineError, NewsDedupError
from newsdedup.io.read_blocks import Block, CheckedBlock, Slim
from newsdedup.kernels.counting import KeyCounts, indexed
from newsdedup.runtime import Mapper
from newsdedup.stages.align import ShingleRarity, shingle_rarity
from newsdedup.stages.boilerplate import Boilerplate, SurveyChunk, survey_chunk
from newsdedup.stages.fingerprint import FingerprintChunk, fingerprint_chunk, noting, slim
from newsdedup.stages.leads import MAX_BUCKET as LEAD_CAP
from newsdedup.stages.leads import entry_pairs as lead_entry_pairs
from newsdedup.stages.leads import lead_entries, lead_pairs
from newsdedup.stages.lsh import (
    Banded,
    Banding,
    band_entries,
    banded_fingerprints,
    check_banding,
    entry_pairs,
)
from newsdedup.stages.rewrite import (
    DatePlan,
    LazyWeights,
    Rarity,
    candidates,
    date_plan,
    ordered,
    rarity,
    span_pairs,
    weighed,
)
from newsdedup.stages.verify import Pending, Rewrites, Verified, verify

if TYPE_CHECKING:
    from pyspark import RDD
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
        self._held: _Held | None = None

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

        The executors keep the chunks they made (persisted, ``DISK_ONLY``) for the
        global steps that run there (:meth:`lsh`, :meth:`leads`) until :meth:`release`.
        Their arrays also come to the driver, spilled as the local engine's are
        (:func:`newsdedup.backends.spill.spilled_fingerprints`): in the page cache, not
        the heap, for the steps that still run on the driver.
        """
        self.release()
        held = self._held = _Held(blocks=isinstance(docs, BlockInput))
        parts: Iterator[Any]
        if isinstance(docs, BlockInput):
            parts = self._blocks(fingerprint_chunk, docs, config, furniture, held)
        else:
            context, chunks = (config, furniture), _chunks(docs)
            kept = self._kept(_fingerprint_task, context, chunks, per_task=4, held=held)
            parts = (_Tagged((s, 0), part) for s, part in kept)
        yield from spilled_fingerprints(noting(held.numbered(parts), seen))
        held.done = True

    def _blocks(
        self,
        job: Callable[[Sequence[Slim], Config, Boilerplate | None], _Out],
        source: BlockInput,
        config: Config,
        furniture: Boilerplate | None,
        held: _Held | None = None,
    ) -> Iterator[_Out]:
        """``job`` of every chunk of plain JSONL inputs that the executors read themselves.

        Each executor reads its block of a file (a byte range), parses and checks the
        records and runs ``job``; the driver settles ids and skips in input order
        (:func:`newsdedup.backends.blocks.settled`), so no text goes through the driver.
        With ``held``, the executors keep the chunks (see :meth:`fingerprints`), which
        come out tagged; a block the driver settled otherwise and ran again gives plain
        chunks, made on the driver.
        """
        context, blocks = (job, config, furniture), cutting(source)
        # A block's fingerprints are about 5 MB: two blocks a core in a job.
        per_job = 2 * max(self.spark.sparkContext.defaultParallelism, 1)
        done: Iterator[Any]
        if held is None:
            done = self.map_chunks(_block_task, context, blocks, batch=per_job)
        else:
            kept = self._kept(_block_task, context, blocks, batch=per_job, held=held)
            done = (
                (checked, [_Tagged((s, q), part) for q, part in enumerate(parts)])  # type: ignore[arg-type]
                for s, (checked, parts) in kept
            )
        return settled(job, CHUNK, config, furniture, source.settle, done)

    def lsh(
        self,
        fingerprints: Sequence[Fingerprint],
        banding: Banding,
        config: Config,
        *,
        rows: Rows | None = None,
    ) -> Banded:
        """The LSH pairs of ``fingerprints``, their buckets gathered on the executors.

        Each executor cuts the signatures of its chunks into band keys
        (:func:`newsdedup.stages.lsh.band_entries`); a shuffle brings every bucket to one
        place, where its pairs are made by the local rule
        (:func:`newsdedup.stages.lsh.entry_pairs`: capped buckets chained); only the
        pairs come back. Without the chunks of ``rows`` (fingerprints this engine did not
        make), on the driver as the local engine does.
        """
        held = self._held_for(rows)
        if held is None or rows is None:
            lsh, minhash = config.lsh, config.minhash
            return banded_fingerprints(fingerprints, banding, lsh, minhash, threads=self.threads)
        check_banding(banding, config.minhash.num_perm)
        # The n-grams' frequencies come in the same pass when rewrites will ask for them.
        grams = config.rewrite.enabled and config.decide.level != "copies"
        pairs, capped = self._keyed(held, rows, banding, config.lsh.max_bucket, grams=grams)
        bare = sum(len(fp.shingles) == 0 for fp in fingerprints)  # a length: no page read
        return Banded(pairs, capped, bare)

    def leads(self, fingerprints: Sequence[Fingerprint], *, rows: Rows | None = None) -> np.ndarray:
        """The lead-key pairs of ``fingerprints``, their keys gathered on the executors.

        As :meth:`lsh`, which gathers them in the same pass over the chunks when it ran
        on the same ``rows``: keys of a chunk (:func:`newsdedup.stages.leads.lead_entries`)
        shuffled by key, pairs made where a key's documents meet
        (:func:`newsdedup.stages.leads.entry_pairs`).
        """
        held = self._held_for(rows)
        if held is None or rows is None:
            return lead_pairs([fp.leads for fp in fingerprints])
        if held.leads is None or held.leads[0] is not rows:
            self._keyed(held, rows, None, 0)  # keeps them in held.leads
        return held.leads[1] if held.leads is not None else np.zeros((0, 2), dtype=np.int64)

    def _keyed(
        self,
        held: _Held,
        rows: Rows,
        banding: Banding | None,
        max_bucket: int,
        *,
        grams: bool = False,
    ) -> tuple[np.ndarray, int]:
        """Band pairs (with ``banding``) and buckets chained, lead pairs and n-grams, in one pass.

        Band keys go to the first ``parts`` partitions of the shuffle, lead keys to the
        next ``parts``, and with ``grams`` the n-grams' counts to the rest, so a partition
        holds one kind. The lead pairs and the n-grams' frequencies (:meth:`rarity`) are
        kept in ``held`` for ``rows``.
        """
        sc = self.spark.sparkContext
        placed, where = self._placed(held), sc.broadcast(_row_of(rows))
        bands = banding.bands if banding is not None else 0
        parts = self._parts(len(rows.positions) * max(bands, 1))
        gram_parts = self._parts(len(rows.positions) * _GRAMS) if grams else 0
        try:
            with _failed_jobs():
                found = (
                    placed.flatMap(_Entries(where, banding, parts, gram_parts))
                    .partitionBy(2 * parts + gram_parts, _identity)
                    .mapPartitionsWithIndex(_KeyedPairs(parts, max_bucket, LEAD_CAP))
                    .collect()
                )
        finally:
            where.unpersist()
        band = _unique_pairs([pairs for kind, pairs, _ in found if kind == "band"])
        held.leads = (rows, _unique_pairs([pairs for kind, pairs, _ in found if kind == "lead"]))
        if grams:
            counted = [(keys, counts) for kind, keys, counts in found if kind == "grams"]
            held.rarity = (rows, _rarity(counted, len(rows.positions)))
        return band, sum(capped for kind, _, capped in found if kind == "band")

    def rare_pairs(
        self,
        fingerprints: Sequence[Fingerprint],
        rare: Rarity,
        cfg: RewriteConfig,
        times: np.ndarray,
        *,
        rows: Rows | None = None,
    ) -> np.ndarray:
        """The rare-n-gram candidates of ``fingerprints``, joined on the executors.

        The driver plans the join as the local engine does
        (:func:`newsdedup.stages.rewrite.date_plan`: documents in date order, a block of
        them against those dated within the window, and the undated); each executor
        weighs the n-grams of its chunks (:func:`newsdedup.stages.rewrite.weighed`, with
        the document frequencies ``rare`` sent to it) and sends each weighed n-gram to
        the groups of blocks it takes part in (:func:`_span_groups`: consecutive blocks
        whose windows overlap, so that a document goes to two or three groups however
        many blocks its window holds); each block's product is made where its group's
        n-grams meet (:func:`newsdedup.stages.rewrite.span_pairs`), one block after the
        other. Only the pairs come back.

        On the driver instead, as the local engine does, without the chunks of ``rows``,
        or when the plan would send each n-gram to many groups (a corpus mostly undated:
        every block meets every undated document).
        """
        held = self._held_for(rows)
        plan = date_plan(times, rare, cfg) if held is not None else None
        groups = _span_groups(plan) if plan is not None else []
        if held is None or rows is None or plan is None or _spread_out(plan, groups):
            grams = [fp.grams if fp.grams is not None else _EMPTY for fp in fingerprints]
            return candidates(grams, rare, cfg, times, threads=self.threads)
        sc = self.spark.sparkContext
        place = np.full(rows.made, -1, dtype=np.int64)
        place[rows.positions[plan.order]] = np.arange(len(rows.positions), dtype=np.int64)
        shared = sc.broadcast((plan, rare, place, groups))
        parts = len(groups)
        try:
            with _failed_jobs():
                found = (
                    self._placed(held)
                    .flatMap(_Weighed(shared))
                    .partitionBy(parts, _identity)
                    .mapPartitions(_SpanPairs(shared, cfg))
                    .collect()
                )
        finally:
            shared.unpersist()
        return ordered(found)

    def rarity(self, fingerprints: Sequence[Fingerprint], *, rows: Rows | None = None) -> Rarity:
        """The n-grams' document frequencies, counted on the executors.

        Each executor counts the n-grams of its chunks' documents (each document's are
        distinct: a count is a document frequency); a shuffle brings every n-gram's counts
        to one place, where they are summed; the table comes back, the same as
        :func:`newsdedup.stages.rewrite.rarity` counts on the driver (as it does here
        without the chunks of ``rows``). The driver never reads an n-gram.
        """
        held = self._held_for(rows)
        if held is None or rows is None:
            return rarity([fp.grams if fp.grams is not None else _EMPTY for fp in fingerprints])
        if held.rarity is not None and held.rarity[0] is rows:  # counted with the LSH keys
            return held.rarity[1]
        sc = self.spark.sparkContext
        where = sc.broadcast(_row_of(rows))
        parts = self._parts(len(rows.positions) * _GRAMS)
        try:
            with _failed_jobs():
                found = (
                    self._placed(held)
                    .flatMap(_GramCounts(where, parts))
                    .partitionBy(parts, _identity)
                    .mapPartitions(_summed)
                    .collect()
                )
        finally:
            where.unpersist()
        return _rarity(found, len(rows.positions))

    def verify(
        self,
        pairs: np.ndarray,
        fingerprints: Sequence[Fingerprint],
        cfg: VerifyConfig,
        *,
        rewrites: Rewrites | None = None,
        rare: Rarity | None = None,
        rows: Rows | None = None,
    ) -> Verified:
        """Every candidate pair verified on the executors; only what is found comes back.

        The pairs are cut into ranges, one a partition (pairs come sorted by their first
        document, so most documents fall in one range); each executor sends every
        document of its chunks to the ranges whose pairs name it; where a range's
        documents meet, its pairs are verified by the same function as on the driver
        (:func:`newsdedup.stages.verify.verify`, the n-grams weighed by ``rare``, sent
        out). The matches and pending story pairs come back in the pairs' order. On the
        driver instead without the chunks of ``rows``, or without ``rare`` when
        ``rewrites`` need it.
        """
        held = self._held_for(rows)
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if held is None or rows is None or (rewrites is not None and rare is None):
            return verify(pairs, fingerprints, cfg, rewrites=rewrites)
        if not len(pairs):
            return Verified([], [])
        sc = self.spark.sparkContext
        parts = max(2 * max(sc.defaultParallelism, 1), -(-len(pairs) // 50_000))
        plan = _VerifyPlan.of(rows.positions[pairs], parts)
        settings = replace(rewrites, weights=()) if rewrites is not None else None
        shared = sc.broadcast((plan, cfg, settings, rare))
        try:
            with _failed_jobs():
                found = (
                    self._placed(held)
                    .flatMap(_PairDocuments(shared))
                    .partitionBy(parts, _identity)
                    .mapPartitionsWithIndex(_PairsVerified(shared))
                    .collect()
                )
        finally:
            shared.unpersist()
        return _in_pair_order(found, rows)

    def shingle_rarity(
        self, fingerprints: Sequence[Fingerprint], keys: np.ndarray, *, rows: Rows | None = None
    ) -> ShingleRarity:
        """How many documents hold each shingle of ``keys``, counted on the executors.

        Each executor tallies the shingles of its chunks' documents in a table of
        ``keys`` (sent out), each distinct text once (the first document of each digest,
        as :func:`newsdedup.stages.align.shingle_rarity`); the tallies are summed by
        slices of the table, and only the sums come back. On the driver instead without
        the chunks of ``rows``.

        The driver keeps the keys sorted, with their counts, and no hash index: a
        passage's shingles are found by binary search (the same counts), and the table
        takes 12 bytes a shingle instead of about 36 (at 250k articles, 190 MB of the
        driver's peak).
        """
        held = self._held_for(rows)
        if held is None or rows is None:
            return shingle_rarity(fingerprints, keys, threads=self.threads)
        sc = self.spark.sparkContext
        ordered = np.sort(np.asarray(keys, dtype=np.uint32))
        distinct = ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered
        del ordered
        counted = np.zeros(rows.made, dtype=bool)
        counted[rows.positions[_first_texts(fingerprints)]] = True
        slices = max(1, -(-distinct.size // 2_000_000))
        shared = sc.broadcast((distinct, counted))
        try:
            with _failed_jobs():
                found = (
                    self._placed(held)
                    .mapPartitions(_Tallied(shared, slices))
                    .reduceByKey(np.add, slices, _identity)
                    .collect()
                )
        finally:
            shared.unpersist()
        tally = np.concatenate([np.zeros(0, dtype=np.int64), *(t for _, t in sorted(found))])
        if tally.size != distinct.size:  # no chunk held: nothing counted
            tally = np.zeros(distinct.size, dtype=np.int64)
        return ShingleRarity(KeyCounts(distinct, tally, np.zeros(0, dtype=np.uint64)))

    def release(self) -> None:
        """Let go of the chunks the executors keep of the last fingerprint pass."""
        held, self._held = self._held, None
        if held is None:
            return
        with suppress(Exception):  # nothing to free once the JVM is gone
            for rdd in held.rdds:
                rdd.unpersist()
            for shared in held.shared:
                shared.unpersist()

    def _held_for(self, rows: Rows | None) -> _Held | None:
        """The chunks of the pass ``rows`` point into, if this engine holds them."""
        held = self._held
        if rows is None or held is None or not held.done or held.count != rows.made:
            return None
        return held

    def _placed(self, held: _Held) -> RDD[tuple[int, FingerprintChunk]]:
        """Every chunk the executors keep, with its first document's place in the pass."""
        if held.placed is None:
            sc = self.spark.sparkContext
            start = sc.broadcast(held.start)
            held.shared.append(start)
            placed = sc.union(held.rdds).flatMap(_Placed(held.blocks, start))
            if held.made:
                placed = placed.union(sc.parallelize(held.made, max(len(held.made) // 4, 1)))
            # A task a few jobs' results, not one a job's item: a task costs about 0.1 s
            # before it starts (see map_chunks).
            cores = max(sc.defaultParallelism, 1)
            held.placed = placed.coalesce(max(2 * cores, placed.getNumPartitions() // 16))
        return held.placed

    def _parts(self, entries: int) -> int:
        """Partitions for a shuffle of ``entries`` keys: each core's twice, ~2M keys each."""
        cores = max(self.spark.sparkContext.defaultParallelism, 1)
        return max(2 * cores, -(-entries // 2_000_000))

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

        def collected(batch: list[_In], base: int) -> list[_Out]:
            slices = -(-len(batch) // max(per_task, 1))
            return sc.parallelize(batch, slices).mapPartitions(run).collect()

        try:
            yield from self._jobs(items, batch or self.batch, collected)
        finally:
            with suppress(Exception):  # nothing to free once the JVM is gone
                shared.unpersist()

    def _kept(
        self,
        task: Callable[[_Context, _In], _Out],
        context: _Context,
        items: Iterable[_In],
        *,
        held: _Held,
        per_task: int = 1,
        batch: int | None = None,
    ) -> Iterator[tuple[int, _Out]]:
        """:meth:`map_chunks` whose results the executors also keep, in ``held``.

        Each result comes with its item's number (from 0, in input order), which tags it
        where it is kept.
        """
        from pyspark import StorageLevel

        sc = self.spark.sparkContext
        shared = sc.broadcast(context)
        held.shared.append(shared)  # kept results are made again from it if lost
        run = _on_executor(_numbered(task), shared)

        def collected(batch: list[_In], base: int) -> list[tuple[int, _Out]]:
            slices = -(-len(batch) // max(per_task, 1))
            numbered = sc.parallelize(list(enumerate(batch, start=base)), slices)
            # On disk: on a local master the executors' memory is the driver JVM's heap
            # (1 GB by default), which the collected results pass through; chunks cached
            # there too filled it (a 100k run stalled in garbage collection).
            kept = numbered.mapPartitions(run).persist(StorageLevel.DISK_ONLY)
            held.rdds.append(kept)
            return kept.collect()

        return self._jobs(items, batch or self.batch, collected)

    def _jobs(
        self,
        items: Iterable[_In],
        size: int,
        collected: Callable[[list[_In], int], list[_Out]],
    ) -> Iterator[_Out]:
        """``collected`` of every batch of ``size`` items (and its first item's number).

        The next batch is gathered while the executors work on this one.

        Raises:
            EngineError: A Spark job failed.
        """
        with _failed_jobs(), ThreadPoolExecutor(1, thread_name_prefix="spark-job") as jobs:
            pending = iter(items)
            running: Future[list[_Out]] | None = None
            base = 0
            while part := list(islice(pending, size)):
                submitted = jobs.submit(collected, part, base)
                base += len(part)
                if running is not None:
                    yield from running.result()
                running = submitted
            if running is not None:
                yield from running.result()


@dataclass(frozen=True, slots=True)
class _Tagged:
    """A chunk the executors keep, with its tag there: (item number, chunk of the item)."""

    tag: tuple[int, int]
    chunk: FingerprintChunk


@dataclass
class _Held:
    """The fingerprint chunks of a pass that the executors keep, and where each belongs.

    Attributes:
        blocks: Whether the kept results are blocks' (a checked block and its chunks).
        rdds: The persisted results, one RDD a Spark job.
        shared: Broadcast variables to let go of with them.
        start: Each kept chunk's first document's place in the pass, by tag; a chunk
            missing here was replaced by one the driver made.
        made: Chunks made on the driver (blocks it settled otherwise), at their place.
        count: Documents in the pass so far.
        done: Whether the pass is over.
        placed: The chunks with their places, once a global step asked for them.
        leads: The lead pairs :meth:`SparkEngine.lsh` gathered, and for which rows.
        rarity: The n-grams' frequencies :meth:`SparkEngine.lsh` counted, and for which rows.
    """

    blocks: bool
    rdds: list[Any] = field(default_factory=list)
    shared: list[Any] = field(default_factory=list)
    start: dict[tuple[int, int], int] = field(default_factory=dict)
    made: list[tuple[int, FingerprintChunk]] = field(default_factory=list)
    count: int = 0
    done: bool = False
    placed: Any = None
    leads: tuple[Rows, np.ndarray] | None = None
    rarity: tuple[Rows, Rarity] | None = None

    def numbered(self, parts: Iterable[_Tagged | FingerprintChunk]) -> Iterator[FingerprintChunk]:
        """The chunks of ``parts`` in order, each one's place noted."""
        for part in parts:
            if isinstance(part, _Tagged):
                self.start[part.tag] = self.count
                chunk = part.chunk
            else:
                self.made.append((self.count, part))
                chunk = part
            self.count += len(chunk.ids)
            yield chunk


@contextmanager
def _failed_jobs() -> Iterator[None]:
    """Raise a failed Spark job as an :class:`EngineError` that says what to do.

    Errors of newsdedup's own, and errors that do not come from Spark, pass unchanged.
    """
    try:
        yield
    except Exception as exc:
        if isinstance(exc, NewsDedupError) or not _from_spark(exc):
            raise
        raise EngineError(
            "a Spark job failed (Spark's log above says why; an executor out of memory "
            "needs a larger spark.executor.memory, or spark.driver.memory on a local "
            f"master): {_first_line(exc)}"
        ) from None


def _row_of(rows: Rows) -> np.ndarray:
    """Each document of the pass's row in a global step, or -1 when it is not in it."""
    row_of = np.full(rows.made, -1, dtype=np.int64)
    row_of[rows.positions] = np.arange(len(rows.positions), dtype=np.int64)
    return row_of


def _unique_pairs(found: Iterable[np.ndarray]) -> np.ndarray:
    """Pairs from many places as one ``(m, 2)`` array, sorted and unique, as locally."""
    pairs = np.concatenate([np.zeros((0, 2), dtype=np.int64), *found])
    return np.unique(pairs, axis=0) if pairs.size else pairs


def _identity(key: int) -> int:
    return key


def _spread(parts: int, keys: np.ndarray, *columns: np.ndarray) -> Iterator[tuple[int, Any]]:
    """The entries (``columns``) by the partition their key goes to: ``key % parts``."""
    if not keys.size:
        return
    dest = (keys % np.uint64(parts)).astype(np.int64)
    order = np.argsort(dest, kind="stable")
    dest = dest[order]
    cuts = np.flatnonzero(np.r_[True, dest[1:] != dest[:-1]]).tolist()
    for lo, hi in zip(cuts, [*cuts[1:], dest.size], strict=True):
        yield int(dest[lo]), tuple(column[order[lo:hi]] for column in columns)


class _Placed:
    """A kept job result's chunks with their first document's place (dropped if replaced)."""

    def __init__(self, blocks: bool, start: Any) -> None:
        self.blocks, self.start = blocks, start

    def __call__(self, item: tuple[int, Any]) -> Iterator[tuple[int, FingerprintChunk]]:
        number, result = item
        chunks = result[1] if self.blocks else [result]
        for q, chunk in enumerate(chunks):
            first = self.start.value.get((number, q))
            if first is not None:
                yield first, chunk


class _Entries:
    """A placed chunk's lead keys and, with ``banding``, band keys, spread to partitions.

    Band keys go to partitions ``0:parts``, lead keys to ``parts:2 * parts``, and with
    ``gram_parts`` the n-grams' counts to the ``gram_parts`` after them.
    """

    def __init__(self, where: Any, banding: Banding | None, parts: int, gram_parts: int) -> None:
        self.where, self.banding, self.parts = where, banding, parts
        self.gram_parts = gram_parts

    def __call__(self, item: tuple[int, FingerprintChunk]) -> Iterator[tuple[int, Any]]:
        first, chunk = item
        at = self.where.value[first : first + len(chunk.ids)]
        taken = np.flatnonzero(at >= 0)
        keys, owners = lead_entries([chunk.leads[i] for i in taken.tolist()], at[taken])
        for part, columns in _spread(self.parts, keys, keys, owners):
            yield self.parts + part, columns
        if self.banding is not None:
            # A document without a shingle stays out of LSH (as in banded_fingerprints).
            keep = (at >= 0) & (np.diff(np.asarray(chunk.bounds)) > 0)
            bands, keys, owners = band_entries(chunk.signatures[keep], at[keep], self.banding)
            yield from _spread(self.parts, keys, bands, keys, owners)
        if self.gram_parts:
            keys, counts = _gram_counts(chunk, at)
            for part, columns in _spread(self.gram_parts, keys, keys, counts):
                yield 2 * self.parts + part, columns


_SPREAD = 6
"""The rare-n-gram join goes to the executors while each document takes part in at most
this many groups of blocks, on average (a dated corpus: two or three)."""
_GROUP_LEAST = 1 << 15
"""Places a group of blocks may cover at least, whatever the window."""
_EMPTY = np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class _SpanGroup:
    """Consecutive blocks of a date plan whose products are made in one partition.

    Attributes:
        spans: The blocks' numbers in ``plan.spans``.
        ranges: The places they cover, as sorted disjoint ``(start, stop)`` ranges.
    """

    spans: list[int]
    ranges: list[tuple[int, int]]

    @property
    def size(self) -> int:
        """How many places the group covers."""
        return sum(stop - start for start, stop in self.ranges)


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges joined where they overlap or touch, sorted; empty ones dropped."""
    out: list[tuple[int, int]] = []
    for start, stop in sorted(r for r in ranges if r[1] > r[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], stop))
        else:
            out.append((start, stop))
    return out


def _span_groups(plan: DatePlan) -> list[_SpanGroup]:
    """The plan's blocks in groups of consecutive ones covering at most twice the widest.

    A block of a dated corpus covers its own places and those dated within the window
    after them (and the undated): the next block's overlap it mostly, so a group of
    blocks holds each document about once or twice, where the blocks one by one would
    hold it once for every block its window reaches (40 times at a million articles in
    36 days with a 3-day window).
    """
    covered = [_merged([(a, b), (lo, hi)]) for a, b, lo, hi in plan.spans]
    widest = max((sum(b - a for a, b in r) for r in covered), default=0)
    cap = max(2 * widest, _GROUP_LEAST)
    groups: list[_SpanGroup] = []
    spans: list[int] = []
    ranges: list[tuple[int, int]] = []
    for k, own in enumerate(covered):
        grown = _merged([*ranges, *own])
        if spans and sum(b - a for a, b in grown) > cap:
            groups.append(_SpanGroup(spans, ranges))
            spans, grown = [], own
        spans, ranges = [*spans, k], grown
    if spans:
        groups.append(_SpanGroup(spans, ranges))
    return groups


def _spread_out(plan: DatePlan, groups: Sequence[_SpanGroup]) -> bool:
    """Whether the groups would hold each document many times (mostly undated)."""
    return sum(g.size for g in groups) > _SPREAD * max(plan.order.size, 1)


def _among(ordered: np.ndarray, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """Where sorted ``ordered`` lies in any of the sorted, disjoint ``ranges``."""
    cuts = np.searchsorted(ordered, np.asarray(ranges, dtype=np.int64).reshape(-1, 2))
    return np.concatenate([np.zeros(0, dtype=np.int64), *(np.arange(a, b) for a, b in cuts)])


class _Weighed:
    """A placed chunk's weighed n-grams, sent to every group of blocks they take part in."""

    def __init__(self, shared: Any) -> None:
        self.shared = shared

    def __call__(self, item: tuple[int, FingerprintChunk]) -> Iterator[tuple[int, Any]]:
        plan, rare, place_of, groups = self.shared.value
        first, chunk = item
        at = place_of[first : first + len(chunk.ids)]
        taken = np.flatnonzero(at >= 0)
        if not taken.size:
            return
        sets = chunk.gram_sets
        grams = [g if (g := sets[i]) is not None else _EMPTY for i in taken.tolist()]
        sums, owner, column, weight = weighed(grams, rare, plan)
        place = at[taken]
        entry = place[owner]
        by_entry, by_doc = np.argsort(entry, kind="stable"), np.argsort(place, kind="stable")
        entry, column, weight = entry[by_entry], column[by_entry], weight[by_entry]
        place, sums = place[by_doc], sums[by_doc]
        for number, group in enumerate(groups):
            picked = _among(entry, group.ranges)
            if picked.size:
                docs = _among(place, group.ranges)
                yield (
                    number,
                    (entry[picked], column[picked], weight[picked], place[docs], sums[docs]),
                )


def _within(ordered: np.ndarray, start: int, stop: int, lo: int, hi: int) -> np.ndarray:
    """Where sorted ``ordered`` lies in ``start:stop`` or ``lo:hi`` (each once)."""
    a, b, c, d = np.searchsorted(ordered, [start, stop, lo, hi])
    if c < b and a < d:  # the ranges overlap: one range
        return np.arange(min(a, c), max(b, d))
    return np.r_[np.arange(a, b), np.arange(c, d)]


class _SpanPairs:
    """The candidates of the groups of blocks of one partition, a product a block."""

    def __init__(self, shared: Any, cfg: RewriteConfig) -> None:
        self.shared, self.cfg = shared, cfg

    def __call__(self, items: Iterable[tuple[int, Any]]) -> Iterator[np.ndarray]:
        plan, groups = self.shared.value[0], self.shared.value[3]
        by_group: dict[int, list[Any]] = {}
        for number, columns in items:
            by_group.setdefault(number, []).append(columns)
        totals = np.zeros(plan.order.size, dtype=np.float64)
        for number, held in sorted(by_group.items()):
            entry, column, weight, place, sums = (
                np.concatenate([part[k] for part in held]) for k in range(5)
            )
            del held
            by_entry = np.argsort(entry, kind="stable")
            entry, column, weight = entry[by_entry], column[by_entry], weight[by_entry]
            totals[place] = sums
            for span in groups[number].spans:
                picked = _within(entry, *plan.spans[span])
                entries = (entry[picked], column[picked], weight[picked])
                yield span_pairs(plan, plan.spans[span], self.cfg, entries, totals)
            totals[place] = 0.0


def _joined(items: Iterable[tuple[int, tuple[np.ndarray, ...]]]) -> list[np.ndarray] | None:
    """A partition's entries, column by column, or ``None`` when it has none."""
    held = [columns for _, columns in items]
    if not held:
        return None
    return [np.concatenate([columns[k] for columns in held]) for k in range(len(held[0]))]


class _KeyedPairs:
    """One partition's pairs of band buckets or lead keys, or its n-grams' counts summed."""

    def __init__(self, parts: int, max_bucket: int, cap: int) -> None:
        self.parts, self.max_bucket, self.cap = parts, max_bucket, cap

    def __call__(self, index: int, items: Iterable[Any]) -> Iterator[tuple[str, np.ndarray, Any]]:
        columns = _joined(items)
        if columns is None:
            return
        if index < self.parts:
            bands, keys, rows = columns
            yield "band", *entry_pairs(bands, keys, rows, self.max_bucket)
        elif index < 2 * self.parts:
            keys, rows = columns
            yield "lead", lead_entry_pairs(keys, rows, self.cap), 0
        else:
            yield "grams", *_summed_columns(*columns)


_GRAMS = 64
"""Distinct n-grams a document sends to the count, for sizing its shuffle (~250 sampled,
most of them shared with the chunk's other documents)."""


def _gram_counts(chunk: FingerprintChunk, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many of a chunk's documents in the step (``at >= 0``) hold each n-gram."""
    sets = chunk.gram_sets
    grams = [g for i in np.flatnonzero(at >= 0).tolist() if (g := sets[i]) is not None]
    keys, counts = np.unique(np.concatenate([_EMPTY, *grams]), return_counts=True)
    return keys, counts.astype(np.int64)


class _GramCounts:
    """A placed chunk's n-grams (of the documents in the step) counted, spread to partitions."""

    def __init__(self, where: Any, parts: int) -> None:
        self.where, self.parts = where, parts

    def __call__(self, item: tuple[int, FingerprintChunk]) -> Iterator[tuple[int, Any]]:
        first, chunk = item
        keys, counts = _gram_counts(chunk, self.where.value[first : first + len(chunk.ids)])
        yield from _spread(self.parts, keys, keys, counts)


def _summed(items: Iterable[tuple[int, Any]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A partition's n-gram counts summed by n-gram, sorted."""
    columns = _joined(items)
    if columns is not None:
        yield _summed_columns(*columns)


def _summed_columns(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the same key summed, keys sorted."""
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    cuts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[cuts], np.add.reduceat(counts, cuts)


def _rarity(found: Iterable[tuple[np.ndarray, np.ndarray]], documents: int) -> Rarity:
    """The partitions' summed n-gram counts (each n-gram in one) as one :class:`Rarity`."""
    found = list(found)
    keys = np.concatenate([np.zeros(0, dtype=np.uint32), *(k for k, _ in found)])
    counts = np.concatenate([np.zeros(0, dtype=np.int64), *(c for _, c in found)])
    order = np.argsort(keys, kind="stable")
    return Rarity(replace(indexed(keys[order]), counts=counts[order]), documents)


@dataclass(frozen=True, slots=True)
class _VerifyPlan:
    """Which partition verifies which candidate pairs, and which documents each needs.

    Attributes:
        pairs: The pairs, by their documents' places in the fingerprint pass.
        bounds: Partition ``p`` verifies ``pairs[bounds[p]:bounds[p + 1]]``.
        needed: The places of the documents the partitions need, ascending ...
        parts: ... and the partition each is needed in (a place once a partition).
    """

    pairs: np.ndarray
    bounds: np.ndarray
    needed: np.ndarray
    parts: np.ndarray

    @classmethod
    def of(cls, pairs: np.ndarray, parts: int) -> _VerifyPlan:
        """Pairs (by place) cut into ``parts`` ranges of about as many pairs."""
        bounds = np.linspace(0, len(pairs), parts + 1).round().astype(np.int64)
        part = np.repeat(np.arange(parts, dtype=np.int64), np.diff(bounds))
        entries = np.unique(np.r_[pairs[:, 0] * parts + part, pairs[:, 1] * parts + part])
        return cls(pairs, bounds, entries // parts, entries % parts)


class _PairDocuments:
    """A placed chunk's documents that candidate pairs name, sent to their pairs' partitions."""

    def __init__(self, shared: Any) -> None:
        self.shared = shared

    def __call__(self, item: tuple[int, FingerprintChunk]) -> Iterator[tuple[int, Any]]:
        plan: _VerifyPlan = self.shared.value[0]
        first, chunk = item
        lo, hi = np.searchsorted(plan.needed, [first, first + len(chunk.ids)])
        if lo == hi:
            return
        fingerprints = chunk.fingerprints
        by_part: dict[int, list[tuple[int, Fingerprint]]] = {}
        for place, part in zip(
            plan.needed[lo:hi].tolist(), plan.parts[lo:hi].tolist(), strict=True
        ):
            by_part.setdefault(part, []).append((place, fingerprints[place - first]))
        yield from by_part.items()


class _PairsVerified:
    """The pairs of one partition verified where their documents met.

    Yields the pairs' numbers (in the whole plan) of the matches and of the pending
    pairs, with them (a pending pair's documents by their places in the pass).
    """

    def __init__(self, shared: Any) -> None:
        self.shared = shared

    def __call__(self, index: int, items: Iterable[tuple[int, Any]]) -> Iterator[Any]:
        plan, cfg, settings, rare = self.shared.value
        lo, hi = plan.bounds[index], plan.bounds[index + 1]
        if lo == hi:
            return
        met = dict(fp for _, listed in items for fp in listed)
        places = np.array(sorted(met), dtype=np.int64)
        fingerprints = [met[p] for p in places.tolist()]
        mine = np.searchsorted(places, plan.pairs[lo:hi])
        rewrites = None
        if settings is not None:
            grams = [fp.grams if fp.grams is not None else _EMPTY for fp in fingerprints]
            rewrites = replace(settings, weights=LazyWeights(grams, rare))
        found = verify(mine, fingerprints, cfg, rewrites=rewrites)
        number: dict[tuple[int, int], int] = {}
        for k, (i, j) in enumerate(mine.tolist(), start=int(lo)):
            number.setdefault((i, j), k)
            number.setdefault((j, i), k)
        local = {fp.doc_id: k for k, fp in enumerate(fingerprints)}
        matches = [number[local[m.a], local[m.b]] for m in found.matches]
        pending = [number[p.i, p.j] for p in found.pending]
        at = places.tolist()
        waiting = [Pending(at[p.i], at[p.j], p.evidence) for p in found.pending]
        yield matches, found.matches, pending, waiting


def _in_pair_order(found: Sequence[Any], rows: Rows) -> Verified:
    """The partitions' matches and pending pairs in the order of their pairs, by row."""
    matches = [
        m
        for _, m in sorted((k, m) for part in found for k, m in zip(part[0], part[1], strict=True))
    ]
    waiting = sorted((k, p) for part in found for k, p in zip(part[2], part[3], strict=True))
    places = np.array([(p.i, p.j) for _, p in waiting], dtype=np.int64).reshape(-1, 2)
    row = np.searchsorted(rows.positions, places).tolist()
    pending = [Pending(i, j, p.evidence) for (i, j), (_, p) in zip(row, waiting, strict=True)]
    return Verified(matches, pending)


def _first_texts(fingerprints: Sequence[Fingerprint]) -> list[int]:
    """The first document of each distinct, non-empty text (by digest)."""
    seen: set[str] = set()
    first = []
    for k, fp in enumerate(fingerprints):
        if fp.digest and fp.digest not in seen:
            seen.add(fp.digest)
            first.append(k)
    return first


class _Tallied:
    """A partition's chunks' shingles (of the documents counted) tallied, by table slice."""

    def __init__(self, shared: Any, slices: int) -> None:
        self.shared, self.slices = shared, slices

    def __call__(self, items: Iterable[tuple[int, FingerprintChunk]]) -> Iterator[Any]:
        keys, counted = self.shared.value
        table = indexed(keys)
        tally = np.zeros(table.keys.size, dtype=np.int64)
        marks = table.marks()
        for first, chunk in items:
            mask = counted[first : first + len(chunk.ids)]
            if mask.any():
                table.tally(chunk.shingles[np.repeat(mask, np.diff(chunk.bounds))], tally, marks)
        cuts = np.linspace(0, tally.size, self.slices + 1).round().astype(np.int64)
        for k in range(self.slices):
            yield k, tally[cuts[k] : cuts[k + 1]]


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


def _numbered(task: Callable[[_Context, _In], _Out]) -> Callable[[_Context, Any], Any]:
    """``task`` of a numbered item, its result numbered alike."""

    def run(context: _Context, item: tuple[int, _In]) -> tuple[int, _Out]:
        return item[0], task(context, item[1])

    return run


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
