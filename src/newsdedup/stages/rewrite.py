"""Rewritten versions: IDF-weighted character n-gram similarity, and the candidates for it.

Outlets rewrite agency copy: they cut, reorder and rephrase, but keep names, figures,
quotes and whole clauses. Word n-gram Jaccard misses most such versions (a third of the
wording may survive); what separates them from independent reports of the same event is
how much *rare* wording they share. So each text is reduced to its character n-grams
(spaces removed: robust to re-spacing, to inflection and to scripts without spaces), every
n-gram is weighted by its inverse document frequency in the corpus, and two texts score

    similarity = w(A ∩ B) / w(A ∪ B),     w(S) = Σ idf(g) for g in S

(weighted Jaccard of the sets). On COUNTER this separates derived from independently
written reports better than any n-gram Jaccard (AUC 0.88 against 0.79 for word 3-grams;
see ``benchmarks/README.md``).

Candidates come from the n-grams found in 2 to ``max_df`` documents: every pair of
documents sharing one, with the weight they share (a sparse matrix product, a block of
documents at a time). This partial score (over those n-grams only) is a lower bound of the
full one; pairs whose bound reaches half the lowest threshold are scored exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar, overload

import numpy as np

from newsdedup.config import RewriteConfig
from newsdedup.kernels import jit
from newsdedup.kernels.counting import KeyCounts, count
from newsdedup.runtime import release_all, releasing, threaded
from newsdedup.stages.shingle import char_hashes, combine

_EMPTY = np.zeros(0, dtype=np.uint32)
_R = TypeVar("_R")
_T = TypeVar("_T")
_FLOOR_SHARE = 0.5


def char_grams(normalized: str, cfg: RewriteConfig) -> np.ndarray:
    """Sorted unique hashes of the sampled character n-grams of normalised text."""
    if not normalized:
        return _EMPTY
    grams = combine(char_hashes(normalized), cfg.char_size)
    return grams if cfg.sample <= 1 else grams[grams % np.uint32(cfg.sample) == 0]


_GRAM_DOCUMENTS = 125_000  # documents whose every n-gram is held (about 1 GB of them)


def auto_sample(cfg: RewriteConfig, documents: int) -> int:
    """One n-gram in how many is held: ``cfg.sample``, or by corpus size when it is 0.

    All up to 125,000 documents, then the smallest power of two that keeps the n-grams
    held to what 125,000 documents hold in full: memory and the time to weigh them stay
    bounded as the corpus grows, at the cost of a noisier similarity (see the README).
    """
    if cfg.sample:
        return cfg.sample
    sample = 1
    while documents > _GRAM_DOCUMENTS * sample and sample < 64:
        sample *= 2
    return sample


def settled(cfg: RewriteConfig, documents: int) -> RewriteConfig:
    """``cfg`` with its n-gram sample chosen for a corpus of ``documents``."""
    return replace(cfg, sample=auto_sample(cfg, documents))


@dataclass(frozen=True, slots=True)
class Rarity:
    """Document frequency of every n-gram of a corpus, and the weights derived from it.

    Attributes:
        counted: Every n-gram hash seen (sorted) with the number of documents holding it,
            and a hash index to find them (:class:`newsdedup.kernels.counting.KeyCounts`).
        documents: The number of documents counted.
    """

    counted: KeyCounts
    documents: int

    @property
    def keys(self) -> np.ndarray:
        """Every n-gram hash seen, sorted."""
        return self.counted.keys

    @property
    def df(self) -> np.ndarray:
        """The number of documents holding each key."""
        return self.counted.counts

    def idf(self, df: np.ndarray) -> np.ndarray:
        """Inverse document frequency, ``log((N + 1) / (df + 0.5))``: always positive."""
        return np.log((self.documents + 1.0) / (df + 0.5))

    def frequencies(self, grams: np.ndarray) -> np.ndarray:
        """How many documents hold each n-gram (0 for n-grams never counted)."""
        where = self.counted.find(grams)
        return np.where(where >= 0, self.df[where] if self.df.size else 0, 0)

    def weights(self, grams: np.ndarray) -> np.ndarray:
        """The idf of each n-gram of one document (n-grams never counted weigh the most)."""
        return self.idf(self.frequencies(grams))


class LazyWeights(Sequence[np.ndarray]):
    """The idf weights of each document's n-grams, computed when first asked for.

    Verification needs the weights of the documents in candidate pairs only, a small
    part of a large corpus; holding every document's weights would double the memory
    the n-gram sets take. Pairs come sorted, so a document's weights are asked for in
    runs: the last ``keep`` documents' are kept (at a million articles, keeping every
    candidate's took 0.6 GB).
    """

    def __init__(self, gram_sets: Sequence[np.ndarray], rare: Rarity, keep: int = 4096) -> None:
        self._grams = gram_sets
        self._rare = rare
        self._keep = keep
        self._cache: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._grams)

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[np.ndarray]: ...

    def __getitem__(self, index: int | slice) -> np.ndarray | Sequence[np.ndarray]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        weights = self._cache.get(index)
        if weights is None:
            if len(self._cache) >= self._keep:
                del self._cache[next(iter(self._cache))]  # the oldest
            weights = self._cache[index] = self._rare.weights(self._grams[index])
        return weights

    def prepare(self, indices: Iterable[int]) -> None:
        """Weigh the n-grams of these documents at once, and hold only theirs from now on.

        One lookup and one logarithm over all of their n-grams instead of a few numpy calls
        per document (about 26 us each, two documents a candidate pair); each weight is the
        same number either way.
        """
        wanted = list(dict.fromkeys(indices))
        held = {i: self._cache[i] for i in wanted if i in self._cache}
        todo = [i for i in wanted if i not in held]
        if todo:
            sets = [self._grams[i] for i in todo]
            weights = self._rare.weights(np.concatenate([_EMPTY, *sets]))
            cuts = np.cumsum([s.size for s in sets])[:-1]
            held.update(zip(todo, np.split(weights, cuts), strict=True))
        self._cache = held


def totals(gram_sets: Sequence[np.ndarray], rare: Rarity, chunk: int = 4096) -> np.ndarray:
    """``w(S)``, the summed idf of each document's n-grams, a chunk of documents at a time."""
    out = np.zeros(len(gram_sets), dtype=np.float64)
    for start in range(0, len(gram_sets), chunk):
        part = gram_sets[start : start + chunk]
        sizes = np.fromiter((g.size for g in part), dtype=np.int64, count=len(part))
        if not sizes.sum():
            continue
        owner = np.repeat(np.arange(len(part)), sizes)
        weights = rare.weights(np.concatenate(part))
        out[start : start + len(part)] = np.bincount(owner, weights=weights, minlength=len(part))
    return out


def rarity(gram_sets: Sequence[np.ndarray]) -> Rarity:
    """Count, for every n-gram, how many of ``gram_sets`` hold it.

    Gathers every set, because a weight depends on the whole corpus; spilled sets are let
    go as the count moves on (:mod:`newsdedup.backends.spill`).
    """
    return Rarity(count(releasing(gram_sets)), len(gram_sets))


_BLOCK = 2048  # documents per block of the sparse product: bounds its memory
_EXACT_BOUND_DOCUMENTS = 25_000
_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Index:
    """What finding candidates needs of every document, from one pass over the n-grams.

    Attributes:
        totals: ``w(S)`` of every document.
        weighted: Documents x n-grams held by 2 to ``max_df`` documents, idf-weighted
            (a ``scipy.sparse`` CSR matrix; columns are ranks in ``Rarity.keys``).
        binary: The same entries, all 1.
        sample: Only n-grams whose hash is divisible by this are in the matrices.
    """

    totals: np.ndarray
    weighted: Any
    binary: Any
    sample: int


def index(
    gram_sets: Sequence[np.ndarray],
    rare: Rarity,
    max_df: int,
    sample: int,
    rows_at: np.ndarray | None = None,
    chunk: int = 1024,
    threads: int = 1,
) -> Index:
    """Weigh every document's n-grams once: their sum, and the rare ones as matrices.

    Built a chunk of documents at a time, keeping only the rare entries, so no array as
    long as all n-grams of the corpus is made beside the sets themselves. With
    ``rows_at``, document ``i`` is row ``rows_at[i]`` of the matrices (totals stay in
    document order). ``threads`` weigh chunks side by side; the result never depends on it.
    """
    import scipy.sparse as sp

    n = len(gram_sets)
    total = np.zeros(n, dtype=np.float64)
    idf_of_key = rare.idf(rare.df)
    unseen = float(rare.idf(np.zeros(1))[0])
    held = np.zeros(n, dtype=np.int64)  # rare entries of each document
    cols, idf = [np.zeros(0, np.int32)], [np.zeros(0)]

    def weigh(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        part = gram_sets[start : start + chunk]
        sizes = np.fromiter((g.size for g in part), dtype=np.int64, count=len(part))
        grams = np.concatenate([_EMPTY, *part])
        offsets = np.r_[0, np.cumsum(sizes)]
        sums, owner, column, weights = rare.counted.gather(
            grams, offsets, idf_of_key, unseen, (2, max_df), sample
        )
        # Copies: the kernel's arrays are sized for every n-gram of the chunk.
        counts = np.bincount(owner, minlength=len(part))
        return sums, counts, column.astype(np.int32), weights.copy()

    for done, (sums, counts, column, weights) in enumerate(
        threaded(weigh, range(0, n, chunk), threads), start=1
    ):
        start = (done - 1) * chunk
        total[start : start + sums.size] = sums
        held[start : start + sums.size] = counts
        cols.append(column)
        idf.append(weights)
        if done % 4 == 0:
            release_all()  # the spilled sets read so far
    release_all()
    indices, data = np.concatenate(cols), np.concatenate(idf)
    del cols, idf
    indptr = np.r_[0, np.cumsum(held)]
    if rows_at is not None:  # rows in the given order: move each document's entries there
        order = np.empty(n, dtype=np.int64)
        order[rows_at] = np.arange(n)
        moved = np.r_[0, np.cumsum(held[order])]
        gather = np.repeat(indptr[order] - moved[:-1], held[order]) + np.arange(indices.size)
        indices, data, indptr = indices[gather], data[gather], moved
        del gather
    shape = (n, rare.keys.size)
    # Built straight as CSR (documents' entries come sorted), the two matrices sharing their
    # structure: about 16 bytes an entry, where building from coordinates took over 70.
    weighted = sp.csr_matrix((data, indices, indptr), shape=shape)
    binary = sp.csr_matrix((np.ones(indices.size, np.float32), indices, indptr), shape=shape)
    return Index(total, weighted, binary, sample)


def auto_max_df(cfg: RewriteConfig, documents: int) -> int:
    """The n-gram document frequency above which n-grams generate no candidates."""
    return cfg.max_df or max(50, math.isqrt(documents))


def auto_candidate_sample(cfg: RewriteConfig, documents: int) -> int:
    """One n-gram in how many finds candidates: all up to 25,000 documents, else 1 in 4."""
    return cfg.candidate_sample or (1 if documents <= _EXACT_BOUND_DOCUMENTS else 4)


def candidates(
    gram_sets: Sequence[np.ndarray],
    rare: Rarity,
    cfg: RewriteConfig,
    times: np.ndarray | None = None,
    threads: int = 1,
) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, whose similarity may reach the lowest threshold.

    The shared weight of every pair comes from one sparse product (documents x rare
    n-grams, idf-weighted, times its binary transpose), computed a block of rows at a
    time and filtered at once, so memory stays bounded by the block, not by every pair
    that shares some n-gram. Above 25,000 documents (or with ``cfg.candidate_sample``)
    only one n-gram in ``sample`` takes part and the shared weight is scaled up: an
    estimate instead of a lower bound, several times cheaper; the chosen pairs are still
    scored on all their n-grams.

    A pair dated more than ``cfg.window_days`` apart can be no rewrite, so with ``times``
    the documents are ordered by date and a block meets only the documents dated within
    the window of it (and every undated one): the product shrinks from the whole corpus
    to a few days of it.

    Args:
        gram_sets: The n-gram set of every document.
        rare: Document frequencies of the corpus.
        cfg: Thresholds, ``window_days`` and ``max_df``.
        times: Each document's publication time in seconds since the epoch (``inf`` if
            unknown, as :func:`newsdedup.dates.seconds` gives), or ``None`` if none is
            known.
        threads: Threads to weigh the n-grams in (:func:`index`); never changes the pairs.

    Returns:
        An ``(m, 2)`` array of row indices, sorted.
    """
    n = len(gram_sets)
    times = np.full(n, np.inf) if times is None else np.asarray(times, dtype=np.float64)
    order = np.argsort(times, kind="stable")  # dated first, by date; then the undated
    rows_at = np.empty(n, dtype=np.int64)
    rows_at[order] = np.arange(n)
    finding = auto_candidate_sample(cfg, n)
    built = index(gram_sets, rare, auto_max_df(cfg, n), finding, rows_at, threads=threads)
    # The sets hold one n-gram in ``held``; of those, one in ``scale`` finds candidates.
    held = max(cfg.sample, 1)
    scale = math.lcm(held, finding) // held
    when = times[order]
    dated = int(np.searchsorted(when, np.inf))
    known = np.where(np.isfinite(when), when, 0.0)
    window = (cfg.window_days + 0.001) * _DAY  # a little slack: distances are rounded
    weighted, binary = built.weighted, built.binary
    totals = built.totals[order]
    floor = _FLOOR_SHARE * min(cfg.threshold, cfg.undated, cfg.same_source)
    spans: list[tuple[int, int, int, int]] = []  # rows start:stop meet rows lo:hi
    start = 0
    while start < n:
        stop = min(start + _BLOCK, dated if start < dated else n)
        if start < dated:  # dated rows meet the rows dated within the window, and the undated
            reach = int(np.searchsorted(when, when[stop - 1] + window, side="right"))
            spans += [(start, stop, start, reach), (start, stop, dated, n)]
        else:
            spans.append((start, stop, start, n))
        start = stop

    def pairs_of(span: tuple[int, int, int, int]) -> np.ndarray:
        start, stop, lo, hi = span
        if hi <= lo:
            return np.zeros((0, 2), dtype=np.int64)
        block = (weighted[start:stop] @ binary[lo:hi].T).tocoo()
        left, right = block.row.astype(np.int64) + start, block.col.astype(np.int64) + lo
        shared = block.data * scale  # with sampling, an estimate, not a bound
        bound = shared / np.maximum(totals[left] + totals[right] - shared, 1e-12)
        undated = (left >= dated) | (right >= dated)
        apart = np.round(np.abs(known[left] - known[right]) / _DAY, 3)
        keep = (right > left) & (bound >= floor) & (undated | (apart <= cfg.window_days))
        return np.stack([left[keep], right[keep]], axis=1)

    # The sparse products release the GIL: blocks are multiplied side by side.
    found = [np.zeros((0, 2), dtype=np.int64), *threaded(pairs_of, spans, threads)]
    pairs = order[np.concatenate(found)]
    pairs.sort(axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def similarity(a: np.ndarray, wa: np.ndarray, b: np.ndarray, wb: np.ndarray) -> float:
    """Weighted Jaccard of two n-gram sets with their idf weights; 0 if either is empty."""
    shared, total_a, total_b = shared_weight(a, wa, b, wb)
    union = total_a + total_b - shared
    return shared / union if union > 0 else 0.0


def shared_weight(
    a: np.ndarray, wa: np.ndarray, b: np.ndarray, wb: np.ndarray
) -> tuple[float, float, float]:
    """``(w(A ∩ B), w(A), w(B))`` of two n-gram sets with their idf weights."""
    if a.size == 0 or b.size == 0:
        return 0.0, float(wa.sum()), float(wb.sum())
    kernels = jit.kernels("verify")
    if kernels is not None and a.dtype == b.dtype:
        ia = kernels.common_in_a(a, b)  # the same positions, in one pass
    else:
        _, ia, _ = np.intersect1d(a, b, assume_unique=True, return_indices=True)
    return float(wa[ia].sum()), float(wa.sum()), float(wb.sum())


def needed(days: float | None, same_source: bool, cfg: RewriteConfig) -> float | None:
    """The similarity a pair needs to be a rewrite, or ``None`` if it cannot be one.

    Args:
        days: Days between the two publication dates; ``None`` if either is unknown.
        same_source: Whether both come from one source (its house style inflates scores).
        cfg: The thresholds.
    """
    if days is not None and days > cfg.window_days:
        return None
    base = cfg.undated if days is None else cfg.threshold
    return max(base, cfg.same_source) if same_source else base


# The candidates' join cut into pieces that can run apart (an engine's executors): the
# same plan, weights and products as :func:`candidates`, which stays the one-machine path;
# ``tests/stages/test_rewrite.py`` checks that the pieces give its pairs.


@dataclass(frozen=True, slots=True)
class DatePlan:
    """How :func:`candidates` meets the documents: in date order, a block against its window.

    Attributes:
        order: Documents by date (dated first, by date; then the undated): place ``p``
            holds document ``order[p]``.
        known: Each place's time in seconds (0 where undated).
        dated: How many documents are dated (the first ``dated`` places).
        spans: ``(start, stop, lo, hi)``: places ``start:stop`` meet places ``lo:hi``.
        max_df: N-grams held by more documents find no candidates.
        finding: Only n-grams whose hash is divisible by this find candidates.
        scale: What the shared weight of the n-grams that find is multiplied by.
        floor: The least estimated similarity a candidate has.
        columns: How many n-grams the corpus holds (the matrices' width).
    """

    order: np.ndarray
    known: np.ndarray
    dated: int
    spans: list[tuple[int, int, int, int]]
    max_df: int
    finding: int
    scale: int
    floor: float
    columns: int


def date_plan(times: np.ndarray, rare: Rarity, cfg: RewriteConfig) -> DatePlan:
    """:func:`candidates`' plan for documents with these ``times`` (``inf``: undated)."""
    n = times.size
    order = np.argsort(times, kind="stable")
    finding = auto_candidate_sample(cfg, n)
    held = max(cfg.sample, 1)
    when = times[order]
    dated = int(np.searchsorted(when, np.inf))
    window = (cfg.window_days + 0.001) * _DAY
    spans: list[tuple[int, int, int, int]] = []
    start = 0
    while start < n:
        stop = min(start + _BLOCK, dated if start < dated else n)
        if start < dated:
            reach = int(np.searchsorted(when, when[stop - 1] + window, side="right"))
            spans += [(start, stop, start, reach), (start, stop, dated, n)]
        else:
            spans.append((start, stop, start, n))
        start = stop
    return DatePlan(
        order,
        np.where(np.isfinite(when), when, 0.0),
        dated,
        spans,
        auto_max_df(cfg, n),
        finding,
        math.lcm(held, finding) // held,
        _FLOOR_SHARE * min(cfg.threshold, cfg.undated, cfg.same_source),
        rare.keys.size,
    )


def weighed(
    gram_sets: Sequence[np.ndarray], rare: Rarity, plan: DatePlan
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A chunk of documents' ``w(S)``, and their n-grams that find candidates.

    Returns each document's total, and the entries' documents (in the chunk), columns
    (ranks in ``rare.keys``) and idf weights, as :func:`index` weighs them.
    """
    sizes = np.fromiter((g.size for g in gram_sets), dtype=np.int64, count=len(gram_sets))
    grams = np.concatenate([_EMPTY, *gram_sets])
    offsets = np.r_[0, np.cumsum(sizes)]
    idf_of_key, unseen = rare.idf(rare.df), float(rare.idf(np.zeros(1))[0])
    sums, owner, column, weights = rare.counted.gather(
        grams, offsets, idf_of_key, unseen, (2, plan.max_df), plan.finding
    )
    return sums, owner.copy(), column.astype(np.int32), weights.copy()


def span_pairs(
    plan: DatePlan,
    span: tuple[int, int, int, int],
    cfg: RewriteConfig,
    entries: tuple[np.ndarray, np.ndarray, np.ndarray],
    totals: np.ndarray,
) -> np.ndarray:
    """The candidates where places ``start:stop`` meet places ``lo:hi`` (one product).

    Args:
        plan: The corpus's :func:`date_plan`.
        span: ``(start, stop, lo, hi)``, one of ``plan.spans``.
        cfg: The thresholds and ``window_days``.
        entries: ``(place, column, weight)`` of every weighed n-gram (:func:`weighed`) of
            the places in the span, in any order.
        totals: ``w(S)`` of every place (0 where it has no entry in the span).

    Returns:
        Pairs of documents (``plan.order`` of the places), in no order.
    """
    import scipy.sparse as sp

    start, stop, lo, hi = span
    if hi <= lo:
        return np.zeros((0, 2), dtype=np.int64)
    place, column, weight = entries
    ranked = np.lexsort((column, place))
    place, column, weight = place[ranked], column[ranked], weight[ranked]

    def rows(first: int, end: int, values: np.ndarray) -> Any:
        inside = (place >= first) & (place < end)
        held = np.bincount(place[inside] - first, minlength=end - first)
        indptr = np.r_[0, np.cumsum(held)]
        shape = (end - first, plan.columns)
        return sp.csr_matrix((values[inside], column[inside], indptr), shape=shape)

    weighted = rows(start, stop, weight)
    binary = rows(lo, hi, np.ones(weight.size, np.float32))
    block = (weighted @ binary.T).tocoo()
    left, right = block.row.astype(np.int64) + start, block.col.astype(np.int64) + lo
    shared = block.data * plan.scale
    bound = shared / np.maximum(totals[left] + totals[right] - shared, 1e-12)
    undated = (left >= plan.dated) | (right >= plan.dated)
    apart = np.round(np.abs(plan.known[left] - plan.known[right]) / _DAY, 3)
    keep = (right > left) & (bound >= plan.floor) & (undated | (apart <= cfg.window_days))
    return plan.order[np.stack([left[keep], right[keep]], axis=1)]


def ordered(found: Sequence[np.ndarray]) -> np.ndarray:
    """The pairs of every span as :func:`candidates` gives them: ``i < j``, sorted."""
    pairs = np.concatenate([np.zeros((0, 2), dtype=np.int64), *found])
    pairs.sort(axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
