"""One-permutation MinHash: invariants, and an unbiased Jaccard estimate (fixed seeds)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import MinHashConfig
from newsdedup.stages.minhash import signatures, window_signatures
from newsdedup.stages.shingle import Windows

_EMPTY = 0xFFFFFFFF
_SETS = st.lists(
    st.lists(st.integers(0, 2**32 - 2), max_size=200).map(
        lambda v: np.unique(np.array(v, dtype=np.uint32))
    ),
    min_size=1,
    max_size=8,
)


@given(_SETS, st.sampled_from(["oph", "affine32"]), st.sampled_from([8, 64, 128]))
def test_windows_with_repeats_in_any_order_sign_like_the_sets(sets, scheme, num_perm):
    cfg = MinHashConfig(num_perm=num_perm, scheme=scheme)
    rng = np.random.default_rng(0)
    doc = np.concatenate([np.full(2 * s.size, i) for i, s in enumerate(sets)]).astype(np.int64)
    values = np.concatenate([np.zeros(0, np.uint32)] + [rng.permutation(np.r_[s, s]) for s in sets])
    windows = Windows(doc, values.astype(np.uint32), len(sets))
    assert np.array_equal(window_signatures(windows, cfg), signatures(sets, cfg))


@given(_SETS)
def test_oph_signature_of_a_set_does_not_depend_on_its_batch(sets):
    cfg = MinHashConfig(scheme="oph")
    together = signatures(sets, cfg)
    for i, s in enumerate(sets):
        assert np.array_equal(signatures([s], cfg)[0], together[i])


@given(_SETS)
def test_oph_fills_every_bin_of_a_non_empty_set_with_one_of_its_values(sets):
    cfg = MinHashConfig(scheme="oph")
    sig = signatures(sets, cfg)
    for s, row in zip(sets, sig, strict=True):
        if s.size:
            own = signatures([s[i : i + 1] for i in range(s.size)], cfg)[:, 0]
            assert np.isin(row, own).all()
        else:
            assert (row == _EMPTY).all()


def test_a_single_shingle_fills_all_bins():
    sig = signatures([np.array([12345], dtype=np.uint32)], MinHashConfig(scheme="oph"))
    assert (sig == sig[0, 0]).all() and sig[0, 0] != _EMPTY


def _pair(rng, jaccard, size):
    """Two sets of ``size`` random values with exactly the given Jaccard similarity."""
    shared = round(2 * size * jaccard / (1 + jaccard))
    values = rng.choice(2**32 - 1, size=2 * size - shared, replace=False).astype(np.uint32)
    return np.sort(values[:size]), np.sort(values[size - shared :])


def test_oph_estimate_is_unbiased_over_seeds():
    # 400 seeds of the hash; the mean estimate must lie within 4 standard errors of the
    # true Jaccard (fixed seeds, so the test is deterministic, not flaky).
    rng = np.random.default_rng(20240101)
    for jaccard, size in ((0.1, 40), (0.3, 300), (0.5, 100), (0.8, 600), (0.5, 12)):
        a, b = _pair(rng, jaccard, size)
        truth = np.intersect1d(a, b).size / np.union1d(a, b).size
        estimates = np.array(
            [
                np.mean(np.equal(*signatures([a, b], MinHashConfig(scheme="oph", seed=seed))))
                for seed in range(400)
            ]
        )
        error = estimates.std(ddof=1) / np.sqrt(estimates.size)
        assert abs(estimates.mean() - truth) < 4 * error + 1e-3, (jaccard, size)
        # and no worse than classic MinHash's variance p(1-p)/k, with some slack
        assert estimates.var() < 1.5 * truth * (1 - truth) / 128 + 1e-4
