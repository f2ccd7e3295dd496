import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup import counting

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
    assert fast.slots.size > 1 << counting._MIN_BITS  # the table had to grow
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
