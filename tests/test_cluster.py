import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.choose import preference
from newsdedup.cluster import attach, cluster
from newsdedup.config import ChooseConfig
from newsdedup.data import Fingerprint, Match


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
