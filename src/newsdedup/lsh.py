"""Locality-sensitive hashing: bands/rows choice, band keys, candidate pairs.

A pair with Jaccard similarity ``s`` shares at least one band of ``rows`` signature
values with probability ``1 - (1 - s**rows) ** bands`` (the S-curve). datasketch's
automatic choice balances false positives against false negatives, which leaves only
about 40% recall exactly at the threshold; here the bands and rows are the cheapest
(fewest false positives below the threshold) that reach a stated recall at it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsdedup import jit
from newsdedup.config import LSHConfig

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
    return jit.kernels("lsh_kernels")


def band_keys(sigs: np.ndarray, band: int, rows: int) -> np.ndarray:
    """Hash band ``band`` of every signature row into one ``uint64`` key."""
    block = sigs[:, band * rows : (band + 1) * rows].astype(np.uint64)
    keys = np.full(sigs.shape[0], np.uint64(band + 1), dtype=np.uint64)
    for column in range(block.shape[1]):
        keys = (keys ^ block[:, column]) * _MULT
        keys ^= keys >> np.uint64(29)
    return keys


def bucket_pairs(keys: np.ndarray) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of rows that share a key, as ``int64`` codes ``i * n + j``.

    Vectorised over all buckets at once (a Python loop per bucket was the cost of LSH on a
    million documents): rows sorted by key, each row paired with the rows after it in its
    bucket.
    """
    n = keys.size
    order = np.argsort(keys, kind="stable")  # stable: rows ascend within a bucket
    ordered = keys[order]
    heads = np.r_[True, ordered[1:] != ordered[:-1]] if n else np.zeros(0, dtype=bool)
    bucket_end = np.r_[np.flatnonzero(heads)[1:], n][np.cumsum(heads) - 1]
    after = bucket_end - np.arange(n) - 1  # rows after each one in its bucket
    total = int(after.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    left = np.repeat(np.arange(n), after)
    offset = np.arange(total) - np.repeat(np.cumsum(after) - after, after)
    right = left + 1 + offset
    return order[left].astype(np.int64) * n + order[right].astype(np.int64)


def candidate_pairs(sigs: np.ndarray, banding: Banding, threads: int = 1) -> np.ndarray:
    """Return the unique candidate pairs of rows as an ``(m, 2)`` array, sorted, ``i < j``.

    Bands are grouped by the compiled kernel (:mod:`newsdedup.lsh_kernels`) when kernels
    are allowed, on ``threads`` threads (it releases the GIL), else by sorting their keys
    (the reference: both give the same pairs).
    """
    n = sigs.shape[0]
    kernels = _kernels()
    if kernels is not None and n:
        sigs = np.ascontiguousarray(sigs)
        rows = banding.rows
        with ThreadPoolExecutor(max(threads, 1)) as pool:  # map keeps the bands' order
            codes = list(
                pool.map(lambda band: kernels.band_pairs(sigs, band, rows), range(banding.bands))
            )
    else:
        bands = range(banding.bands)
        codes = [bucket_pairs(band_keys(sigs, band, banding.rows)) for band in bands]
    unique = np.sort(np.concatenate(codes)) if codes else np.zeros(0, dtype=np.int64)
    unique = unique[np.r_[True, unique[1:] != unique[:-1]]] if unique.size else unique
    return np.stack([unique // max(n, 1), unique % max(n, 1)], axis=1)
