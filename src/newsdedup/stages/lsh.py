"""Locality-sensitive hashing: bands/rows choice, band keys, candidate pairs.

A pair with Jaccard similarity ``s`` shares at least one band of ``rows`` signature
values with probability ``1 - (1 - s**rows) ** bands`` (the S-curve). datasketch's
automatic choice balances false positives against false negatives, which leaves only
about 40% recall exactly at the threshold; here the bands and rows are the cheapest
(fewest false positives below the threshold) that reach a stated recall at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsdedup.config import LSHConfig, MinHashConfig
from newsdedup.data import Fingerprint
from newsdedup.errors import ConfigError
from newsdedup.kernels import jit
from newsdedup.runtime import release_all, threaded
from newsdedup.stages.minhash import signatures

_MULT = np.uint64(0x9E3779B97F4A7C15)
_GRID = np.linspace(0.0, 1.0, 201)


@dataclass(frozen=True, slots=True)
class Banding:
    """The chosen LSH parameters and the recall they give at the threshold."""

    bands: int
    rows: int
    recall_at_threshold: float


def probability(similarity: np.ndarray | float, bands: int, rows: int) -> np.ndarray | float:
    """Probability that a pair of the given Jaccard similarity becomes a candidate."""
    return 1.0 - (1.0 - np.power(similarity, rows)) ** bands


def _false_positive_area(threshold: float, bands: int, rows: int) -> float:
    below = _GRID[threshold > _GRID]
    return float(np.sum(probability(below, bands, rows))) / len(_GRID)


def choose_banding(cfg: LSHConfig, num_perm: int) -> Banding:
    """Return bands and rows for ``num_perm`` values: the cheapest that reach ``cfg.recall``.

    Explicit ``cfg.bands``/``cfg.rows`` are used as given. Otherwise every split with
    ``bands * rows <= num_perm`` is considered; among those whose candidate probability
    at ``cfg.threshold`` reaches ``cfg.recall``, the one with the least probability mass
    below the threshold wins. If none reaches it, the one with the highest recall does.
    """
    if cfg.bands:
        return Banding(cfg.bands, cfg.rows, float(probability(cfg.threshold, cfg.bands, cfg.rows)))
    options = [(rows, num_perm // rows) for rows in range(1, num_perm + 1)]
    scored = [(float(probability(cfg.threshold, b, r)), b, r) for r, b in options]
    reaching = [
        (_false_positive_area(cfg.threshold, b, r), b, r) for p, b, r in scored if p >= cfg.recall
    ]
    if reaching:
        _, bands, rows = min(reaching)
    else:
        _, bands, rows = max(scored)
    return Banding(bands, rows, float(probability(cfg.threshold, bands, rows)))


def _kernels() -> Any:
    """The LSH kernel module, or ``None`` when numba is missing or ``NEWSDEDUP_JIT=0``."""
    return jit.kernels("lsh")


def band_keys(sigs: np.ndarray, band: int, rows: int) -> np.ndarray:
    """Hash band ``band`` of every signature row into one ``uint64`` key."""
    block = sigs[:, band * rows : (band + 1) * rows].astype(np.uint64)
    keys = np.full(sigs.shape[0], np.uint64(band + 1), dtype=np.uint64)
    for column in range(block.shape[1]):
        keys = (keys ^ block[:, column]) * _MULT
        keys ^= keys >> np.uint64(29)
    return keys


def bucket_pairs(keys: np.ndarray, max_bucket: int = 0) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of rows that share a key, as ``int64`` codes ``i * n + j``.

    A bucket of more than ``max_bucket`` rows (when it is not 0) is chained: each row is
    paired with the next row of its bucket only (see :func:`banded`).
    """
    return _bucket_pairs(keys, max_bucket)[0]


def _bucket_pairs(keys: np.ndarray, max_bucket: int) -> tuple[np.ndarray, int]:
    """:func:`bucket_pairs`, and how many buckets were chained.

    Vectorised over all buckets at once (a Python loop per bucket was the cost of LSH on a
    million documents): rows sorted by key, each row paired with the rows after it in its
    bucket (with the next one only in a bucket over the cap).
    """
    n = keys.size
    order = np.argsort(keys, kind="stable")  # stable: rows ascend within a bucket
    ordered = keys[order]
    heads = np.r_[True, ordered[1:] != ordered[:-1]] if n else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(heads)
    bucket_end = np.r_[starts[1:], n][np.cumsum(heads) - 1]
    after = bucket_end - np.arange(n) - 1  # rows after each one in its bucket
    capped = 0
    if max_bucket and n:
        big = bucket_end - starts[np.cumsum(heads) - 1] > max_bucket
        capped = int(np.count_nonzero(big & heads))
        after[big] = np.minimum(after[big], 1)
    total = int(after.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), capped
    left = np.repeat(np.arange(n), after)
    offset = np.arange(total) - np.repeat(np.cumsum(after) - after, after)
    right = left + 1 + offset
    return order[left].astype(np.int64) * n + order[right].astype(np.int64), capped


@dataclass(frozen=True, slots=True)
class Banded:
    """The candidate pairs of LSH, and what it held back to find them.

    Attributes:
        pairs: ``(m, 2)`` row indices, sorted, unique, ``i < j``.
        capped: Buckets (of one band) over ``lsh.max_bucket``, chained, not expanded.
        left_out: Rows not banded: documents without a shingle.
    """

    pairs: np.ndarray
    capped: int = 0
    left_out: int = 0


def candidate_pairs(sigs: np.ndarray, banding: Banding, threads: int = 1) -> np.ndarray:
    """The pairs of :func:`banded`, every row banded and no bucket capped."""
    return banded(sigs, banding, threads=threads).pairs


def banded(
    sigs: np.ndarray,
    banding: Banding,
    *,
    threads: int = 1,
    max_bucket: int = 0,
    skip: np.ndarray | None = None,
) -> Banded:
    """Return the unique candidate pairs of rows, sorted, ``i < j``.

    Bands are grouped by the compiled kernel (:mod:`newsdedup.kernels.lsh`) when kernels
    are allowed, on ``threads`` threads (it releases the GIL), else by sorting their keys
    (the reference: both give the same pairs).

    Args:
        sigs: One signature a row.
        banding: Bands and rows; ``bands * rows`` may not exceed the signature's length.
        threads: Threads to group bands on; never changes the result.
        max_bucket: A bucket of more rows than this is not expanded into its
            ``k * (k - 1) / 2`` pairs but chained, each row paired with the next of its
            bucket (rows ascending): linear in its size, and its members stay connected.
            0: no cap. (Issue 14: one bucket of 1,500 documents alone is 1.1M pairs.)
        skip: Rows (a boolean mask) to leave out: a document without a shingle has the
            all-empty signature, so every two of them would share every band.
    """
    check_banding(banding, sigs.shape[1])
    rows = np.flatnonzero(~skip) if skip is not None else None
    if rows is not None:
        sigs = sigs[rows]
    n = sigs.shape[0]
    codes, capped = _band_codes(sigs, banding, threads, max_bucket)
    unique = np.sort(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    unique = unique[np.r_[True, unique[1:] != unique[:-1]]] if unique.size else unique
    pairs = np.stack([unique // max(n, 1), unique % max(n, 1)], axis=1)
    if rows is not None:
        pairs = rows[pairs].reshape(-1, 2)  # ascending rows: still sorted
    return Banded(pairs, capped, 0 if skip is None else int(np.count_nonzero(skip)))


def banded_fingerprints(
    fingerprints: Sequence[Fingerprint],
    banding: Banding,
    cfg: LSHConfig,
    minhash: MinHashConfig,
    *,
    threads: int = 1,
) -> Banded:
    """:func:`banded` of every fingerprint's signature (made from its shingles if it has none).

    A document without a shingle (its text all furniture, or too short) stays out: its
    signature is all empty, so every two such documents would share every band (issue 14:
    1,500 of them made 1.1M candidates).
    """
    bare = np.fromiter((len(fp.shingles) == 0 for fp in fingerprints), bool, len(fingerprints))
    if fingerprints and all(fp.signature is not None for fp in fingerprints):
        sigs = np.stack([fp.signature for fp in fingerprints])
        release_all()  # the spilled signatures read for the copy
    else:
        sigs = signatures([fp.shingles for fp in fingerprints], minhash)
    return banded(sigs, banding, threads=threads, max_bucket=cfg.max_bucket, skip=bare)


def check_banding(banding: Banding, width: int) -> None:
    """Raise if ``banding`` needs more values than a signature of ``width`` holds."""
    if banding.bands * banding.rows > width:
        raise ConfigError(
            f"lsh.bands x lsh.rows = {banding.bands} x {banding.rows} is more than the "
            f"signature's {width} values (minhash.num_perm); lower them or raise it"
        )


def band_entries(
    sigs: np.ndarray, rows: np.ndarray, banding: Banding
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every band key of a chunk of signatures: ``(band, key, row)``, one entry a band a row.

    What an engine that gathers buckets elsewhere sends there (keys of one bucket to one
    place): :func:`entry_pairs` of all the entries of a bucket are its pairs in
    :func:`banded`. ``rows`` are the signatures' row numbers in the whole corpus.
    """
    count = banding.bands * sigs.shape[0]
    if not count:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.uint64), empty
    bands = np.repeat(np.arange(banding.bands, dtype=np.int16), sigs.shape[0])
    keys = np.concatenate([band_keys(sigs, b, banding.rows) for b in range(banding.bands)])
    return bands, keys, np.tile(np.asarray(rows, dtype=np.int64), banding.bands)


def entry_pairs(
    bands: np.ndarray, keys: np.ndarray, rows: np.ndarray, max_bucket: int = 0
) -> tuple[np.ndarray, int]:
    """The pairs of rows that share a band key, and how many buckets were chained.

    Entries come from :func:`band_entries` of any chunks, in any order; every entry of a
    bucket (a band and key) must be among them. The buckets' pairs are :func:`banded`'s,
    by the same rule (:func:`bucket_pairs`: rows ascending, a bucket over ``max_bucket``
    chained). Returns ``(m, 2)`` rows, ``i < j``, sorted, unique.
    """
    found = [np.zeros((0, 2), dtype=np.int64)]
    if not bands.size:
        return found[0], 0
    order = np.lexsort((rows, bands))
    bands, keys, rows = bands[order], keys[order], rows[order]
    capped = 0
    starts = np.flatnonzero(np.r_[True, bands[1:] != bands[:-1]]).tolist()
    for lo, hi in zip(starts, [*starts[1:], bands.size], strict=True):
        codes, chained = _bucket_pairs(keys[lo:hi], max_bucket)
        held, n = rows[lo:hi], hi - lo
        found.append(np.stack([held[codes // n], held[codes % n]], axis=1))
        capped += chained
    pairs = np.concatenate(found)
    return (np.unique(pairs, axis=0) if pairs.size else pairs), capped


def _band_codes(
    sigs: np.ndarray, banding: Banding, threads: int, max_bucket: int
) -> tuple[list[np.ndarray], int]:
    """Each band's pair codes (kernel or reference), and the buckets chained over all."""
    kernels = _kernels()
    if kernels is not None and sigs.shape[0]:
        sigs = np.ascontiguousarray(sigs)
        rows = banding.rows
        found = list(
            threaded(
                lambda band: kernels.band_pairs(sigs, band, rows, max_bucket),
                range(banding.bands),
                threads,
            )
        )
    else:
        keys = (band_keys(sigs, band, banding.rows) for band in range(banding.bands))
        found = [_bucket_pairs(k, max_bucket) for k in keys]
    return [codes for codes, _ in found], sum(capped for _, capped in found)
