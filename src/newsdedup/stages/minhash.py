"""MinHash signatures of shingle sets: classic (datasketch-compatible) or one-permutation.

Two schemes (``minhash.scheme``):

* ``oph`` (default): one-permutation hashing with optimal densification (Li, Owen & Zhang,
  NIPS 2012; Shrivastava, ICML 2017). Each shingle falls into one of ``num_perm`` bins by a
  seeded hash; a bin keeps the smallest seeded hash of its shingles; an empty bin borrows
  the value of the first non-empty bin along its own seeded probe sequence, the same for
  every document, so two signatures agree in a position with probability equal to the
  Jaccard similarity. Its cost is one pass over the shingles plus ``num_perm``, not
  ``num_perm`` x shingles.
* ``affine32``: classic MinHash, ``num_perm`` hash functions over every shingle.

For ``affine32``, the permutations are taken from ``datasketch.MinHash`` itself, and the
arithmetic is datasketch's (MurmurHash3 pre-mix, then ``a * h + b`` modulo 2^32), so such a
signature equals ``datasketch.MinHash(num_perm, seed, scheme="affine32")`` updated with the
same 32-bit shingle hashes, and can be handed to datasketch's indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from newsdedup.config import MinHashConfig
from newsdedup.errors import ConfigError
from newsdedup.stages.shingle import Windows

_EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # datasketch's value for "no shingle seen"
_ROUNDS = 256  # densification probes before falling back to the next non-empty bin
_CHUNK = 1 << 16  # shingles per block in the affine32 product, to bound its memory


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
    return signatures([shingles], cfg)[0]


def signatures(shingle_sets: Sequence[np.ndarray], cfg: MinHashConfig) -> np.ndarray:
    """Return a ``(len(shingle_sets), num_perm)`` matrix of signatures."""
    sizes = np.fromiter((s.size for s in shingle_sets), dtype=np.int64, count=len(shingle_sets))
    doc = np.repeat(np.arange(len(shingle_sets)), sizes)
    values = np.concatenate([np.zeros(0, dtype=np.uint32), *shingle_sets]).astype(np.uint32)
    return window_signatures(Windows(doc, values, len(shingle_sets)), cfg)


def window_signatures(windows: Windows, cfg: MinHashConfig) -> np.ndarray:
    """Signatures of every document of a batch from its shingle windows (repeats allowed).

    Documents without shingles get ``0xFFFFFFFF`` everywhere, as datasketch does.
    """
    if cfg.scheme == "affine32":
        return _affine32(windows, cfg)
    return _oph(windows, cfg)


def _affine32(windows: Windows, cfg: MinHashConfig) -> np.ndarray:
    """Classic MinHash in the affine32 scheme, one block of shingles at a time."""
    perms = permutations(cfg)
    sig = np.full((windows.n_docs, cfg.num_perm), _EMPTY_VALUE, dtype=np.uint32)
    step = max(1, _CHUNK // cfg.num_perm * 64)
    for lo in range(0, windows.values.size, step):
        doc = windows.doc[lo : lo + step]
        mixed = _fmix32(windows.values[lo : lo + step].astype(np.uint32))[:, None]
        product = mixed * perms.a[None, :] + perms.b[None, :]
        heads = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
        block = np.minimum.reduceat(product, heads, axis=0)
        sig[doc[heads]] = np.minimum(sig[doc[heads]], block)
    return sig


@cache
def _oph_tables(num_perm: int, seed: int) -> tuple[np.uint32, np.ndarray]:
    """The bin-hash key and the densification probe sequence of every bin."""
    rng = np.random.default_rng([seed, num_perm, 0x0F4])
    key = np.uint32(rng.integers(0, 1 << 32, dtype=np.uint64))
    probes = rng.integers(0, num_perm, size=(_ROUNDS, num_perm))
    return key, probes


def _oph(windows: Windows, cfg: MinHashConfig) -> np.ndarray:
    """One-permutation hashing: the smallest shingle hash in each of ``num_perm`` bins."""
    k = cfg.num_perm
    key, _ = _oph_tables(k, cfg.seed)
    # One seeded hash gives both the bin (its high bits, by multiply-shift) and the rank in
    # the bin, so the order within a bin changes with the seed as a permutation's would.
    mixed = _fmix32(windows.values ^ key)
    bins = (mixed.astype(np.uint64) * np.uint64(k)) >> np.uint64(32)
    flat = np.full(windows.n_docs * k, _EMPTY_VALUE, dtype=np.uint32)
    np.minimum.at(flat, windows.doc.astype(np.int64) * k + bins.astype(np.int64), mixed)
    return _densify(flat.reshape(windows.n_docs, k), cfg)


def _densify(sig: np.ndarray, cfg: MinHashConfig) -> np.ndarray:
    """Fill empty bins by optimal densification (Shrivastava 2017), in place.

    An empty bin ``j`` takes the value of bin ``probes[t, j]`` for the first ``t`` where that
    bin holds a shingle of its own. Bins still empty after all rounds (documents with a
    handful of shingles) take the next non-empty bin to their right, wrapping around.
    """
    empty = sig == _EMPTY_VALUE
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if rows.size == 0:
        return sig
    _, probes = _oph_tables(cfg.num_perm, cfg.seed)
    own = sig[rows]
    filled = own.copy()
    todo = empty[rows]
    for probe in probes:
        borrowed = own[:, probe]
        take = todo & (borrowed != _EMPTY_VALUE)
        filled[take] = borrowed[take]
        todo &= ~take
        if not todo.any():
            break
    for r in np.flatnonzero(todo.any(axis=1)).tolist():
        filled[r] = _rotate(own[r], filled[r])
    sig[rows] = filled
    return sig


def _rotate(own: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Fill the still-empty bins with the next non-empty bin's own value, circularly."""
    present = np.flatnonzero(own != _EMPTY_VALUE)
    out = filled.copy()
    for j in np.flatnonzero(filled == _EMPTY_VALUE).tolist():
        out[j] = own[present[np.searchsorted(present, j) % present.size]]
    return out


def to_datasketch(sig: np.ndarray, cfg: MinHashConfig) -> Any:
    """Wrap a signature as a ``datasketch.LeanMinHash`` for datasketch's LSH and indexes."""
    from datasketch import LeanMinHash, MinHash

    if cfg.scheme != "affine32":
        raise ConfigError(
            f"minhash.scheme {cfg.scheme!r} signatures are not datasketch MinHashes; "
            "set minhash.scheme = 'affine32' to use datasketch's indexes"
        )

    return LeanMinHash(MinHash(seed=cfg.seed, hashvalues=sig, scheme=cfg.scheme))
