"""Exact verification of candidate pairs, and the evidence the decision weighs.

MinHash only estimates similarity; every candidate is checked on the exact sets, with
two scores: Jaccard (how alike the two texts are) and containment (how much of the
shorter text lies inside the longer), so a wire story cut short, or wrapped in site
furniture, still matches its full version. A pair that is no copy may still be a
rewrite or a story: that is decided by :mod:`newsdedup.stages.decide` on the pair's evidence
(shared wording, rare character n-grams, dates, sources).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsdedup.config import RewriteConfig, VerifyConfig
from newsdedup.data import Fingerprint, Match
from newsdedup.dates import seconds
from newsdedup.kernels import jit
from newsdedup.runtime import releasing
from newsdedup.stages.decide import Evidence, copy_kind, may_be_story, templates
from newsdedup.stages.rewrite import needed, shared_weight


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sorted arrays of unique values."""
    kernels = jit.kernels("verify")
    if kernels is not None and a.dtype == b.dtype:
        return int(kernels.common(a, b))
    return int(np.intersect1d(a, b, assume_unique=True).size)


def scores(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Return ``(jaccard, containment)`` of two shingle sets; ``(0, 0)`` if either is empty."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    common = overlap(a, b)
    return common / (a.size + b.size - common), common / min(a.size, b.size)


def days_apart(a: Fingerprint, b: Fingerprint) -> float | None:
    """Days between two publication dates; ``None`` if either is unknown or unreadable."""
    first, second = seconds(a.published), seconds(b.published)
    if math.isinf(first) or math.isinf(second):
        return None
    return round(abs(first - second) / 86400.0, 3)


@dataclass(frozen=True, slots=True)
class Rewrites:
    """What deciding rewrites and stories needs beside the two fingerprints.

    Attributes:
        cfg: The rewrite bars.
        weights: The idf weights of every document's n-grams.
        idf_max: The largest idf in the corpus (an n-gram held by no other document).
        stories: Whether pairs that may be stories are left pending (``level =
            "stories"``).
    """

    cfg: RewriteConfig
    weights: Sequence[np.ndarray]
    idf_max: float = 0.0
    stories: bool = False


def evidence(
    a: Fingerprint, b: Fingerprint, wa: np.ndarray, wb: np.ndarray, idf_max: float
) -> Evidence:
    """Everything the decision weighs of one pair (``wa``, ``wb``: the n-grams' idf)."""
    sa, sb = a.shingles, b.shingles
    common = overlap(sa, sb) if sa.size and sb.size else 0
    jaccard = common / (sa.size + sb.size - common) if common else 0.0
    containment = common / min(sa.size, sb.size) if common else 0.0
    shared, total_a, total_b = shared_weight(a.grams, wa, b.grams, wb)
    union = total_a + total_b - shared
    return Evidence(
        jaccard,
        containment,
        common,
        shared / union if union > 0 else 0.0,
        shared,
        total_a,
        total_b,
        idf_max,
        days_apart(a, b),
        a.site is not None and a.site == b.site,
        min(sa.size, sb.size),
    )


def rewrite_kind(found: Evidence, cfg: RewriteConfig) -> str | None:
    """``rewrite`` if the similarity reaches the bar for the pair's dates and sources."""
    bar = needed(found.days, found.same_source, cfg)
    covered = found.days is not None or found.containment >= cfg.undated_containment
    return "rewrite" if bar is not None and found.similarity >= bar and covered else None


def verify_pair(
    a: Fingerprint,
    b: Fingerprint,
    cfg: VerifyConfig,
    *,
    rewrites: Rewrites | None = None,
    index: tuple[int, int] = (0, 0),
) -> Match | None:
    """Score one pair and return a :class:`Match` (a copy or a rewrite), or ``None``.

    A near or contained copy is decided on the word shingles alone. Otherwise, with
    ``rewrites``, the pair is a rewrite if its IDF-weighted character similarity reaches
    the bar its date distance and sources call for (:func:`newsdedup.stages.rewrite.needed`).
    ``index`` locates the two documents in ``rewrites.weights``.
    """
    return _settled(a, b, cfg, rewrites, index)[0]


def _settled(
    a: Fingerprint,
    b: Fingerprint,
    cfg: VerifyConfig,
    rewrites: Rewrites | None,
    index: tuple[int, int],
) -> tuple[Match | None, Evidence | None]:
    """The match a pair is (a copy or a rewrite), and its evidence when it was weighed.

    Two notices told apart by their marks (:func:`newsdedup.stages.decide.templates`) are none.
    """
    if templates(a.marks, b.marks):
        return None, None
    first, second = sorted((a.doc_id, b.doc_id))
    if rewrites is None or a.grams is None or b.grams is None:
        jaccard, containment = scores(a.shingles, b.shingles)
        kind = copy_kind(jaccard, containment, min(a.shingles.size, b.shingles.size), cfg)
        if kind is None:
            return None, None
        return Match(
            first, second, round(jaccard, 6), round(containment, 6), kind, 0.0, days_apart(a, b)
        ), None
    wa, wb = rewrites.weights[index[0]], rewrites.weights[index[1]]
    found = evidence(a, b, wa, wb, rewrites.idf_max)
    kind = copy_kind(found.jaccard, found.containment, min(a.shingles.size, b.shingles.size), cfg)
    kind = kind or rewrite_kind(found, rewrites.cfg)
    if kind is None:
        return None, found
    match = Match(
        first,
        second,
        round(found.jaccard, 6),
        round(found.containment, 6),
        kind,
        round(found.similarity, 6),
        found.days,
    )
    return match, found


@dataclass(frozen=True, slots=True)
class Pending:
    """A pair that is no copy and no rewrite but may be a story: its passages decide.

    Attributes:
        i: Row of the first document (the one with the smaller id).
        j: Row of the second.
        evidence: What verification measured of the pair.
    """

    i: int
    j: int
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Verified:
    """What verification settled, and what it left to the story decision.

    Attributes:
        matches: Copies and rewrites.
        pending: Pairs that share enough wording to hold a passage of
            :data:`newsdedup.stages.decide.PASSAGE_WORDS` words (only with ``rewrites.stories``).
    """

    matches: list[Match]
    pending: list[Pending]


def verify(
    pairs: np.ndarray,
    fingerprints: Sequence[Fingerprint],
    cfg: VerifyConfig,
    *,
    rewrites: Rewrites | None = None,
) -> Verified:
    """Verify every candidate pair (row indices into ``fingerprints``).

    Copies and rewrites are settled here. With ``rewrites.stories``, a pair
    that is neither but shares enough word shingles to hold a long passage is left
    pending, with its evidence, for the story decision (its passages need the texts:
    :func:`newsdedup.pipeline.decide_stories`). Spilled sets read on the way are let go
    every 256 pairs (:mod:`newsdedup.backends.spill`). The n-gram weights of a batch of
    pairs' documents are computed together when they can be
    (:meth:`newsdedup.stages.rewrite.LazyWeights.prepare`).
    """
    prepare = getattr(rewrites.weights, "prepare", None) if rewrites is not None else None
    stories = rewrites is not None and rewrites.stories
    window = rewrites.cfg.window_days if rewrites is not None else 0.0
    found: list[Match] = []
    pending: list[Pending] = []
    if rewrites is not None and len(pairs):  # settled without their n-gram weights: nothing
        pairs = np.asarray(pairs).reshape(-1, 2)
        pairs = pairs[~_far_and_nothing(pairs, fingerprints, cfg, window)]
    rows = pairs.tolist()
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        if prepare is not None:
            prepare(i for pair in batch for i in pair)
        for i, j in releasing(batch, every=256):
            a, b = fingerprints[i], fingerprints[j]
            match, weighed = _settled(a, b, cfg, rewrites, (i, j))
            if match is not None:
                found.append(match)
            elif stories and weighed is not None and may_be_story(weighed, window):
                first, second = (i, j) if a.doc_id <= b.doc_id else (j, i)
                pending.append(Pending(first, second, weighed))
    return Verified(found, pending)


_BATCH = 1024  # pairs whose documents' n-gram weights are computed together


def _far_and_nothing(
    pairs: np.ndarray, fingerprints: Sequence[Fingerprint], cfg: VerifyConfig, window: float
) -> np.ndarray:
    """Which candidates are dated beyond the window and no copy: nothing, whatever they share.

    Such a pair can be no rewrite (:func:`newsdedup.stages.rewrite.needed`) and no story
    (:func:`newsdedup.stages.decide.may_be_story`), so its shingles alone settle it and its
    n-gram weights, the dearest part of verifying, are never computed. Most LSH and lead
    candidates of a year of news are such pairs: articles weeks apart that reuse a
    background paragraph. Each document's date is read once; a pair within a thousandth
    of a day of the window's edge is left to be weighed (days are rounded to three
    decimals there), which settles it the same way.
    """
    times = np.full(len(fingerprints), np.inf)
    used = np.unique(pairs)
    times[used] = [seconds(fingerprints[i].published) for i in used.tolist()]
    first, second = times[pairs[:, 0]], times[pairs[:, 1]]
    dated = np.isfinite(first) & np.isfinite(second)
    apart = np.zeros(len(pairs))
    apart[dated] = np.abs(first[dated] - second[dated]) / 86400.0
    far = np.flatnonzero(dated & (apart > window + 0.001))
    out = np.zeros(len(pairs), dtype=bool)
    for k, (i, j) in zip(far.tolist(), releasing(pairs[far].tolist(), every=256), strict=True):
        a, b = fingerprints[i], fingerprints[j]
        if templates(a.marks, b.marks):
            out[k] = True
        elif a.grams is not None and b.grams is not None:  # else settled as copies only
            jaccard, containment = scores(a.shingles, b.shingles)
            smaller = min(a.shingles.size, b.shingles.size)
            out[k] = copy_kind(jaccard, containment, smaller, cfg) is None
    return out
