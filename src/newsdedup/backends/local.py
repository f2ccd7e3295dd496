"""The local backend: fingerprint documents in chunks, on one process or a pool of them.

Chunks of documents go to worker processes as plain tuples; normalising, shingling and
signing happen there (:func:`newsdedup.shingle.shingle_and_window`,
:func:`newsdedup.fingerprint.window_signatures`), and only fingerprints come back, so the
driver never holds a text after it was read. Every document's fingerprint depends on its own
text alone, and chunks come back in input order, so the worker count changes how fast a run
goes and never what it finds.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import accumulate, islice, pairwise

import numpy as np

from newsdedup.config import Config
from newsdedup.data import Document, Fingerprint
from newsdedup.fingerprint import window_signatures
from newsdedup.shingle import shingle_and_window, window_texts

CHUNK = 256
"""Documents per chunk: large enough to amortise numpy calls, small enough for the cache."""

_Slim = tuple[str, str, str | None, str | None]  # id, text, published, source


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
    """

    ids: list[str]
    digests: list[str]
    lengths: list[int]
    published: list[str | None]
    sources: list[str | None]
    shingles: np.ndarray
    bounds: list[int]
    signatures: np.ndarray

    @property
    def fingerprints(self) -> list[Fingerprint]:
        """One :class:`Fingerprint` per document; shingles and signature are views."""
        cuts = pairwise(self.bounds)
        return [
            Fingerprint(doc_id, key, self.shingles[lo:hi], length, date, source, sig)
            for doc_id, key, length, date, source, (lo, hi), sig in zip(
                self.ids,
                self.digests,
                self.lengths,
                self.published,
                self.sources,
                cuts,
                self.signatures,
                strict=True,
            )
        ]


def fingerprint_texts(texts: Sequence[str], config: Config) -> np.ndarray:
    """MinHash signatures (``len(texts) x num_perm``) of raw texts: the hot path alone."""
    return window_signatures(window_texts(texts, config.shingle), config.minhash)


def fingerprint_slim(docs: Sequence[_Slim], config: Config) -> FingerprintChunk:
    """Normalise, key, shingle and sign one chunk of ``(id, text, published, source)``."""
    batch, windows = shingle_and_window([doc[1] for doc in docs], config.shingle)
    sizes = [s.size for s in batch.shingles]
    return FingerprintChunk(
        ids=[doc[0] for doc in docs],
        digests=batch.digests,
        lengths=batch.lengths,
        published=[doc[2] for doc in docs],
        sources=[doc[3] for doc in docs],
        shingles=np.concatenate([np.zeros(0, dtype=np.uint32), *batch.shingles]),
        bounds=[0, *accumulate(sizes)],
        signatures=window_signatures(windows, config.minhash),
    )


def _slim(docs: Iterable[Document]) -> Iterator[_Slim]:
    return ((d.id, d.text, d.published, d.source) for d in docs)


def _chunks(docs: Iterable[Document], size: int) -> Iterator[list[_Slim]]:
    slim = _slim(docs)
    while chunk := list(islice(slim, size)):
        yield chunk


def fingerprint_stream(
    docs: Iterable[Document], config: Config, *, workers: int = 1, chunk: int = CHUNK
) -> Iterator[Fingerprint]:
    """Fingerprint a stream of documents, in order, with ``workers`` processes.

    At most ``2 * workers`` chunks are in flight, so memory stays bounded however long the
    stream is. ``workers <= 1`` runs in this process.
    """
    if workers <= 1:
        for part in _chunks(docs, chunk):
            yield from fingerprint_slim(part, config).fingerprints
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[Future[FingerprintChunk]] = deque()
        for part in _chunks(docs, chunk):
            pending.append(pool.submit(fingerprint_slim, part, config))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result().fingerprints
        while pending:
            yield from pending.popleft().result().fingerprints
