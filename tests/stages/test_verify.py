import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import RewriteConfig, VerifyConfig
from newsdedup.data import Fingerprint
from newsdedup.stages.decide import copy_kind, may_be_story, templates
from newsdedup.stages.verify import Rewrites, evidence, scores, verify, verify_pair

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
    assert copy_kind(0.05, 1.0, 5, cfg) is None
    assert copy_kind(0.05, 1.0, 10, cfg) == "contained"
    assert copy_kind(0.5, 0.6, 3, cfg) == "near"


def test_verify_keeps_only_copies():
    fps = [fp("a", range(100)), fp("b", range(5, 105)), fp("c", range(500, 600))]
    verified = verify(np.array([[0, 1], [0, 2]]), fps, VerifyConfig())
    assert [(m.a, m.b, m.kind) for m in verified.matches] == [("a", "b", "near")]
    assert verified.pending == []


# ---------------------------------------------------------------- rewrites


def rw(doc_id, words, grams, published=None, site=None):
    return Fingerprint(
        doc_id, doc_id, np.array(sorted(words), np.uint32), len(words), published, site,
        np.array(sorted(grams), np.uint32), site,
    )  # fmt: skip


def decide(a, b, cfg=None):
    cfg = cfg or RewriteConfig()
    weights = [np.ones(a.grams.size), np.ones(b.grams.size)]
    return verify_pair(a, b, VerifyConfig(), rewrites=Rewrites(cfg, weights), index=(0, 1))


def test_rewrite_needs_more_evidence_undated_and_none_beyond_the_window():
    # 40 shared grams of 200 in all: similarity 0.2; 2 of 20 word shingles shared
    grams_a, grams_b = range(120), range(80, 200)
    words_a, words_b = range(20), range(18, 38)
    near = decide(rw("a", words_a, grams_a, "2024-01-01"), rw("b", words_b, grams_b, "2024-01-02"))
    assert near is not None and near.kind == "rewrite" and near.similarity == 0.2 and near.days == 1
    far = decide(rw("a", words_a, grams_a, "2024-01-01"), rw("b", words_b, grams_b, "2024-02-01"))
    assert far is None
    # undated: the similarity is enough, but the shorter text shares too little wording
    # (1 of 20 word shingles, under the undated containment 0.1)
    assert decide(rw("a", words_a, grams_a), rw("b", range(19, 39), grams_b)) is None
    covered = decide(rw("a", words_a, grams_a), rw("b", range(15, 35), grams_b))
    assert covered is not None and covered.kind == "rewrite" and covered.days is None


def test_same_source_needs_the_same_source_bar():
    a = rw("a", range(20), range(120), "2024-01-01", site="AP")
    b = rw("b", range(18, 38), range(80, 200), "2024-01-01", site="AP")
    assert decide(a, b) is None
    assert decide(a, b, RewriteConfig(same_source=0.2)) is not None


def test_a_copy_beyond_the_window_is_still_a_copy():
    a = rw("a", range(100), range(100), "2020-01-01")
    b = rw("b", range(100), range(100), "2024-01-01")
    match = decide(a, b)
    assert match is not None and match.kind == "near"


# ---------------------------------------------------------------- far apart


days = st.one_of(st.none(), st.integers(0, 40).map(lambda d: f"2025-01-{1 + d % 28:02d}"))
docs = st.tuples(
    st.sets(st.integers(0, 15), max_size=14),  # few values: copies are common
    st.sets(st.integers(0, 30), max_size=25),
    days,
    st.sampled_from(["", "<AAA>", "<BBB>"]),
)


@given(st.lists(docs, min_size=2, max_size=12))
def test_pairs_settled_without_weights_give_what_weighing_them_gives(specs):
    """Pairs dated beyond the window that are no copy are passed over unweighed: the
    matches and pending pairs are those of weighing every pair (``verify_pair``, evidence).
    """
    fps = [
        Fingerprint(
            f"d{k}", f"d{k}", np.array(sorted(words), np.uint32), len(words), date, None,
            np.array(sorted(grams), np.uint32), None, marks=marks,
        )
        for k, (words, grams, date, marks) in enumerate(specs)
    ]  # fmt: skip
    weights = [np.linspace(1.0, 3.0, fp.grams.size) for fp in fps]
    rewrites = Rewrites(RewriteConfig(window_days=3.0), weights, 3.0, stories=True)
    cfg = VerifyConfig(threshold=0.5, containment=0.8, min_shingles=3)
    pairs = np.array([(i, j) for i in range(len(fps)) for j in range(i + 1, len(fps))])
    got = verify(pairs, fps, cfg, rewrites=rewrites)
    want, waiting = [], []
    for i, j in pairs.tolist():
        match = verify_pair(fps[i], fps[j], cfg, rewrites=rewrites, index=(i, j))
        if match is not None:
            want.append(match)
        elif not templates(fps[i].marks, fps[j].marks):
            found = evidence(fps[i], fps[j], weights[i], weights[j], 3.0)
            if may_be_story(found, 3.0):
                first, second = (i, j) if fps[i].doc_id <= fps[j].doc_id else (j, i)
                waiting.append((first, second, found))
    assert got.matches == want
    assert [(p.i, p.j, p.evidence) for p in got.pending] == waiting


def test_a_copy_far_apart_in_time_is_still_a_copy_with_its_similarity():
    words, grams = np.arange(30, dtype=np.uint32), np.arange(50, dtype=np.uint32)
    a = Fingerprint("a", "a", words, 30, "2025-01-01", None, grams, None)
    b = Fingerprint("b", "b", words[:28], 28, "2025-06-01", None, grams[:45], None)
    other = np.r_[words[20:], np.arange(100, 120, dtype=np.uint32)]
    c = Fingerprint("c", "c", other, 30, "2025-06-01", None, grams[:45], None)
    weights = [np.ones(50), np.ones(45), np.ones(45)]
    rewrites = Rewrites(RewriteConfig(), weights, 3.0, stories=True)
    got = verify(np.array([[0, 1], [0, 2]]), [a, b, c], VerifyConfig(), rewrites=rewrites)
    assert [(m.a, m.b, m.kind, m.similarity, m.days) for m in got.matches] == [
        ("a", "b", "near", 0.9, 151.0)
    ]
    assert got.pending == []  # a and c share 10 shingles, but months apart: no story
