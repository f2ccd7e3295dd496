from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import LSHConfig
from newsdedup.errors import ConfigError
from newsdedup.stages.lsh import (
    Banding,
    band_entries,
    banded,
    candidate_pairs,
    choose_banding,
    entry_pairs,
    probability,
)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.9])
def test_banding_reaches_recall_at_threshold(threshold):
    banding = choose_banding(LSHConfig(threshold=threshold, recall=0.99), 128)
    assert banding.bands * banding.rows <= 128
    assert probability(threshold, banding.bands, banding.rows) >= 0.99
    assert banding.recall_at_threshold >= 0.99


def test_banding_is_the_cheapest_that_reaches_recall():
    chosen = choose_banding(LSHConfig(threshold=0.5, recall=0.99), 128)
    # one more row per band would miss the recall target
    assert probability(0.5, 128 // (chosen.rows + 1), chosen.rows + 1) < 0.99


def test_explicit_bands_rows_are_used():
    banding = choose_banding(LSHConfig(bands=16, rows=8), 128)
    assert (banding.bands, banding.rows) == (16, 8)


def test_candidates_find_identical_and_not_unrelated():
    rng = np.random.default_rng(1)
    sigs = rng.integers(0, 2**32, (5, 32), dtype=np.uint64).astype(np.uint32)
    sigs[3] = sigs[0]
    pairs = candidate_pairs(sigs, Banding(8, 4, 1.0))
    assert pairs.tolist() == [[0, 3]]


def test_candidates_unique_and_ordered():
    sigs = np.zeros((4, 8), dtype=np.uint32)
    pairs = candidate_pairs(sigs, Banding(4, 2, 1.0))
    assert pairs.tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]


def test_no_documents_no_pairs():
    assert candidate_pairs(np.zeros((0, 8), dtype=np.uint32), Banding(4, 2, 1.0)).shape == (0, 2)


def _bucket_pairs_reference(keys):
    """The plain loop over buckets that the vectorised version replaces."""
    n = keys.size
    codes = set()
    for key in np.unique(keys).tolist():
        members = np.flatnonzero(keys == key).tolist()
        codes.update(a * n + b for i, a in enumerate(members) for b in members[i + 1 :])
    return sorted(codes)


@given(st.lists(st.integers(0, 6), max_size=60))
def test_bucket_pairs_equal_the_plain_loop(values):
    from newsdedup.stages.lsh import bucket_pairs

    keys = np.array(values, dtype=np.uint64)
    assert sorted(bucket_pairs(keys).tolist()) == _bucket_pairs_reference(keys)


@given(
    st.integers(1, 200),
    st.integers(1, 6),
    st.integers(1, 3),
    st.integers(1, 4),
    st.integers(0, 2**16),
)
def test_the_kernel_finds_the_pairs_sorting_finds(n, alphabet, bands, rows, seed):
    # Few distinct values: many rows share bands, buckets of every size.
    sigs = np.random.default_rng(seed).integers(0, alphabet, size=(n, bands * rows))
    sigs = sigs.astype(np.uint32)
    banding = Banding(bands, rows, 1.0)
    kernel = candidate_pairs(sigs, banding)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSDEDUP_JIT", "0")
        assert np.array_equal(candidate_pairs(sigs, banding), kernel)


def test_rows_left_out_are_in_no_pair_and_the_rest_keep_their_numbers():
    sigs = np.zeros((6, 8), dtype=np.uint32)  # every row shares every band
    skip = np.array([False, True, False, True, True, False])
    found = banded(sigs, Banding(4, 2, 1.0), skip=skip)
    assert found.pairs.tolist() == [[0, 2], [0, 5], [2, 5]]
    assert found.left_out == 3


@given(
    st.integers(1, 120),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 12),
    st.integers(0, 2**16),
    st.booleans(),
)
def test_capped_buckets_are_chained_alike_by_kernel_and_reference(
    n, alphabet, bands, max_bucket, seed, jit
):
    sigs = np.random.default_rng(seed).integers(0, alphabet, size=(n, bands * 2))
    sigs = sigs.astype(np.uint32)
    banding = Banding(bands, 2, 1.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSDEDUP_JIT", "1" if jit else "0")
        found = banded(sigs, banding, max_bucket=max_bucket)
    expected, capped = set(), 0
    for band in range(bands):
        buckets: dict[tuple[int, ...], list[int]] = {}
        for row in range(n):
            buckets.setdefault(tuple(sigs[row, 2 * band : 2 * band + 2]), []).append(row)
        for rows in buckets.values():
            if max_bucket and len(rows) > max_bucket:
                capped += 1
                expected |= set(pairwise(rows))
            else:
                expected |= {(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :]}
    assert [tuple(p) for p in found.pairs.tolist()] == sorted(expected)
    assert found.capped == capped


def test_a_capped_bucket_costs_its_size_not_its_square():
    sigs = np.zeros((3000, 8), dtype=np.uint32)
    found = banded(sigs, Banding(4, 2, 1.0), max_bucket=2000)
    assert len(found.pairs) == 2999
    assert found.capped == 4


def test_bands_past_the_signature_are_refused():
    with pytest.raises(ConfigError, match="num_perm"):
        candidate_pairs(np.zeros((3, 8), dtype=np.uint32), Banding(5, 2, 1.0))


def _spread(parts, keys, *columns):
    """Entries sent where their key goes, as an engine's shuffle sends them."""
    dest = (keys % np.uint64(parts)).astype(np.int64)
    return [tuple(column[dest == p] for column in columns) for p in range(parts)]


@given(
    st.integers(0, 120),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 6),
    st.integers(1, 40),
    st.integers(1, 5),
    st.integers(0, 2**16),
)
def test_band_entries_gathered_anywhere_give_the_pairs_of_banded(
    n, alphabet, bands, max_bucket, chunk, parts, seed
):
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, alphabet, size=(n, bands * 2)).astype(np.uint32)
    skip = rng.random(n) < 0.2
    banding = Banding(bands, 2, 1.0)
    whole = banded(sigs, banding, max_bucket=max_bucket, skip=skip)
    entries = [band_entries(sigs[:0], np.zeros(0), banding)]  # chunk by chunk, as engines do
    for lo in range(0, n, chunk):
        keep = np.flatnonzero(~skip[lo : lo + chunk]) + lo
        entries.append(band_entries(sigs[keep], keep, banding))
    joined = [np.concatenate([e[k] for e in entries]) for k in range(3)]
    found = [entry_pairs(*part, max_bucket) for part in _spread(parts, joined[1], *joined)]
    pairs = np.concatenate([np.zeros((0, 2), np.int64), *(p for p, _ in found)])
    pairs = np.unique(pairs, axis=0) if pairs.size else pairs
    assert pairs.tolist() == whole.pairs.tolist()
    assert sum(capped for _, capped in found) == whole.capped


def test_no_band_entries_no_pairs():
    bands, keys, rows = band_entries(np.zeros((0, 8), np.uint32), np.zeros(0), Banding(4, 2, 1.0))
    pairs, capped = entry_pairs(bands, keys, rows, 3)
    assert pairs.shape == (0, 2) and capped == 0
