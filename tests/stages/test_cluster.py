import contextlib
from unittest import mock

import cluster_reference as reference
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.config import ChooseConfig
from newsdedup.data import Assignment, Cluster, Fingerprint, Match
from newsdedup.pipeline import _exact_matches
from newsdedup.stages import cluster as cluster_module
from newsdedup.stages.choose import preference
from newsdedup.stages.cluster import attach, cluster, exact_heads, records


def fp(doc_id, digest=None):
    return Fingerprint(
        doc_id, digest if digest is not None else doc_id, np.zeros(1, dtype=np.uint32), 10
    )


def m(a, b, jaccard=0.6, containment=0.7, kind="near"):
    return Match(a, b, jaccard, containment, kind)


def test_chain_is_cut_every_member_matches_the_representative():
    # a~b and b~c, but c has nothing in common with a: c must not join a's cluster.
    placed = attach(["a", "b", "c"], [m("a", "b"), m("b", "c")])
    assert placed["a"][0] == "a"
    assert placed["b"][0] == "a"
    assert placed["c"][0] == "c"


def test_joins_best_matching_leader():
    placed = attach(["a", "b", "c"], [m("a", "c", 0.55), m("b", "c", 0.9)])
    assert placed["c"][0] == "b"


def test_exact_copies_follow_their_leader():
    fps = [fp("a", "x"), fp("b", "x"), fp("c", "y"), fp("d", "")]
    clusters, rows = cluster(fps, [0, 1, 2, 3], [m("a", "c", 0.7, 0.8)])
    assert [(c.id, c.members) for c in clusters] == [("a", ("a", "b", "c")), ("d", ("d",))]
    assert [(r.doc_id, r.cluster_id, r.kind, r.jaccard) for r in rows] == [
        ("a", "a", "representative", 1.0),
        ("b", "a", "exact", 1.0),
        ("c", "a", "near", 0.7),
        ("d", "d", "empty", 0.0),
    ]


def test_exact_follower_of_a_joined_leader_carries_its_scores():
    fps = [fp("a", "x"), fp("b", "y"), fp("c", "y")]
    _, rows = cluster(fps, [0, 1, 2], [m("a", "b", 0.7, 0.9, "contained")])
    assert [(r.cluster_id, r.kind) for r in rows] == [
        ("a", "representative"),
        ("a", "contained"),
        ("a", "contained"),
    ]


edges = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda e: e[0] != e[1]), max_size=20
)


def partition(fps, matches):
    clusters, _ = cluster(fps, preference(fps, ChooseConfig()), matches)
    return sorted(tuple(sorted(c.members)) for c in clusters)


@given(edges, st.randoms())
def test_clusters_are_a_partition_independent_of_input_order(pairs, rnd):
    fps = [fp(f"d{i}") for i in range(8)]
    matches = [m(*sorted((f"d{a}", f"d{b}"))) for a, b in set(pairs)]
    groups = partition(fps, matches)
    members = [doc for group in groups for doc in group]
    assert sorted(members) == sorted(f.doc_id for f in fps)
    shuffled = fps[:]
    rnd.shuffle(shuffled)
    shuffled_matches = matches[:]
    rnd.shuffle(shuffled_matches)
    assert partition(shuffled, shuffled_matches) == groups


@given(edges)
def test_every_member_is_matched_directly_to_its_representative(pairs):
    fps = [fp(f"d{i}") for i in range(8)]
    matches = [m(*sorted((f"d{a}", f"d{b}"))) for a, b in set(pairs)]
    linked = {(x.a, x.b) for x in matches}
    clusters, _ = cluster(fps, preference(fps, ChooseConfig()), matches)
    for c in clusters:
        for member in c.members[1:]:
            assert tuple(sorted((member, c.representative))) in linked


# ---------------------------------------------------------------- the fast path equals the reference

SCORES = st.sampled_from([0.5, 1.0])
KINDS = st.sampled_from(["near", "contained", "rewrite", "rewrite", "exact"])


@st.composite
def corpora(draw):
    """Documents with ties in every key, exact groups, empty texts, and a match graph."""
    ids = draw(st.lists(st.text("abAB0", min_size=1, max_size=3), unique=True, max_size=12))
    fps = [
        Fingerprint(
            doc_id,
            draw(st.sampled_from(["", "x", "y", *[doc_id] * 5])),
            np.zeros(1, dtype=np.uint32),
            draw(st.integers(0, 3)),
            draw(st.sampled_from([None, "", "2024-01-01", "2024-01-02", "2024-01-01T00:00Z", "?"])),
            draw(st.sampled_from([None, "Wire", "Daily", "Herald"])),
        )
        for doc_id in ids
    ]
    known = [*ids, "unknown"]
    matches = draw(
        st.lists(
            st.builds(
                lambda a, b, jaccard, containment, kind, similarity: Match(
                    min(a, b), max(a, b), jaccard, containment, kind, similarity
                ),
                st.sampled_from(known[:4]) | st.sampled_from(known),
                st.sampled_from(known),
                SCORES,
                SCORES,
                KINDS,
                st.sampled_from([0.0, 0.1]),
            ),
            max_size=30,
        )
    )
    return fps, matches


POLICIES = [
    ChooseConfig(),
    ChooseConfig(policy="longest"),
    ChooseConfig(policy="source", source_priority=("Wire", "Herald")),
]


@settings(max_examples=300)
@given(corpora(), st.sampled_from(POLICIES), st.booleans())
def test_fast_path_equals_the_reference(corpus, policy, compiled):
    fps, matches = corpus
    order = reference.preference(fps, policy)
    fast_order = preference(fps, policy)
    assert fast_order.tolist() == order
    leaders = reference.exact_leaders(fps, order)
    heads = [fp.doc_id for fp in fps if leaders.get(fp.doc_id) == fp.doc_id]
    near = [m for m in matches if m.a in heads and m.b in heads and m.kind != "exact"]
    python = mock.patch.object(cluster_module, "_kernels", lambda: None)
    with contextlib.nullcontext() if compiled else python:
        for graph in (near, matches):  # what the pipeline gives, and any graph at all
            assert cluster(fps, fast_order, graph) == reference.cluster(fps, order, graph)
        assert attach(heads, matches) == reference.attach(heads, matches)
    found = exact_heads(fps, fast_order)
    joined = sorted(_exact_matches(fps, found, fast_order) + near, key=lambda m: (m.a, m.b))
    assert tuple(joined) == reference.all_matches(leaders, near)


def test_records_are_the_records_init_makes():
    columns = (["a", "b"], ["a", "a"], [True, False], [2, 2], [1.0, 0.5], [1.0, 0.7])
    columns += (["representative", "near"], [1.0, 0.2], ["a", "a"])
    assert records(Assignment, *columns) == list(map(Assignment, *columns))
    made = records(Cluster, ["a"], ["a"], [("a", "b")])
    assert made == [Cluster("a", "a", ("a", "b"))]
    assert hash(made[0]) == hash(Cluster("a", "a", ("a", "b")))


def test_records_need_every_field_and_equal_columns():
    with pytest.raises(TypeError, match="one column per field"):
        records(Cluster, ["a"], ["a"])
    with pytest.raises(ValueError, match="column 'members' has 0 values for 1 records"):
        records(Cluster, ["a"], ["a"], [])


def test_equal_candidates_go_by_preference_then_by_match_order():
    fps = [fp("a"), fp("b"), fp("c")]
    tied = [m("b", "c"), m("a", "c", kind="contained"), m("a", "c")]
    for graph in (tied, tied[::-1]):
        assert cluster(fps, [0, 1, 2], graph) == reference.cluster(fps, [0, 1, 2], graph)
    _, rows = cluster(fps, [0, 1, 2], tied)
    assert (rows[2].cluster_id, rows[2].kind) == ("a", "contained")
