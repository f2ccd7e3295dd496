"""MinHash signatures of shingle sets, bit-compatible with datasketch 2.x.

The permutations are taken from ``datasketch.MinHash`` itself, and the arithmetic is
datasketch's ``affine32`` scheme (MurmurHash3 pre-mix, then ``a * h + b`` modulo 2^32), so
a signature made here equals ``datasketch.MinHash(num_perm, seed, scheme="affine32")``
updated with the same 32-bit shingle hashes, and can be handed to datasketch's indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from newsdedup.config import MinHashConfig

_EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # datasketch's value for "no shingle seen"


@dataclass(frozen=True, slots=True)
class Permutations:
    """The ``a`` and ``b`` coefficients of the ``num_perm`` affine permutations."""

    a: np.ndarray
    b: np.ndarray


@cache
def permutations(cfg: MinHashConfig) -> Permutations:
    """Return datasketch's permutations for this config (computed once per config)."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, scheme=cfg.scheme).permutations
    return Permutations(a=a.astype(np.uint32), b=b.astype(np.uint32))


def _fmix32(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def signature(shingles: np.ndarray, cfg: MinHashConfig) -> np.ndarray:
    """Return the MinHash signature (``uint32``, length ``num_perm``) of a shingle set."""
    perms = permutations(cfg)
    if shingles.size == 0:
        return np.full(cfg.num_perm, _EMPTY_VALUE, dtype=np.uint32)
    mixed = _fmix32(shingles.astype(np.uint32))[:, None]
    return (mixed * perms.a[None, :] + perms.b[None, :]).min(axis=0)


def signatures(shingle_sets: list[np.ndarray], cfg: MinHashConfig) -> np.ndarray:
    """Return a ``(len(shingle_sets), num_perm)`` matrix of signatures."""
    matrix = np.empty((len(shingle_sets), cfg.num_perm), dtype=np.uint32)
    for row, shingles in enumerate(shingle_sets):
        matrix[row] = signature(shingles, cfg)
    return matrix


def to_datasketch(sig: np.ndarray, cfg: MinHashConfig) -> Any:
    """Wrap a signature as a ``datasketch.LeanMinHash`` for datasketch's LSH and indexes."""
    from datasketch import LeanMinHash, MinHash

    return LeanMinHash(MinHash(seed=cfg.seed, hashvalues=sig, scheme=cfg.scheme))
