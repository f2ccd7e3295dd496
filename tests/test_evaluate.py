import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.evaluate import score_clusters, score_pairs

labels = st.lists(st.integers(0, 4), min_size=2, max_size=30)


def as_map(values, prefix="c"):
    return {f"d{i}": f"{prefix}{v}" for i, v in enumerate(values)}


def test_hand_computed_case():
    # gold: {a b c} {d e}; predicted: {a b} {c d e}
    gold = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2"}
    pred = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}
    s = score_clusters(pred, gold)
    # predicted pairs: ab, cd, ce, de (4); gold pairs: ab, ac, bc, de (4); shared: ab, de
    assert s.pair_precision == pytest.approx(0.5)
    assert s.pair_recall == pytest.approx(0.5)
    # B-cubed precision: a 1, b 1, c 1/3, d 2/3, e 2/3 -> 11/15
    # B-cubed recall: a 2/3 b 2/3 c 1/3 d 1 e 1 -> 11/15
    assert s.bcubed_precision == pytest.approx(11 / 15)
    assert s.bcubed_recall == pytest.approx(11 / 15)
    # ARI: index 2, expected 4*4/10 = 1.6, max 4 -> (2 - 1.6) / (4 - 1.6)
    assert s.ari == pytest.approx(0.4 / 2.4)


def test_scores_only_gold_documents():
    gold = {"a": "1", "b": "1"}
    pred = {"a": "x", "b": "x", "noise": "x"}
    assert score_clusters(pred, gold).pair_precision == 1.0


@given(labels)
def test_perfect_prediction_scores_one(values):
    gold = as_map(values)
    s = score_clusters(gold, gold)
    assert (s.pair_precision, s.pair_recall, s.bcubed_f1, s.ari) == (1.0, 1.0, 1.0, 1.0)


@given(labels, labels)
def test_ari_does_not_change_when_labels_are_renamed(a, b):
    n = min(len(a), len(b))
    gold, pred = as_map(a[:n]), as_map(b[:n])
    renamed = as_map(b[:n], prefix="other-")
    assert score_clusters(pred, gold).ari == pytest.approx(score_clusters(renamed, gold).ari)


@given(labels, labels)
def test_pair_metrics_are_symmetric(a, b):
    n = min(len(a), len(b))
    x, y = as_map(a[:n]), as_map(b[:n])
    forward, backward = score_clusters(x, y), score_clusters(y, x)
    assert forward.pair_precision == pytest.approx(backward.pair_recall)
    assert forward.pair_f1 == pytest.approx(backward.pair_f1)
    assert forward.ari == pytest.approx(backward.ari)


def test_pair_gold_counts_unlabelled_merges_as_false_positives():
    pred = {"a": "1", "ap": "1", "b": "2", "bp": "3", "c": "1"}
    pairs = [("a", "ap", "WD"), ("b", "bp", "PD"), ("c", "cp", "ND")]
    s = score_pairs(pred, pairs, positive={"WD", "PD"})
    # merged pool pairs: a-ap, a-c, ap-c -> 3 predicted, 1 true positive, 2 positives
    assert (s.predicted, s.true_positives, s.positives) == (3, 1, 2)
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(0.5)
    assert s.merged_by_label == {"ND": (1, 0), "PD": (1, 0), "WD": (1, 1)}
