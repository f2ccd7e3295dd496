import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import RewriteConfig
from newsdedup.stages.rewrite import candidates, char_grams, needed, rarity, similarity

sets = st.sets(st.integers(0, 300), max_size=80).map(lambda s: np.array(sorted(s), dtype=np.uint32))


def weighted(gram_sets):
    rare = rarity(gram_sets)
    weights = [rare.weights(g) for g in gram_sets]
    return rare, weights, np.array([w.sum() for w in weights])


def test_char_grams_ignore_spacing_and_sample_consistently():
    cfg = RewriteConfig(sample=1)
    assert np.array_equal(char_grams("the harbour", cfg), char_grams("theharb our", cfg))
    sampled = char_grams("the harbour authority said", RewriteConfig(sample=4))
    full = char_grams("the harbour authority said", cfg)
    assert set(sampled.tolist()) <= set(full.tolist()) and np.all(sampled % 4 == 0)
    assert char_grams("", cfg).size == 0


def test_rare_grams_weigh_more():
    rare = rarity(
        [np.array([1, 2], np.uint32), np.array([1, 3], np.uint32), np.array([1], np.uint32)]
    )
    w = rare.weights(np.array([1, 2, 99], np.uint32))
    assert w[0] < w[1] < w[2]  # in all three < in one < in none


@given(sets, sets, sets)
def test_similarity_symmetric_bounded_and_one_for_identical(a, b, c):
    _rare, (wa, wb, _wc), _ = weighted([a, b, c])
    s = similarity(a, wa, b, wb)
    assert s == similarity(b, wb, a, wa)
    assert 0.0 <= s <= 1.0 + 1e-12
    if a.size:
        assert similarity(a, wa, a, wa) == 1.0


@given(st.lists(sets, min_size=2, max_size=8))
def test_candidates_hold_every_pair_at_the_floor_when_nothing_is_capped(gram_sets):
    cfg = RewriteConfig(threshold=0.1, undated=0.1, same_source=0.1, max_df=100)
    rare, weights, _ = weighted(gram_sets)
    found = {tuple(p) for p in candidates(gram_sets, rare, cfg).tolist()}
    for i in range(len(gram_sets)):
        for j in range(i + 1, len(gram_sets)):
            s = similarity(gram_sets[i], weights[i], gram_sets[j], weights[j])
            # with no n-gram capped the bound is exact: found iff it reaches half the bar
            assert ((i, j) in found) == (s >= 0.05 - 1e-9), (i, j, s)


def test_the_bar_depends_on_dates_and_sources():
    cfg = RewriteConfig(threshold=0.08, undated=0.15, same_source=0.3, window_days=3)
    assert needed(1.0, False, cfg) == 0.08
    assert needed(None, False, cfg) == 0.15
    assert needed(1.0, True, cfg) == 0.3 and needed(None, True, cfg) == 0.3
    assert needed(3.5, False, cfg) is None


def test_blocks_of_the_product_give_the_same_candidates(monkeypatch):
    import newsdedup.stages.rewrite as rewrite

    rng = np.random.default_rng(4)
    gram_sets = [np.unique(rng.integers(0, 60, 25)).astype(np.uint32) for _ in range(11)]
    cfg = RewriteConfig(threshold=0.1, undated=0.1, same_source=0.1)
    rare, _, _ = weighted(gram_sets)
    whole = candidates(gram_sets, rare, cfg)
    monkeypatch.setattr(rewrite, "_BLOCK", 3)
    assert np.array_equal(candidates(gram_sets, rare, cfg), whole) and whole.size


def test_threads_weigh_chunks_to_the_same_index():
    from newsdedup.stages.rewrite import index

    rng = np.random.default_rng(5)
    gram_sets = [np.unique(rng.integers(0, 400, 60)).astype(np.uint32) for _ in range(50)]
    rare, _, _ = weighted(gram_sets)
    order = rng.permutation(50)
    one = index(gram_sets, rare, 20, 1, order, chunk=4)
    two = index(gram_sets, rare, 20, 1, order, chunk=4, threads=2)
    assert np.array_equal(one.totals, two.totals)
    for a, b in ((one.weighted, two.weighted), (one.binary, two.binary)):
        assert (a != b).nnz == 0 and a.nnz > 0


@given(st.lists(sets, max_size=12))
def test_lazy_weights_and_chunked_totals_equal_the_direct_ones(gram_sets):
    from newsdedup.stages.rewrite import LazyWeights, totals

    rare = rarity(gram_sets)
    lazy = LazyWeights(gram_sets, rare, keep=3)  # a small cache: older entries are recomputed
    assert len(lazy) == len(gram_sets)
    for _ in range(2):
        for i, grams in enumerate(gram_sets):
            assert np.array_equal(lazy[i], rare.weights(grams))
    direct = [rare.weights(g).sum() for g in gram_sets]
    assert np.allclose(totals(gram_sets, rare, chunk=5), direct)


def test_sampled_candidates_still_find_strong_pairs():
    rng = np.random.default_rng(7)
    base = [
        np.unique(rng.integers(0, 2**32 - 1, 400, dtype=np.uint64)).astype(np.uint32)
        for _ in range(30)
    ]
    # each document has a rewrite sharing 60% of its n-grams
    gram_sets = base + [
        np.unique(
            np.r_[
                g[: int(g.size * 0.6)],
                rng.integers(0, 2**32 - 1, 160, dtype=np.uint64).astype(np.uint32),
            ]
        )
        for g in base
    ]
    rare, _, _ = weighted(gram_sets)
    found = {
        tuple(p) for p in candidates(gram_sets, rare, RewriteConfig(candidate_sample=4)).tolist()
    }
    assert {(i, i + 30) for i in range(30)} <= found
    exact = candidates(gram_sets, rare, RewriteConfig(candidate_sample=1))
    assert {tuple(p) for p in exact.tolist()} == {(i, i + 30) for i in range(30)}


DAY = 86400.0


@given(
    st.lists(sets, min_size=2, max_size=10),
    st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=10, max_size=10),
    st.sampled_from([1, 2, 3]),
)
def test_dates_only_prune_pairs_that_cannot_be_rewrites(gram_sets, dates, block):
    import newsdedup.stages.rewrite as rewrite

    cfg = RewriteConfig(threshold=0.1, undated=0.1, same_source=0.1, max_df=100, window_days=3)
    times = np.array([np.inf if d is None else d * DAY for d in dates[: len(gram_sets)]])
    rare = rarity(gram_sets)
    every = {tuple(p) for p in candidates(gram_sets, rare, cfg).tolist()}
    old, rewrite._BLOCK = rewrite._BLOCK, block
    try:
        dated = {tuple(p) for p in candidates(gram_sets, rare, cfg, times).tolist()}
    finally:
        rewrite._BLOCK = old
    in_window = {
        (i, j)
        for i, j in every
        if not (np.isfinite(times[i]) and np.isfinite(times[j]))
        or abs(times[i] - times[j]) <= 3 * DAY
    }
    assert dated == in_window


def test_finding_on_sets_already_sampled_scales_by_what_it_leaves_out():
    rng = np.random.default_rng(11)

    def fresh(k):  # n-grams a sample of 1 in 8 holds
        return (rng.integers(0, 2**29, k) * 8).astype(np.uint32)

    base = [np.unique(fresh(300)) for _ in range(20)]
    strong = [np.unique(np.r_[g[: g.size // 2], fresh(3)]) for g in base]
    weak = [np.unique(np.r_[g[:10], fresh(290)]) for g in base]  # ~2%: under the floor
    gram_sets = base + strong + weak
    rare = rarity(gram_sets)
    # held 1 in 8: a finder of 1 in 4 leaves nothing out, so it must find what 1 in 1 finds
    held = {tuple(p) for p in candidates(gram_sets, rare, RewriteConfig(sample=8)).tolist()}
    every = candidates(gram_sets, rare, RewriteConfig(sample=8, candidate_sample=1))
    quarter = candidates(gram_sets, rare, RewriteConfig(sample=8, candidate_sample=4))
    assert np.array_equal(quarter, every)
    assert {tuple(p) for p in every.tolist()} == held
    assert {(i, i + 20) for i in range(20)} <= held
    assert not {(i, i + 40) for i in range(20)} & held


def _pieced(gram_sets, rare, cfg, times, chunk):
    """:func:`candidates` from its pieces, chunk by chunk and span by span, as engines run it."""
    from newsdedup.stages.rewrite import date_plan, ordered, span_pairs, weighed

    plan = date_plan(times, rare, cfg)
    place_of = np.empty(len(gram_sets), dtype=np.int64)
    place_of[plan.order] = np.arange(len(gram_sets))
    totals = np.zeros(len(gram_sets))
    places, columns, weights = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)], [np.zeros(0)]
    for lo in range(0, len(gram_sets), chunk):
        sums, owner, column, weight = weighed(gram_sets[lo : lo + chunk], rare, plan)
        totals[place_of[lo : lo + sums.size]] = sums
        places.append(place_of[owner + lo])
        columns.append(column)
        weights.append(weight)
    place, column, weight = map(np.concatenate, (places, columns, weights))
    found = []
    for start, stop, first, end in plan.spans:
        inside = ((place >= start) & (place < stop)) | ((place >= first) & (place < end))
        entries = (place[inside], column[inside], weight[inside])
        found.append(span_pairs(plan, (start, stop, first, end), cfg, entries, totals))
    return ordered(found)


@given(
    st.lists(sets, min_size=1, max_size=14),
    st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=14, max_size=14),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([1, 2]),
    st.integers(1, 5),
)
def test_the_candidates_pieces_give_its_pairs(gram_sets, dates, block, finding, chunk):
    import newsdedup.stages.rewrite as rewrite

    cfg = RewriteConfig(
        threshold=0.1, undated=0.1, same_source=0.1, max_df=5, candidate_sample=finding
    )
    times = np.array([np.inf if d is None else d * DAY for d in dates[: len(gram_sets)]])
    rare = rarity(gram_sets)
    old, rewrite._BLOCK = rewrite._BLOCK, block
    try:
        whole = candidates(gram_sets, rare, cfg, times)
        pieced = _pieced(gram_sets, rare, cfg, times, chunk)
    finally:
        rewrite._BLOCK = old
    assert pieced.dtype == whole.dtype
    assert pieced.tolist() == whole.tolist()
