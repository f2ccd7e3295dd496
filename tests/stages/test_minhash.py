import numpy as np
from datasketch import MinHash
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import MinHashConfig
from newsdedup.stages.minhash import signature, signatures, to_datasketch


@given(
    st.sets(st.integers(0, 2**32 - 1), min_size=1, max_size=300),
    st.sampled_from([16, 64, 128]),
    st.integers(0, 5),
)
def test_signature_equals_datasketch(values, num_perm, seed):
    cfg = MinHashConfig(num_perm=num_perm, seed=seed, scheme="affine32")
    shingles = np.array(sorted(values), dtype=np.uint32)
    reference = MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=lambda x: x)
    reference.update_batch([int(v) for v in shingles])
    assert np.array_equal(signature(shingles, cfg), reference.hashvalues)


def test_empty_set_gives_datasketch_empty_signature():
    cfg = MinHashConfig(num_perm=16, scheme="affine32")
    assert np.array_equal(
        signature(np.zeros(0, dtype=np.uint32), cfg), MinHash(num_perm=16).hashvalues
    )


def test_estimate_close_to_true_jaccard():
    rng = np.random.default_rng(0)
    base = np.unique(rng.integers(0, 2**32, 2000, dtype=np.uint64).astype(np.uint32))
    half = base[: base.size // 2]
    cfg = MinHashConfig(num_perm=256, scheme="affine32")
    a, b = signatures([base, half], cfg)
    assert abs(float(np.mean(a == b)) - 0.5) < 0.1
    assert abs(to_datasketch(a, cfg).jaccard(to_datasketch(b, cfg)) - 0.5) < 0.1


def test_oph_estimate_close_to_true_jaccard():
    rng = np.random.default_rng(0)
    base = np.unique(rng.integers(0, 2**32, 2000, dtype=np.uint64).astype(np.uint32))
    half = base[: base.size // 2]
    a, b = signatures([base, half], MinHashConfig(num_perm=256, scheme="oph"))
    assert abs(float(np.mean(a == b)) - 0.5) < 0.1


def test_oph_signatures_refuse_to_become_datasketch_minhashes():
    import pytest

    from newsdedup.errors import ConfigError

    cfg = MinHashConfig(scheme="oph")
    with pytest.raises(ConfigError, match="affine32"):
        to_datasketch(signature(np.arange(5, dtype=np.uint32), cfg), cfg)
