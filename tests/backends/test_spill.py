"""Spilled arrays read back equal, outlive their file, and let go of their pages."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from newsdedup.backends.spill import Spill
from newsdedup.runtime import release_all, releasing

arrays = hnp.arrays(
    st.sampled_from([np.uint32, np.uint64, np.float64]),
    hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=50),
)


@given(st.lists(arrays, min_size=1, max_size=5))
def test_arrays_read_back_equal_after_the_file_closes_and_pages_go(items):
    with Spill() as spill:
        mapped = [spill.put(item) for item in items]  # odd sizes: regions start unaligned
    release_all()
    for item, back in zip(items, mapped, strict=True):
        assert back.dtype == item.dtype and back.shape == item.shape
        assert np.array_equal(back, item, equal_nan=True)


def test_releasing_yields_everything_in_order():
    assert list(releasing(iter(range(10)), every=3)) == list(range(10))


def _resident_file_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no RssFile line")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_release_lets_the_pages_go_and_keeps_the_data():
    data = np.arange(16 << 20, dtype=np.uint32)  # 64 MB
    with Spill() as spill:
        mapped = spill.put(data)
    before = _resident_file_mb()
    assert int(mapped.sum(dtype=np.uint64)) == int(data.sum(dtype=np.uint64))  # maps it all
    touched = _resident_file_mb()
    release_all()
    assert touched - before >= 48
    assert touched - _resident_file_mb() >= 48
    assert int(mapped[12345]) == 12345
