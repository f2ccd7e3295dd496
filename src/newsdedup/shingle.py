"""Shingles: normalised text -> a sorted array of unique 32-bit shingle hashes.

Tokens are hashed once each with XXH3; n-grams are combined from token hashes with
numpy, so no Python object is made per shingle.
"""

from __future__ import annotations

import numpy as np
import xxhash

from newsdedup.clean import uses_spaces
from newsdedup.config import ShingleConfig

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio)
_EMPTY = np.zeros(0, dtype=np.uint32)


def _fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> np.uint64(33))


def rolling(unit_hashes: np.ndarray, size: int) -> np.ndarray:
    """The 32-bit hash of every run of ``size`` consecutive units, position by position.

    A text shorter than ``size`` units yields one hash of all its units, so short texts
    still compare.
    """
    count = unit_hashes.size
    if count == 0:
        return _EMPTY
    width = min(size, count)
    combined = unit_hashes[: count - width + 1].copy()
    for offset in range(1, width):
        combined = combined * _MULT + unit_hashes[offset : count - width + 1 + offset]
    return (_fmix64(combined) >> np.uint64(32)).astype(np.uint32)


def combine(unit_hashes: np.ndarray, size: int) -> np.ndarray:
    """Sorted unique 32-bit hashes of every run of ``size`` units (see :func:`rolling`)."""
    return np.unique(rolling(unit_hashes, size))


def word_hashes(normalized: str) -> np.ndarray:
    """XXH3-64 of every space-separated token, as ``uint64``."""
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter((digest(t.encode("utf-8")) for t in normalized.split()), dtype=np.uint64)


def char_hashes(normalized: str) -> np.ndarray:
    """Code points of the text without spaces, mixed, as ``uint64``."""
    points = np.frombuffer(normalized.replace(" ", "").encode("utf-32-le"), dtype=np.uint32)
    return _fmix64(points.astype(np.uint64) + _MULT)


def unit_for(normalized: str, cfg: ShingleConfig) -> str:
    """The shingle unit used for this text: ``word`` or ``char``."""
    if cfg.unit != "auto":
        return cfg.unit
    return "word" if uses_spaces(normalized) else "char"


def shingles(normalized: str, cfg: ShingleConfig) -> np.ndarray:
    """Return the sorted unique 32-bit shingle hashes of normalised text."""
    if unit_for(normalized, cfg) == "word":
        return combine(word_hashes(normalized), cfg.size)
    return combine(char_hashes(normalized), cfg.char_size)
