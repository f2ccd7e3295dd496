import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.kernels import counting

keys = st.lists(st.integers(0, 2**32 - 1), max_size=60).map(lambda v: np.array(v, np.uint32))


def _both(arrays):
    return counting.count(arrays), counting._count_numpy(arrays)


@given(st.lists(keys, max_size=12))
def test_hash_table_counts_equal_sorting(arrays):
    fast, ref = _both(arrays)
    assert np.array_equal(fast.keys, ref.keys)
    assert np.array_equal(fast.counts, ref.counts)
    probe = np.concatenate([np.array([0, 1, 2**32 - 1], np.uint32), *arrays])
    assert np.array_equal(fast.find(probe), ref.find(probe))


def test_table_grows_and_keeps_every_count(monkeypatch):
    monkeypatch.setattr(counting, "_CHUNK", 1000)
    rng = np.random.default_rng(3)
    # many keys with equal low bits (as sampled n-grams have), counted several times
    arrays = [(rng.integers(0, 40_000, 3000) * 8).astype(np.uint32) for _ in range(30)]
    fast, ref = _both(arrays)
    assert fast.index.size > 1 << counting._MIN_BITS  # the table had to grow
    assert np.array_equal(fast.keys, ref.keys) and np.array_equal(fast.counts, ref.counts)
    assert np.array_equal(fast.find(arrays[0]), ref.find(arrays[0]))
    assert (fast.find(np.array([1, 3], np.uint32)) == -1).all()


def test_without_numba_the_sorting_path_answers(monkeypatch):
    monkeypatch.setenv("NEWSDEDUP_JIT", "0")
    counting._kernels.cache_clear()
    try:
        counted = counting.count([np.array([5, 1], np.uint32), np.array([5], np.uint32)])
        assert counted.keys.tolist() == [1, 5] and counted.counts.tolist() == [1, 2]
        assert counted.find(np.array([5, 7], np.uint32)).tolist() == [1, -1]
    finally:
        counting._kernels.cache_clear()


@pytest.mark.parametrize("arrays", [[], [np.zeros(0, np.uint32)]])
def test_nothing_to_count(arrays):
    counted = counting.count(arrays)
    assert counted.keys.size == 0 and counted.find(np.array([4], np.uint32)).tolist() == [-1]


@given(
    st.lists(keys, max_size=8),
    st.lists(keys, max_size=4),
    st.integers(1, 3),
    st.integers(1, 4),
    st.sampled_from([1, 2, 4]),
)
def test_gather_sums_and_selects_alike_with_and_without_the_kernel(
    counted_from, runs, low, span, sample
):
    fast = counting.count(counted_from)
    values = np.arange(fast.keys.size, dtype=np.float64) * 0.5 + 1.0
    keys_flat = np.concatenate([np.zeros(0, np.uint32), *runs])
    offsets = np.r_[0, np.cumsum([r.size for r in runs])].astype(np.int64)
    got = fast.gather(keys_flat, offsets, values, 9.0, (low, low + span), sample)
    # a table counted by sorting has no slots: it answers by numpy's search
    ref = counting._count_numpy(counted_from).gather(
        keys_flat, offsets, values, 9.0, (low, low + span), sample
    )
    for a, b in zip(got, ref, strict=True):
        assert np.allclose(a, b) and a.shape == b.shape
    # the sums are the values of every key, found or not
    where = fast.find(keys_flat)
    each = np.where(where >= 0, values[np.maximum(where, 0)] if values.size else 0, 9.0)
    assert np.allclose(got[0], [each[lo:hi].sum() for lo, hi in itertools.pairwise(offsets)])


@given(keys, keys)
def test_an_index_finds_what_a_count_finds(held, probe):
    fast = counting.indexed(held)
    ref = counting._count_numpy([np.unique(held)])
    assert np.array_equal(fast.keys, ref.keys) and not fast.counts.any()
    assert np.array_equal(fast.find(probe), ref.find(probe))


@given(keys, st.lists(keys, max_size=6))
def test_tally_adds_what_find_finds(held, probes):
    table = counting.indexed(held)
    tally = np.zeros(table.keys.size, dtype=np.int64)
    for probe in probes:
        table.tally(probe, tally)
    where = np.concatenate([np.zeros(0, np.int64), *(table.find(p) for p in probes)])
    assert tally.tolist() == np.bincount(where[where >= 0], minlength=table.keys.size).tolist()
    # ... and the table without its index (the path without numba) adds alike
    plain = counting.KeyCounts(table.keys, table.counts, np.zeros(0, np.uint64))
    again = np.zeros(table.keys.size, dtype=np.int64)
    for probe in probes:
        plain.tally(probe, again)
    assert again.tolist() == tally.tolist()


@given(keys, keys, st.integers(0, 3))
def test_tally_with_marks_adds_what_tally_adds(held, others, repeats):
    table = counting.indexed(held)
    probe = np.concatenate([np.tile(held, repeats), others])  # keys held and keys not held
    plain = np.zeros(table.keys.size, dtype=np.int64)
    marked = np.zeros(table.keys.size, dtype=np.int64)
    table.tally(probe, plain)
    table.tally(probe, marked, table.marks())
    assert marked.tolist() == plain.tolist()
    assert plain.sum() >= repeats * table.keys.size  # every held key was found


@given(st.lists(keys, max_size=12), st.integers(1, 4))
def test_at_least_keeps_the_keys_counted_that_often(arrays, at_least):
    every = counting.count(arrays)
    often = every.counts >= at_least
    for counted in (counting.count(arrays, at_least), _numpy_count(arrays, at_least)):
        assert counted.keys.tolist() == every.keys[often].tolist()
        assert counted.counts.tolist() == every.counts[often].tolist()


def _numpy_count(arrays, at_least):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(counting, "_kernels", lambda: None)
        return counting.count(arrays, at_least)


@given(keys, st.lists(keys, max_size=6))
def test_holders_are_the_runs_that_hold_each_key(held, runs):
    table = counting.indexed(held)
    flat = np.concatenate([np.zeros(0, np.uint32), *runs])
    offsets = np.r_[0, np.cumsum([r.size for r in runs])].astype(np.int64)
    expected = [
        (run, int(table.find(np.array([key], np.uint32))[0]))
        for run, keys_of_run in enumerate(runs)
        for key in keys_of_run.tolist()
        if key in set(held.tolist())
    ]
    got = table.holders(flat, offsets)
    assert list(zip(*(part.tolist() for part in got), strict=True)) == expected
    # ... the same with the kernel's marks, and without the index (the path without numba)
    marked = table.holders(flat, offsets, table.marks())
    plain = counting.KeyCounts(table.keys, table.counts, np.zeros(0, np.uint64))
    for other in (marked, plain.holders(flat, offsets)):
        assert [part.tolist() for part in other] == [part.tolist() for part in got]


def test_holders_grow_past_their_first_room():
    table = counting.indexed(np.arange(10, dtype=np.uint32))
    runs = [np.arange(10, dtype=np.uint32)] * 300  # 3,000 hits: more than the first 1,024
    offsets = np.arange(0, 3001, 10, dtype=np.int64)
    got_runs, got_ranks = table.holders(np.concatenate(runs), offsets)
    assert got_runs.tolist() == np.repeat(np.arange(300), 10).tolist()
    assert got_ranks.tolist() == np.tile(np.arange(10), 300).tolist()
