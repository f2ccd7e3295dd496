"""Exact verification of candidate pairs on their shingle sets.

MinHash only estimates similarity; every candidate is checked on the exact sets, with
two scores: Jaccard (how alike the two texts are) and containment (how much of the
shorter text lies inside the longer), so a wire story cut short, or wrapped in site
furniture, still matches its full version.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsdedup.config import VerifyConfig
from newsdedup.data import Fingerprint, Match


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sorted arrays of unique values."""
    return int(np.intersect1d(a, b, assume_unique=True).size)


def scores(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Return ``(jaccard, containment)`` of two shingle sets; ``(0, 0)`` if either is empty."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    common = overlap(a, b)
    return common / (a.size + b.size - common), common / min(a.size, b.size)


def kind_of(jaccard: float, containment: float, smaller: int, cfg: VerifyConfig) -> str | None:
    """Return the match kind for these scores, or ``None`` if the pair is not a copy."""
    if jaccard >= cfg.threshold:
        return "near"
    if containment >= cfg.containment and smaller >= cfg.min_shingles:
        return "contained"
    return None


def verify_pair(a: Fingerprint, b: Fingerprint, cfg: VerifyConfig) -> Match | None:
    """Score one pair exactly and return a :class:`Match`, or ``None`` if it is no copy."""
    jaccard, containment = scores(a.shingles, b.shingles)
    kind = kind_of(jaccard, containment, min(a.shingles.size, b.shingles.size), cfg)
    if kind is None:
        return None
    first, second = sorted((a.doc_id, b.doc_id))
    return Match(first, second, round(jaccard, 6), round(containment, 6), kind)


def verify(
    pairs: np.ndarray, fingerprints: Sequence[Fingerprint], cfg: VerifyConfig
) -> list[Match]:
    """Verify every candidate pair (row indices into ``fingerprints``); keep the copies."""
    found = (verify_pair(fingerprints[i], fingerprints[j], cfg) for i, j in pairs.tolist())
    return [match for match in found if match is not None]
