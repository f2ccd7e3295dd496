"""Count and look up keys: document frequencies of hundreds of millions of n-grams.

Rewrites weigh every character n-gram by how many documents hold it, so a run counts every
n-gram of the corpus once (about 2,000 per article) and looks every one up again to weigh
it. A sort-based count (``np.unique``) and a binary search per n-gram (``np.searchsorted``)
cost 60 to 100 ns a key; an open-addressing hash table compiled with numba costs a few, and
needs no array as long as all the keys.

:class:`KeyCounts` is the table; :func:`count` fills it from a stream of key arrays. Without
numba (or with ``NEWSDEDUP_JIT=0``) the same results come from numpy's sort and search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from newsdedup.kernels import jit

_MIN_BITS = 16
_CHUNK = 1 << 22  # keys per kernel call


@cache
def _kernels() -> Any:
    """The compiled kernels, or ``None`` when numba is missing or ``NEWSDEDUP_JIT=0``."""
    return jit.kernels("counting_jit")


@dataclass(frozen=True, slots=True)
class KeyCounts:
    """Distinct keys, sorted, with how often each was counted, and an index to find them.

    Attributes:
        keys: Every distinct key, ascending (``uint32``, or ``uint64`` if counted so).
        counts: How many times each key was counted.
        index: A hash index of ``uint32`` keys to their positions (see
            :func:`newsdedup.kernels.counting_jit.pack`), or empty: then :meth:`find`
            searches the sorted keys.
    """

    keys: np.ndarray
    counts: np.ndarray
    index: np.ndarray

    def find(self, keys: np.ndarray) -> np.ndarray:
        """The position of each key in :attr:`keys` (``int64``), or -1 where it is absent."""
        keys = np.ascontiguousarray(keys, dtype=self.keys.dtype)
        kernels = _kernels()
        if kernels is not None and self.index.size:
            out = np.empty(keys.size, dtype=np.int64)
            kernels.lookup(self.index, _shift(self.index.size), keys, out)
            return out
        if not self.keys.size:
            return np.full(keys.size, -1, dtype=np.int64)
        where = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        return np.where(self.keys[where] == keys, where, -1)

    def marks(self) -> np.ndarray:
        """A bitmap of the keys for :meth:`tally` (a lookup in it seldom misses the cache).

        Empty without the kernels.
        """
        kernels = _kernels()
        if kernels is None or not self.index.size:
            return np.zeros(0, dtype=np.uint64)
        return kernels.marks(self.index, _shift(self.index.size * 8))

    def tally(self, keys: np.ndarray, out: np.ndarray, marks: np.ndarray | None = None) -> None:
        """Add one to ``out[position]`` for every key of ``keys`` found (``out``: ``int64``).

        With ``marks`` (:meth:`marks`), only keys marked there are looked for in the index:
        faster where most keys are absent, as when every shingle of a corpus is looked up
        among the passages' own.
        """
        keys = np.ascontiguousarray(keys, dtype=self.keys.dtype)
        kernels = _kernels()
        if kernels is not None and self.index.size and marks is not None and marks.size:
            shift, bits_shift = _shift(self.index.size), _shift(self.index.size * 8)
            kernels.tally_marked(self.index, shift, marks, bits_shift, keys, out)
            return
        if kernels is not None and self.index.size:
            kernels.tally(self.index, _shift(self.index.size), keys, out)
            return
        where = self.find(keys)
        out += np.bincount(where[where >= 0], minlength=out.size)

    def holders(
        self, keys: np.ndarray, offsets: np.ndarray, marks: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which runs of ``keys`` hold which indexed keys, as ``(runs, positions)``.

        ``keys[offsets[r]:offsets[r + 1]]`` is run ``r`` (a document's shingles, say).
        Entries come run by run, in key order within a run. With ``marks``
        (:meth:`marks`), only keys marked there are looked for in the index.
        """
        keys = np.ascontiguousarray(keys, dtype=self.keys.dtype)
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        kernels = _kernels()
        if kernels is not None and self.index.size:
            bits = marks if marks is not None and marks.size else self.marks()
            shift, bits_shift = _shift(self.index.size), _shift(self.index.size * 8)
            return kernels.holders_marked(self.index, shift, bits, bits_shift, keys, offsets)
        where = self.find(keys)
        run = np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets))
        found = where >= 0
        return run[found], where[found]

    def gather(
        self,
        keys: np.ndarray,
        offsets: np.ndarray,
        values: np.ndarray,
        missing: float,
        counted: tuple[int, int],
        sample: int = 1,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sum and select, run by run, the values of keys found by :meth:`find`.

        Args:
            keys: Runs of keys, one after the other.
            offsets: ``keys[offsets[r]:offsets[r + 1]]`` is run ``r``.
            values: A value per distinct key (by position in :attr:`keys`).
            missing: The value of a key that was never counted.
            counted: ``(low, high)``: an entry is selected when its key was counted that
                many times (inclusive) ...
            sample: ... and the key is divisible by ``sample``.

        Returns:
            Each run's sum, and the selected entries' runs, key positions and values.
        """
        keys = np.ascontiguousarray(keys, dtype=self.keys.dtype)
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        sums = np.empty(offsets.size - 1, dtype=np.float64)
        kernels = _kernels()
        if kernels is not None and self.index.size:
            picked = (self.counts >= counted[0]) & (self.counts <= counted[1])
            signed = np.where(picked, values, -np.asarray(values, dtype=np.float64))
            runs, where, chosen = kernels.gather(
                self.index,
                _shift(self.index.size),
                keys,
                offsets,
                signed,
                float(missing),
                np.uint32(sample),
                sums,
            )
            return sums, runs, where, chosen
        where = self.find(keys)
        found = where >= 0
        value = np.where(found, values[np.maximum(where, 0)] if values.size else 0.0, missing)
        run = np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets))
        sums[:] = np.bincount(run, value, minlength=offsets.size - 1)
        seen = np.where(found, self.counts[np.maximum(where, 0)] if self.counts.size else 0, 0)
        keep = found & (seen >= counted[0]) & (seen <= counted[1])
        if sample > 1:
            keep &= keys % np.uint32(sample) == 0
        return sums, run[keep], where[keep], value[keep]


def _shift(size: int) -> np.uint64:
    return np.uint64(64 - (size.bit_length() - 1))


def count(arrays: Iterable[np.ndarray], at_least: int = 1) -> KeyCounts:
    """Count how often every key occurs across ``arrays``.

    Keys are ``uint32``, or ``uint64`` below ``2**63``. With arrays of unique keys per
    document, the counts are document frequencies. Only keys counted ``at_least`` times
    are kept (dropped before the sort: learning furniture keeps a few hundred of millions).
    """
    kernels = _kernels()
    if kernels is None:
        counted = _count_numpy(arrays)
        if at_least <= 1:
            return counted
        often = counted.counts >= at_least
        return KeyCounts(counted.keys[often], counted.counts[often], counted.index[:0])
    insert, place = kernels.insert, kernels.place
    dtype = np.dtype(np.uint32)
    slots = np.zeros(1 << _MIN_BITS, dtype=np.uint64)
    counts = np.zeros(1 << _MIN_BITS, dtype=np.int64)
    used = 0
    for block in blocks(arrays):
        dtype = block.dtype
        start = 0
        while start < block.size:
            limit = slots.size // 2
            start, used = insert(slots, counts, _shift(slots.size), block, start, used, limit)
            if start < block.size:  # half full: double the table and go on
                slots, counts = _grown(place, slots, counts)
    return _finish(slots, counts, dtype, at_least)


def indexed(keys: np.ndarray) -> KeyCounts:
    """An index of distinct ``uint32`` keys (counts all 0), for :meth:`KeyCounts.find`.

    Takes a quarter of the memory :func:`count` takes for the same keys: no counting table.
    """
    keys = _sorted_unique(np.asarray(keys, dtype=np.uint32))
    zeros = np.zeros(keys.size, dtype=np.int64)
    kernels = _kernels()
    if kernels is None:
        return KeyCounts(keys, zeros, np.zeros(0, dtype=np.uint64))
    size = 1 << max(_MIN_BITS, (2 * keys.size).bit_length())  # at most half full
    return KeyCounts(keys, zeros, kernels.pack(keys, size, _shift(size)))


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting: numpy 2's hash-based unique is ~15x slower on ``uint32``."""
    ordered = np.sort(keys)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered


def _grown(place: Any, slots: np.ndarray, counts: np.ndarray) -> tuple[Any, Any]:
    """A table twice as large holding the same keys and counts."""
    held = slots != 0
    bigger = np.zeros(slots.size * 2, dtype=np.uint64)
    tallies = np.zeros(slots.size * 2, dtype=np.int64)
    place(bigger, tallies, _shift(bigger.size), slots[held], counts[held])
    return bigger, tallies


def _finish(slots: np.ndarray, counts: np.ndarray, dtype: np.dtype, at_least: int = 1) -> KeyCounts:
    held = np.flatnonzero((slots != 0) & (counts >= at_least) if at_least > 1 else slots)
    keys = (slots[held] - np.uint64(1)).astype(dtype)
    order = np.argsort(keys, kind="stable")
    keys, tallies = keys[order], counts[held][order]
    index = np.zeros(0, dtype=np.uint64)
    if dtype == np.uint32:
        index = _kernels().pack(keys, slots.size, _shift(slots.size))
    return KeyCounts(keys, tallies, index)


def blocks(arrays: Iterable[np.ndarray], size: int = _CHUNK) -> Iterator[np.ndarray]:
    """The arrays joined into blocks of about ``size`` keys, so kernel calls are few."""
    pending: list[np.ndarray] = []
    held = 0
    for array in arrays:
        pending.append(array)
        held += array.size
        if held >= size:
            yield _joined(pending)
            pending, held = [], 0
    if held:
        yield _joined(pending)


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays as one: ``uint64`` if any is, else ``uint32``."""
    wide = any(a.dtype == np.uint64 for a in arrays)
    return np.concatenate(arrays).astype(np.uint64 if wide else np.uint32, copy=False)


def _count_numpy(arrays: Iterable[np.ndarray]) -> KeyCounts:
    """:func:`count` by sorting: the reference, and the path without numba."""
    parts = [np.asarray(a) for a in arrays]
    wide = any(a.dtype == np.uint64 for a in parts)
    joined = np.concatenate([np.zeros(0, np.uint64 if wide else np.uint32), *parts])
    keys, counts = np.unique(joined.astype(np.uint64 if wide else np.uint32), return_counts=True)
    return KeyCounts(keys, counts.astype(np.int64), np.zeros(0, dtype=np.uint64))
