"""The local backend: fingerprint documents in chunks, on one process or a pool of them.

Chunks of documents go to worker processes as plain tuples; normalising, shingling and
signing happen there (:func:`newsdedup.stages.shingle.shingle_and_window`,
:func:`newsdedup.stages.minhash.window_signatures`), and only fingerprints come back, so the
driver never holds a text after it was read. Every document's fingerprint depends on its own
text alone, and chunks come back in input order, so the worker count changes how fast a run
goes and never what it finds. Plain JSONL inputs are not read by the driver at all: workers
read byte ranges of them and the driver settles ids and skips in input order
(:mod:`newsdedup.backends.blocks`). When fingerprints are spilled, each worker writes their
arrays (shingles, signatures, n-grams) to a file of its own and sends where they are; the
driver maps them (:class:`newsdedup.backends.spill.SpillWriter`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import replace
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from newsdedup.backends.pool import WorkerPool
from newsdedup.backends.spill import SPILL_PREFIX, SpillWriter, spilled_fingerprints
from newsdedup.config import Config, RewriteConfig, VerifyConfig
from newsdedup.data import Document, Fingerprint
from newsdedup.io.leftovers import remove_dead_spills
from newsdedup.runtime import Mapper, in_order, serial
from newsdedup.stages.align import ShingleRarity, shingle_rarity
from newsdedup.stages.boilerplate import (
    Boilerplate,
    SurveyChunk,
    survey_chunk,
)
from newsdedup.stages.fingerprint import FingerprintChunk, Slim, fingerprint_chunk, noting, slim
from newsdedup.stages.leads import lead_pairs
from newsdedup.stages.lsh import Banded, Banding, banded_fingerprints
from newsdedup.stages.rewrite import Rarity, candidates, rarity
from newsdedup.stages.verify import Rewrites, Verified, verify

if TYPE_CHECKING:
    from newsdedup.backends import Rows
    from newsdedup.backends.blocks import BlockInput

CHUNK = 256
"""Documents per chunk: large enough to amortise numpy calls, small enough for the cache."""

_EMPTY = np.zeros(0, dtype=np.uint32)
_T = TypeVar("_T")


def fingerprint_stored(
    docs: Sequence[Slim], config: Config, furniture: Boilerplate | None = None
) -> FingerprintChunk:
    """:func:`fingerprint_chunk`, its arrays written to the worker's spill if it has one."""
    part = fingerprint_chunk(docs, config, furniture)
    writer: SpillWriter | None = _WORKER.get("spill")
    if writer is None:
        return part
    stored = (writer.put(part.shingles), writer.put(part.signatures), writer.put(part.grams))
    signatures = np.zeros((0, part.signatures.shape[1]), dtype=part.signatures.dtype)
    return replace(part, shingles=_EMPTY, signatures=signatures, grams=_EMPTY, stored=stored)


def _chunks(docs: Iterable[Document], size: int) -> Iterator[list[Slim]]:
    rows = slim(docs)
    while chunk := list(islice(rows, size)):
        yield chunk


_WORKER: dict[str, Any] = {}


def _start_worker(config: Config, furniture: Boilerplate | None, spill: str | None = None) -> None:
    """Keep the run's config and furniture in the worker, sent once rather than per chunk.

    With ``spill`` (a folder), the worker writes its fingerprints' arrays there.
    """
    _WORKER.update(config=config, furniture=furniture, spill=SpillWriter(spill) if spill else None)


_Job = Callable[[Sequence[Slim], Config, Boilerplate | None], _T]


def _work(job: _Job[_T], docs: Sequence[Slim]) -> _T:
    return job(docs, _WORKER["config"], _WORKER["furniture"])


def _results(
    job: _Job[_T],
    docs: Iterable[Document] | BlockInput,
    config: Config,
    workers: int,
    chunk: int,
    furniture: Boilerplate | None,
    spill: str | None = None,
) -> Iterator[_T]:
    """``job`` of every chunk, in input order, in this process or over a pool.

    Plain JSONL files (a :class:`~newsdedup.backends.blocks.BlockInput`) are read by the
    workers themselves (:mod:`newsdedup.backends.blocks`). ``spill`` is the folder where
    workers write the arrays of their fingerprints.
    """
    from newsdedup.backends.blocks import BlockInput, block_results

    if isinstance(docs, BlockInput):
        yield from block_results(job, docs, config, workers, chunk, furniture, spill)
        return
    if workers <= 1:
        for part in _chunks(docs, chunk):
            yield job(part, config, furniture)
        return
    with worker_pool(workers, config, furniture, spill) as pool:
        yield from in_order(pool, partial(_work, job), _chunks(docs, chunk), 2 * workers)


def worker_pool(
    workers: int, config: Config, furniture: Boilerplate | None, spill: str | None = None
) -> WorkerPool:
    """A pool of ``workers`` processes that hold the run's config and furniture."""
    return WorkerPool(workers, _start_worker, (config, furniture, spill))


def fingerprint_stream(
    docs: Iterable[Document] | BlockInput,
    config: Config,
    *,
    workers: int = 1,
    chunk: int = CHUNK,
    spill: bool = False,
    furniture: Boilerplate | None = None,
    seen: MutableMapping[int, tuple[str, str]] | None = None,
) -> Iterator[Fingerprint]:
    """Fingerprint a stream of documents, in order, with ``workers`` processes.

    At most ``2 * workers`` chunks are in flight, so memory stays bounded however long the
    stream is. ``workers <= 1`` runs in this process. With ``spill``, shingle sets, n-grams
    and signatures go to an anonymous temporary file and are mapped back
    (:class:`newsdedup.backends.spill.Spill`), so they live in the page cache instead of the heap:
    most of a fingerprint's size (1.8 KB of shingles, 1 KB of n-grams at a million
    articles, 0.5 KB of signature, for a 2.8 KB article).
    With ``seen``, the learned furniture lines met are recorded there, first time each.
    """
    if not spill:
        found = _results(fingerprint_chunk, docs, config, workers, chunk, furniture)
        results = noting(found, seen)
        for part in results:
            yield from part.fingerprints
        return
    remove_dead_spills()  # what runs that were killed left in the temp folder
    with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{os.getpid()}-") as folder:
        stored = _results(fingerprint_stored, docs, config, workers, chunk, furniture, folder)
        yield from spilled_fingerprints(noting(stored, seen))


def survey_stream(
    docs: Iterable[Document] | BlockInput, config: Config, *, workers: int = 1, chunk: int = CHUNK
) -> Iterator[SurveyChunk]:
    """Key the lines of a stream of documents, in order, with ``workers`` processes."""
    return _results(survey_chunk, docs, config, workers, chunk, None)


_POOL_LEAST = 32
"""Fewer items run faster here than a pool starts (spawning and importing take about a
second): 1,363 pairs to align (22 chunks), 0.85 s here, 1.3 s over 2 workers."""


def mapper(workers: int) -> Mapper:
    """The local engine's :class:`~newsdedup.runtime.Mapper`: ``workers`` processes.

    The task and its context are sent to each worker once, when it starts; the items one
    by one, at most two a worker in flight; the results come back in input order.
    """
    if workers <= 1:
        return serial

    def run(
        task: Callable[[Any, Any], _T], context: Any, items: Iterable[Any], count: int
    ) -> Iterator[_T]:
        if count < _POOL_LEAST:
            yield from serial(task, context, items, count)
            return
        with WorkerPool(workers, _keep_task, (task, context)) as pool:
            yield from in_order(pool, _run_task, items, 2 * workers)

    return run


_TASK: dict[str, Any] = {}


def _keep_task(task: Callable[[Any, Any], Any], context: Any) -> None:
    _TASK.update(task=task, context=context)


def _run_task(item: Any) -> Any:
    return _TASK["task"](_TASK["context"], item)


class LocalEngine:
    """The local :class:`~newsdedup.backends.Engine`: ``workers`` processes on this machine.

    Plain JSONL inputs are read by the workers themselves, fingerprints' arrays are
    spilled to a temporary file and mapped back (:mod:`newsdedup.backends.spill`), and
    ``workers`` threads share the driver's global steps.
    """

    reads_blocks = True

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(workers, 1)
        self.threads = self.workers

    def survey(
        self, docs: Iterable[Document] | BlockInput, config: Config
    ) -> Iterator[SurveyChunk]:
        """:func:`survey_stream` over the engine's workers."""
        return survey_stream(docs, config, workers=self.workers)

    def fingerprints(
        self,
        docs: Iterable[Document] | BlockInput,
        config: Config,
        *,
        furniture: Boilerplate,
        seen: MutableMapping[int, tuple[str, str]] | None = None,
    ) -> Iterator[Fingerprint]:
        """:func:`fingerprint_stream` over the engine's workers, spilled."""
        return fingerprint_stream(
            docs, config, workers=self.workers, spill=True, furniture=furniture, seen=seen
        )

    def mapper(self) -> Mapper:
        """:func:`mapper` of the engine's workers."""
        return mapper(self.workers)

    def lsh(
        self,
        fingerprints: Sequence[Fingerprint],
        banding: Banding,
        config: Config,
        *,
        rows: Rows | None = None,
    ) -> Banded:
        """:func:`~newsdedup.stages.lsh.banded_fingerprints` here, on the engine's threads."""
        return banded_fingerprints(
            fingerprints, banding, config.lsh, config.minhash, threads=self.threads
        )

    def leads(self, fingerprints: Sequence[Fingerprint], *, rows: Rows | None = None) -> np.ndarray:
        """:func:`~newsdedup.stages.leads.lead_pairs` here."""
        return lead_pairs([fp.leads for fp in fingerprints])

    def rarity(self, fingerprints: Sequence[Fingerprint], *, rows: Rows | None = None) -> Rarity:
        """:func:`~newsdedup.stages.rewrite.rarity` of the n-gram sets here."""
        return rarity([fp.grams if fp.grams is not None else _EMPTY for fp in fingerprints])

    def rare_pairs(
        self,
        fingerprints: Sequence[Fingerprint],
        rare: Rarity,
        cfg: RewriteConfig,
        times: np.ndarray,
        *,
        rows: Rows | None = None,
    ) -> np.ndarray:
        """:func:`~newsdedup.stages.rewrite.candidates` here, on the engine's threads."""
        grams = [fp.grams if fp.grams is not None else _EMPTY for fp in fingerprints]
        return candidates(grams, rare, cfg, times, threads=self.threads)

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
        """:func:`~newsdedup.stages.verify.verify` here."""
        return verify(pairs, fingerprints, cfg, rewrites=rewrites)

    def shingle_rarity(
        self, fingerprints: Sequence[Fingerprint], keys: np.ndarray, *, rows: Rows | None = None
    ) -> ShingleRarity:
        """:func:`~newsdedup.stages.align.shingle_rarity` here, on the engine's threads."""
        return shingle_rarity(fingerprints, keys, threads=self.threads)

    def release(self) -> None:
        """Nothing to let go of: the fingerprints are the driver's."""
