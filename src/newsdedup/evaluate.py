"""Scores of a grouping against gold labels: pair P/R/F1, B-cubed, ARI, per-label recall.

All cluster metrics are computed from the contingency table of predicted against gold
clusters, never by enumerating pairs, so they stay linear in the number of documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True, slots=True)
class ClusterScores:
    """Agreement of predicted clusters with gold clusters, over the gold documents.

    Attributes:
        documents: Gold documents scored (those also in the prediction).
        pair_precision: Share of predicted same-cluster pairs that are gold pairs.
        pair_recall: Share of gold same-cluster pairs that are predicted.
        pair_f1: Harmonic mean of the two.
        bcubed_precision: Mean over documents of |pred ∩ gold cluster| / |pred cluster|.
        bcubed_recall: Mean over documents of |pred ∩ gold cluster| / |gold cluster|.
        bcubed_f1: Harmonic mean of the two.
        ari: Adjusted Rand index (1 perfect, about 0 for chance).
    """

    documents: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    ari: float


@dataclass(frozen=True, slots=True)
class PairScores:
    """Agreement of predicted clusters with labelled pairs.

    Attributes:
        documents: Documents in the pool (every document named in the pair file).
        positives: Labelled pairs whose label is positive.
        predicted: Same-cluster pairs among the pool's documents.
        true_positives: Positive pairs predicted in one cluster.
        precision: ``true_positives / predicted``: unlabelled pairs count as negatives.
        recall: ``true_positives / positives``.
        f1: Harmonic mean of the two.
        merged_by_label: For each label, ``(pairs, of them merged)``.
    """

    documents: int
    positives: int
    predicted: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    merged_by_label: Mapping[str, tuple[int, int]]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _ratio(num: float, den: float, empty: float = 1.0) -> float:
    return num / den if den else empty


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall, 0.0)


def _ari(together: int, pred: int, gold: int, total: int) -> float:
    expected = _ratio(pred * gold, total, 0.0)
    maximum = (pred + gold) / 2
    if maximum == expected:
        return 1.0
    return (together - expected) / (maximum - expected)


def score_clusters(predicted: Mapping[str, str], gold: Mapping[str, str]) -> ClusterScores:
    """Score predicted cluster labels against gold cluster labels (doc id -> label).

    Only documents present in both are scored, so a prediction over a larger pool
    (a corpus with distractors) is scored on the gold documents.
    """
    ids = [doc for doc in gold if doc in predicted]
    cells = Counter((predicted[doc], gold[doc]) for doc in ids)
    pred_sizes = Counter(predicted[doc] for doc in ids)
    gold_sizes = Counter(gold[doc] for doc in ids)
    together = sum(_pairs(n) for n in cells.values())
    pred_pairs = sum(_pairs(n) for n in pred_sizes.values())
    gold_pairs = sum(_pairs(n) for n in gold_sizes.values())
    precision, recall = _ratio(together, pred_pairs), _ratio(together, gold_pairs)
    b_precision = _ratio(sum(n * n / pred_sizes[p] for (p, _), n in cells.items()), len(ids))
    b_recall = _ratio(sum(n * n / gold_sizes[g] for (_, g), n in cells.items()), len(ids))
    return ClusterScores(
        len(ids), precision, recall, _f1(precision, recall),
        b_precision, b_recall, _f1(b_precision, b_recall),
        _ari(together, pred_pairs, gold_pairs, _pairs(len(ids))),
    )  # fmt: skip


def _pool_pairs(predicted: Mapping[str, str], pool: Iterable[str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for doc in sorted(pool):
        if doc in predicted:
            groups.setdefault(predicted[doc], []).append(doc)
    return {pair for members in groups.values() for pair in combinations(members, 2)}


def score_pairs(
    predicted: Mapping[str, str], labelled: Sequence[tuple[str, str, str]], positive: Iterable[str]
) -> PairScores:
    """Score predicted clusters against labelled pairs ``(a, b, label)``.

    The pool is every document named in ``labelled``. Pairs with a label in ``positive``
    should be merged; every other pair of the pool, labelled or not, should not.
    """
    positive = set(positive)
    pool = {doc for a, b, _ in labelled for doc in (a, b)}
    merged = _pool_pairs(predicted, pool)
    by_label: dict[str, list[int]] = {}
    hits = 0
    positives = set()
    for a, b, label in labelled:
        key = (min(a, b), max(a, b))
        counts = by_label.setdefault(label, [0, 0])
        counts[0] += 1
        counts[1] += key in merged
        if label in positive:
            positives.add(key)
    hits = len(positives & merged)
    precision, recall = _ratio(hits, len(merged)), _ratio(hits, len(positives))
    return PairScores(
        len(pool), len(positives), len(merged), hits, precision, recall, _f1(precision, recall),
        {label: (n, m) for label, (n, m) in sorted(by_label.items())},
    )  # fmt: skip
