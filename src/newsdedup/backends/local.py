"""The local backend: fingerprint documents in chunks, on one process or a pool of them.

Chunks of documents go to worker processes as plain tuples; normalising, shingling and
signing happen there (:func:`newsdedup.stages.shingle.shingle_and_window`,
:func:`newsdedup.stages.fingerprint.window_signatures`), and only fingerprints come back, so the
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
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from itertools import accumulate, islice, pairwise
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from newsdedup.backends.pool import WorkerPool, in_order
from newsdedup.backends.spill import SPILL_PREFIX, Spill, SpillWriter, Stored, mapped
from newsdedup.config import Config
from newsdedup.data import Document, Fingerprint
from newsdedup.io.leftovers import remove_dead_spills
from newsdedup.kernels import jit
from newsdedup.stages.boilerplate import Boilerplate, keyed_chunk, source_of, strip_chunk
from newsdedup.stages.clean import digest, normalize
from newsdedup.stages.decide import marks
from newsdedup.stages.fingerprint import ChunkPrints, window_signatures
from newsdedup.stages.leads import lead_keys
from newsdedup.stages.shingle import char_gram_sets, shingle_and_window, window_texts

if TYPE_CHECKING:
    from newsdedup.backends.blocks import BlockInput

CHUNK = 256
"""Documents per chunk: large enough to amortise numpy calls, small enough for the cache."""

_SPILL_GROUP = 16  # chunks per memory-mapped region, so a million documents need ~250 maps
_Slim = tuple[str, str, str | None, str | None, str | None, str | None]
"""id, text, published, source, url, title."""
_EMPTY = np.zeros(0, dtype=np.uint32)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FingerprintChunk:
    """Fingerprints of a chunk of documents, in input order, as columns.

    Columns cross the process boundary as a few large arrays rather than one small array
    per document, which keeps the driver's unpickling cheap.

    Attributes:
        ids: Document ids.
        digests: Exact-duplicate keys (empty for empty text).
        lengths: Characters of each normalised text.
        published: Publication dates, if known.
        sources: Outlets, if known.
        shingles: Every document's sorted unique shingles, one after the other.
        bounds: ``shingles[bounds[i]:bounds[i + 1]]`` are document ``i``'s.
        signatures: ``len(ids) x num_perm`` MinHash signatures.
        grams: Rewrites' character n-grams of every document that has them, one after
            the other.
        gram_bounds: ``grams[gram_bounds[i]:gram_bounds[i + 1]]`` are document ``i``'s;
            ``None`` when rewrites are off (then only empty texts have n-grams: none).
        sites: Where each document's furniture is learned (source, else URL host).
        marks: What tells each document from a notice like it
            (:func:`newsdedup.stages.decide.marks`).
        leads: Each document's lead keys (:func:`newsdedup.stages.leads.lead_keys`).
        seen: Learned furniture lines met in the chunk, first time each, as
            ``key: (source, line)`` (see :func:`newsdedup.stages.boilerplate.named`).
        stored: Where a worker wrote the shingles, signatures and n-grams
            (:class:`newsdedup.backends.spill.SpillWriter`), which then cross the pipe empty;
            ``None`` when they are here.
    """

    ids: list[str]
    digests: list[str]
    lengths: list[int]
    published: list[str | None]
    sources: list[str | None]
    shingles: np.ndarray
    bounds: list[int]
    signatures: np.ndarray
    grams: np.ndarray
    gram_bounds: list[int] | None
    sites: list[str | None]
    seen: dict[int, tuple[str, str]]
    marks: list[str]
    leads: list[bytes]
    stored: tuple[Stored, Stored, Stored] | None = None

    @property
    def fingerprints(self) -> list[Fingerprint]:
        """One :class:`Fingerprint` per document; shingles, n-grams and signature are views."""
        cuts = pairwise(self.bounds)
        return [
            Fingerprint(
                doc_id,
                key,
                self.shingles[lo:hi],
                length,
                _intern(date),
                _intern(source),
                grams,
                _intern(site),
                sig,
                mark,
                lead,
            )
            for doc_id, key, length, date, source, (lo, hi), sig, grams, site, mark, lead in zip(
                self.ids,
                self.digests,
                self.lengths,
                self.published,
                self.sources,
                cuts,
                self.signatures,
                self.gram_sets,
                self.sites,
                self.marks,
                self.leads,
                strict=True,
            )
        ]

    @property
    def gram_sets(self) -> list[np.ndarray | None]:
        """Each document's n-grams: as the per-document path makes them (empty text: none)."""
        if self.gram_bounds is None:
            return [_EMPTY if not key else None for key in self.digests]
        return [self.grams[lo:hi] for lo, hi in pairwise(self.gram_bounds)]


def _intern(value: str | None) -> str | None:
    """One copy of each date and outlet name, however many documents share it."""
    return None if value is None else sys.intern(value)


def use_jit() -> bool:
    """Whether fingerprints come from the compiled kernels or from numpy: the one switch.

    The kernels (:mod:`newsdedup.kernels.text`, numba) are used when numba imports, unless the
    environment sets ``NEWSDEDUP_JIT=0``; numpy (:mod:`newsdedup.stages.shingle`,
    :mod:`newsdedup.stages.fingerprint`) is the reference and the fallback. Both give the same
    fingerprints bit for bit, so the switch changes speed, never results. Worker processes
    inherit the environment, so they decide alike.
    """
    return jit.kernels("text") is not None


def fingerprint_texts(texts: Sequence[str], config: Config) -> np.ndarray:
    """MinHash signatures (``len(texts) x num_perm``) of raw texts: the hot path alone."""
    kernels = jit.kernels("text")
    if kernels is not None:
        return kernels.fingerprint_texts(texts, config)
    return window_signatures(window_texts(texts, config.shingle), config.minhash)


def numpy_columns(texts: Sequence[str], config: Config) -> ChunkPrints:
    """Digests, lengths, shingle sets, signatures and character n-grams of raw texts (numpy).

    The reference that :func:`newsdedup.kernels.text.fingerprint_columns` equals.
    """
    batch, windows = shingle_and_window(texts, config.shingle)
    sizes = [s.size for s in batch.shingles]
    grams = None
    if config.rewrite.enabled:
        rewrite = config.rewrite
        grams = char_gram_sets(batch.normalized, rewrite.char_size, max(rewrite.sample, 1))
    return ChunkPrints(
        digests=batch.digests,
        lengths=batch.lengths,
        shingles=np.concatenate([_EMPTY, *batch.shingles]),
        bounds=[0, *accumulate(sizes)],
        signatures=window_signatures(windows, config.minhash),
        grams=grams,
    )


def columns(texts: Sequence[str], config: Config) -> ChunkPrints:
    """:func:`numpy_columns` of raw texts, from the kernels when :func:`use_jit` says so."""
    kernels = jit.kernels("text")
    if kernels is not None:
        return kernels.fingerprint_columns(texts, config)
    return numpy_columns(texts, config)


def whole(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """Exact-duplicate key and normalised length of each text (compiled when possible)."""
    kernels = jit.kernels("text")
    if kernels is not None:
        return kernels.keys_and_lengths(texts)
    norms = [normalize(text) for text in texts]
    return [digest(norm) if norm else "" for norm in norms], [len(norm) for norm in norms]


def fingerprint_slim(
    docs: Sequence[_Slim], config: Config, furniture: Boilerplate | None = None
) -> FingerprintChunk:
    """Fingerprint one chunk of ``(id, text, published, source, url)``.

    Equals :func:`newsdedup.pipeline.fingerprint` document by document: the digest and
    length are of the whole normalised text, shingles and character n-grams of the text
    without its furniture.
    """
    furniture = furniture or Boilerplate(patterns=False)
    sites = [source_of(doc[3], doc[4]) for doc in docs]
    seen: dict[int, tuple[str, str]] = {}
    bodies = strip_chunk([doc[1] for doc in docs], sites, furniture, seen)
    prints = columns(bodies, config)
    keys, lengths = prints.digests, prints.lengths
    # Where furniture was stripped, the key and length are of the whole text.
    stripped = [
        i for i, (doc, body) in enumerate(zip(docs, bodies, strict=True)) if body is not doc[1]
    ]
    if stripped:
        whole_keys, whole_lengths = whole([docs[i][1] for i in stripped])
        for i, key, length in zip(stripped, whole_keys, whole_lengths, strict=True):
            keys[i], lengths[i] = key, length
    return FingerprintChunk(
        ids=[doc[0] for doc in docs],
        digests=keys,
        lengths=lengths,
        published=[doc[2] for doc in docs],
        sources=[doc[3] for doc in docs],
        shingles=prints.shingles,
        bounds=prints.bounds,
        signatures=prints.signatures,
        **_gram_columns(keys, prints.grams),
        sites=sites,
        seen=seen,
        marks=[marks(doc[1], doc[5]) if key else "" for doc, key in zip(docs, keys, strict=True)],
        leads=[lead_keys(body) if key else b"" for body, key in zip(bodies, keys, strict=True)],
    )


def fingerprint_stored(
    docs: Sequence[_Slim], config: Config, furniture: Boilerplate | None = None
) -> FingerprintChunk:
    """:func:`fingerprint_slim`, its arrays written to the worker's spill if it has one."""
    part = fingerprint_slim(docs, config, furniture)
    writer: SpillWriter | None = _WORKER.get("spill")
    if writer is None:
        return part
    stored = (writer.put(part.shingles), writer.put(part.signatures), writer.put(part.grams))
    signatures = np.zeros((0, part.signatures.shape[1]), dtype=part.signatures.dtype)
    return replace(part, shingles=_EMPTY, signatures=signatures, grams=_EMPTY, stored=stored)


def _gram_columns(keys: list[str], sets: list[np.ndarray] | None) -> dict[str, Any]:
    """A chunk's n-gram sets as one array and bounds (one pickle, not one per document).

    An empty text has none, whatever its set: as the per-document path makes them.
    """
    if sets is None:
        return {"grams": _EMPTY, "gram_bounds": None}
    held = [s if key else _EMPTY for key, s in zip(keys, sets, strict=True)]
    bounds = [0, *accumulate(s.size for s in held)]
    return {"grams": np.concatenate([_EMPTY, *held]), "gram_bounds": bounds}


def _slim(docs: Iterable[Document]) -> Iterator[_Slim]:
    return ((d.id, d.text, d.published, d.source, d.url, d.title) for d in docs)


def _chunks(docs: Iterable[Document], size: int) -> Iterator[list[_Slim]]:
    slim = _slim(docs)
    while chunk := list(islice(slim, size)):
        yield chunk


_WORKER: dict[str, Any] = {}


def _start_worker(config: Config, furniture: Boilerplate | None, spill: str | None = None) -> None:
    """Keep the run's config and furniture in the worker, sent once rather than per chunk.

    With ``spill`` (a folder), the worker writes its fingerprints' arrays there.
    """
    _WORKER.update(config=config, furniture=furniture, spill=SpillWriter(spill) if spill else None)


_Job = Callable[[Sequence[_Slim], Config, Boilerplate | None], _T]


def _work(job: _Job[_T], docs: Sequence[_Slim]) -> _T:
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


def _spilled(group: list[FingerprintChunk], spill: Spill) -> Iterator[Fingerprint]:
    """The group's fingerprints, their shingles, n-grams and signatures moved to ``spill``.

    Arrays a worker wrote already (``stored``) are mapped from its file instead.
    """
    held = [part for part in group if part.stored is None]
    if held:
        shingles = spill.put(np.concatenate([part.shingles for part in held]))
        signatures = spill.put(np.concatenate([part.signatures for part in held]))
        grams = spill.put(np.concatenate([_EMPTY, *(part.grams for part in held)]))
    maps = iter(mapped([where for part in group if part.stored for where in part.stored]))
    at, row, gram_at = 0, 0, 0
    for part in group:
        if part.stored is not None:
            shingle_set, signature, gram_set = next(maps), next(maps), next(maps)
            yield from replace(
                part, shingles=shingle_set, signatures=signature, grams=gram_set
            ).fingerprints
            continue
        size, rows, count = part.shingles.size, len(part.ids), part.grams.size
        yield from replace(
            part,
            shingles=shingles[at : at + size],
            signatures=signatures[row : row + rows],
            grams=grams[gram_at : gram_at + count],
        ).fingerprints
        at, row, gram_at = at + size, row + rows, gram_at + count


def _spilled_list(group: list[FingerprintChunk], spill: Spill) -> list[Fingerprint]:
    return list(_spilled(group, spill))


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
        results = _noting(_results(fingerprint_slim, docs, config, workers, chunk, furniture), seen)
        for part in results:
            yield from part.fingerprints
        return
    remove_dead_spills()  # what runs that were killed left in the temp folder
    with tempfile.TemporaryDirectory(prefix=f"{SPILL_PREFIX}{os.getpid()}-") as folder:
        stored = _results(fingerprint_stored, docs, config, workers, chunk, furniture, folder)
        yield from _spilled_stream(_noting(stored, seen))


def _spilled_stream(results: Iterator[FingerprintChunk]) -> Iterator[Fingerprint]:
    """The fingerprints of ``results``, their arrays in the spill (written, or mapped).

    Worker processes write their chunks' arrays themselves (:func:`fingerprint_stored`);
    chunks made in this process are written here. A thread writes (or maps) each group
    while this one receives the next: past the kernel's dirty page limit a write waits on
    the disk (about 400 MB/s here). At most two groups (8,192 documents) are held
    unwritten.
    """
    with Spill() as to, ThreadPoolExecutor(1, thread_name_prefix="spill") as writer:
        written = None
        while group := list(islice(results, _SPILL_GROUP)):
            writing = writer.submit(_spilled_list, group, to)
            if written is not None:
                yield from written.result()
            written = writing
        if written is not None:
            yield from written.result()


def _noting(
    parts: Iterator[FingerprintChunk], seen: MutableMapping[int, tuple[str, str]] | None
) -> Iterator[FingerprintChunk]:
    for part in parts:
        if seen is not None:
            for key, found in part.seen.items():
                seen.setdefault(key, found)
        yield part


@dataclass(frozen=True, slots=True)
class SurveyChunk:
    """What learning the furniture needs of a chunk of documents.

    Attributes:
        texts: A key of each document's exact text (exact copies count once), or ``None``
            for a document that teaches nothing (no source, or empty text).
        lines: Every document's distinct :func:`~newsdedup.stages.boilerplate.furniture_key`,
            one document after the other (``uint64``).
        bounds: ``lines[bounds[i]:bounds[i + 1]]`` are document ``i``'s.
    """

    texts: list[int | None]
    lines: np.ndarray
    bounds: list[int]


def survey_slim(
    docs: Sequence[_Slim], config: Config, furniture: Boilerplate | None = None
) -> SurveyChunk:
    """Key the lines of one chunk of ``(id, text, published, source, url)``."""
    import xxhash

    sites = [source_of(doc[3], doc[4]) for doc in docs]
    lines, bounds = keyed_chunk([doc[1] for doc in docs], sites)
    texts = [
        None
        if site is None or not doc[1]
        else xxhash.xxh3_64_intdigest(doc[1].encode("utf-8", "surrogatepass"))
        for doc, site in zip(docs, sites, strict=True)
    ]
    return SurveyChunk(texts, lines, bounds)


def survey_stream(
    docs: Iterable[Document] | BlockInput, config: Config, *, workers: int = 1, chunk: int = CHUNK
) -> Iterator[SurveyChunk]:
    """Key the lines of a stream of documents, in order, with ``workers`` processes."""
    return _results(survey_slim, docs, config, workers, chunk, None)
