import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import VerifyConfig
from newsdedup.data import Fingerprint
from newsdedup.verify import kind_of, scores, verify, verify_pair

sets = st.sets(st.integers(0, 200), max_size=60).map(lambda s: np.array(sorted(s), dtype=np.uint32))


def fp(doc_id, values):
    return Fingerprint(doc_id, doc_id, np.array(sorted(values), dtype=np.uint32), len(values))


@given(sets, sets)
def test_scores_symmetric_bounded_and_jaccard_at_most_containment(a, b):
    jaccard, containment = scores(a, b)
    assert (jaccard, containment) == scores(b, a)
    assert 0.0 <= jaccard <= containment <= 1.0


@given(sets)
def test_identical_sets_score_one(a):
    if a.size:
        assert scores(a, a) == (1.0, 1.0)


def test_truncated_copy_is_contained():
    full, half = fp("full", range(100)), fp("half", range(50))
    match = verify_pair(full, half, VerifyConfig(threshold=0.6, containment=0.8))
    assert match is not None
    assert (match.a, match.b, match.jaccard, match.containment, match.kind) == (
        "full",
        "half",
        0.5,
        1.0,
        "contained",
    )


def test_short_text_is_not_contained_in_everything():
    cfg = VerifyConfig(threshold=0.5, containment=0.8, min_shingles=10)
    assert kind_of(0.05, 1.0, 5, cfg) is None
    assert kind_of(0.05, 1.0, 10, cfg) == "contained"
    assert kind_of(0.5, 0.6, 3, cfg) == "near"


def test_verify_keeps_only_copies():
    fps = [fp("a", range(100)), fp("b", range(5, 105)), fp("c", range(500, 600))]
    matches = verify(np.array([[0, 1], [0, 2]]), fps, VerifyConfig())
    assert [(m.a, m.b, m.kind) for m in matches] == [("a", "b", "near")]
