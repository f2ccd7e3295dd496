"""Exact verification of candidate pairs, and the decision: copy, rewrite, or no match.

MinHash only estimates similarity; every candidate is checked on the exact sets, with
two scores: Jaccard (how alike the two texts are) and containment (how much of the
shorter text lies inside the longer), so a wire story cut short, or wrapped in site
furniture, still matches its full version. A pair that is no copy may still be a
rewritten version: that is decided on the IDF-weighted character similarity
(:mod:`newsdedup.rewrite`), with a bar that depends on the date distance and on whether
both texts come from one source.

The decision, in order:

1. ``near``: word-shingle Jaccard >= ``verify.threshold``.
2. ``contained``: containment >= ``verify.containment`` and the shorter text has at least
   ``verify.min_shingles`` shingles.
3. ``rewrite``: similarity >= ``rewrite.threshold`` when both dates are known and at most
   ``rewrite.window_days`` apart, ``rewrite.undated`` when either is unknown, never when
   further apart; and at least ``rewrite.same_source`` within one source.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsdedup import jit
from newsdedup.choose import timestamp
from newsdedup.config import RewriteConfig, VerifyConfig
from newsdedup.data import Fingerprint, Match
from newsdedup.rewrite import needed, similarity
from newsdedup.spill import releasing


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sorted arrays of unique values."""
    kernels = jit.kernels("verify_kernels")
    if kernels is not None and a.dtype == b.dtype:
        return int(kernels.common(a, b))
    return int(np.intersect1d(a, b, assume_unique=True).size)


def scores(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Return ``(jaccard, containment)`` of two shingle sets; ``(0, 0)`` if either is empty."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    common = overlap(a, b)
    return common / (a.size + b.size - common), common / min(a.size, b.size)


def kind_of(jaccard: float, containment: float, smaller: int, cfg: VerifyConfig) -> str | None:
    """Return the copy kind for these scores (``near``, ``contained``), or ``None``."""
    if jaccard >= cfg.threshold:
        return "near"
    if containment >= cfg.containment and smaller >= cfg.min_shingles:
        return "contained"
    return None


def days_apart(a: Fingerprint, b: Fingerprint) -> float | None:
    """Days between two publication dates; ``None`` if either is unknown or unreadable."""
    first, second = timestamp(a.published), timestamp(b.published)
    if math.isinf(first) or math.isinf(second):
        return None
    return round(abs(first - second) / 86400.0, 3)


@dataclass(frozen=True, slots=True)
class Rewrites:
    """What rewrite scoring needs beside the two fingerprints: weights and thresholds."""

    cfg: RewriteConfig
    weights: Sequence[np.ndarray]


def verify_pair(
    a: Fingerprint,
    b: Fingerprint,
    cfg: VerifyConfig,
    *,
    rewrites: Rewrites | None = None,
    index: tuple[int, int] = (0, 0),
) -> Match | None:
    """Score one pair and return a :class:`Match`, or ``None`` if it is no copy or rewrite.

    A near or contained copy is decided on the word shingles alone. Otherwise, with
    ``rewrites``, the pair is a rewrite if its IDF-weighted character similarity reaches
    the threshold that its date distance and sources call for
    (:func:`newsdedup.rewrite.needed`). ``index`` locates the two documents in
    ``rewrites.weights``.
    """
    jaccard, containment = scores(a.shingles, b.shingles)
    kind = kind_of(jaccard, containment, min(a.shingles.size, b.shingles.size), cfg)
    days = days_apart(a, b)
    sim = 0.0
    if rewrites is not None and a.grams is not None and b.grams is not None:
        wa, wb = rewrites.weights[index[0]], rewrites.weights[index[1]]
        sim = similarity(a.grams, wa, b.grams, wb)
        same = a.site is not None and a.site == b.site
        bar = needed(days, same, rewrites.cfg)
        covered = days is not None or containment >= rewrites.cfg.undated_containment
        if kind is None and bar is not None and sim >= bar and covered:
            kind = "rewrite"
    if kind is None:
        return None
    first, second = sorted((a.doc_id, b.doc_id))
    return Match(first, second, round(jaccard, 6), round(containment, 6), kind, round(sim, 6), days)


def verify(
    pairs: np.ndarray,
    fingerprints: Sequence[Fingerprint],
    cfg: VerifyConfig,
    *,
    rewrites: Rewrites | None = None,
) -> list[Match]:
    """Verify every candidate pair (row indices into ``fingerprints``); keep the matches.

    Spilled sets read on the way are let go every 256 pairs (:mod:`newsdedup.spill`). The
    n-gram weights of a batch of pairs' documents are computed together when they can be
    (:meth:`newsdedup.rewrite.LazyWeights.prepare`).
    """
    prepare = getattr(rewrites.weights, "prepare", None) if rewrites is not None else None
    found: list[Match] = []
    rows = pairs.tolist()
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        if prepare is not None:
            prepare(i for pair in batch for i in pair)
        for i, j in releasing(batch, every=256):
            match = verify_pair(
                fingerprints[i], fingerprints[j], cfg, rewrites=rewrites, index=(i, j)
            )
            if match is not None:
                found.append(match)
    return found


_BATCH = 1024  # pairs whose documents' n-gram weights are computed together
