"""The intersection kernels equal ``np.intersect1d`` on sorted sets of unique values."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.stages.rewrite import similarity
from newsdedup.stages.verify import overlap

verify_kernels = pytest.importorskip("newsdedup.kernels.verify")

sets = st.sets(st.integers(0, 60), max_size=40).map(
    lambda values: np.array(sorted(values), dtype=np.uint32)
)


@given(sets, sets)
def test_common_and_positions_equal_intersect1d(a, b):
    values, ia, _ = np.intersect1d(a, b, assume_unique=True, return_indices=True)
    assert verify_kernels.common(a, b) == values.size
    assert verify_kernels.common_in_a(a, b).tolist() == ia.tolist()


@given(sets, sets)
def test_scores_are_the_same_without_the_kernels(a, b):
    wa, wb = np.linspace(0.5, 2.0, a.size), np.linspace(1.0, 3.0, b.size)
    fast = (overlap(a, b), similarity(a, wa, b, wb))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSDEDUP_JIT", "0")
        assert (overlap(a, b), similarity(a, wa, b, wb)) == fast
