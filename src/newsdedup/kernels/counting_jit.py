"""The compiled kernels of :mod:`newsdedup.kernels.counting`: an open-addressing hash table.

A slot holds ``key + 1`` (0 marks it empty) and sits at the top bits of ``(key + 1) * C``
(multiply-shift hashing, so keys whose low bits are all equal, as sampled n-grams are,
still spread), probing linearly. Importing this module imports numba.
"""

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_ONE = np.uint64(1)


@numba.njit(cache=True, nogil=True)
def insert(slots, counts, shift, keys, start, used, limit):
    """Count ``keys[start:]`` into the table until it holds ``limit`` keys.

    Returns where it stopped and how many slots are used.
    """
    mask = np.uint64(slots.size - 1)
    for i in range(start, keys.size):
        if used >= limit:
            return i, used
        key = np.uint64(keys[i]) + _ONE
        h = (key * _GOLDEN) >> shift
        while True:
            here = slots[h]
            if here == key:
                counts[h] += 1
                break
            if here == 0:
                slots[h] = key
                counts[h] = 1
                used += 1
                break
            h = (h + _ONE) & mask
    return keys.size, used


@numba.njit(cache=True, nogil=True)
def place(slots, counts, shift, held, tallies):
    """Put distinct slot values ``held`` (key + 1) with their ``tallies`` into an empty table."""
    mask = np.uint64(slots.size - 1)
    for i in range(held.size):
        key = held[i]
        h = (key * _GOLDEN) >> shift
        while slots[h] != 0:
            h = (h + _ONE) & mask
        slots[h] = key
        counts[h] = tallies[i]


@numba.njit(cache=True, nogil=True)
def pack(keys, size, shift):
    """An index of sorted ``uint32`` keys: slot = ``key << 32 | rank + 1`` (0 for empty).

    Key and rank share one word, so finding a key costs one cache miss, not two.
    """
    mask = np.uint64(size - 1)
    index = np.zeros(size, dtype=np.uint64)
    for rank in range(keys.size):
        key = np.uint64(keys[rank])
        h = ((key + _ONE) * _GOLDEN) >> shift
        while index[h] != 0:
            h = (h + _ONE) & mask
        index[h] = (key << np.uint64(32)) | np.uint64(rank + 1)
    return index


@numba.njit(cache=True, nogil=True, inline="always")
def _rank(index, mask, shift, key):
    """The rank of ``key`` in a :func:`pack` index, or -1."""
    h = ((key + _ONE) * _GOLDEN) >> shift
    while True:
        here = index[h]
        if here == 0:
            return -1
        if (here >> np.uint64(32)) == key:
            return np.int64(here & np.uint64(0xFFFFFFFF)) - 1
        h = (h + _ONE) & mask


@numba.njit(cache=True, nogil=True)
def lookup(index, shift, keys, out):
    """``out[i]``: the rank of ``keys[i]`` among the indexed keys, or -1 if it is absent."""
    mask = np.uint64(index.size - 1)
    for i in range(keys.size):
        out[i] = _rank(index, mask, shift, np.uint64(keys[i]))


@numba.njit(cache=True, nogil=True)
def tally(index, shift, keys, out):
    """``out[rank] += 1`` for every key of ``keys`` found in the index."""
    mask = np.uint64(index.size - 1)
    for i in range(keys.size):
        rank = _rank(index, mask, shift, np.uint64(keys[i]))
        if rank >= 0:
            out[rank] += 1


@numba.njit(cache=True, nogil=True)
def marks(index, shift):
    """A bitmap of the keys of a :func:`pack` index: bit ``((key + 1) * C) >> shift`` set.

    Eight bits a slot of the index (an eighth of its bytes), so at most one bit in eight
    is set: most absent keys are told apart by one bit, which stays in the cache where
    the index does not.
    """
    bits = np.zeros(max(index.size // 8, 1), dtype=np.uint64)  # index.size * 8 bits
    for slot in range(index.size):
        here = index[slot]
        if here != 0:
            h = (((here >> np.uint64(32)) + _ONE) * _GOLDEN) >> shift
            bits[h >> np.uint64(6)] |= _ONE << (h & np.uint64(63))
    return bits


@numba.njit(cache=True, nogil=True)
def tally_marked(index, shift, bits, bits_shift, keys, out):
    """:func:`tally`, looking in the index only for keys whose bit (:func:`marks`) is set."""
    mask = np.uint64(index.size - 1)
    for i in range(keys.size):
        key = np.uint64(keys[i])
        h = ((key + _ONE) * _GOLDEN) >> bits_shift
        if (bits[h >> np.uint64(6)] >> (h & np.uint64(63))) & _ONE:
            rank = _rank(index, mask, shift, key)
            if rank >= 0:
                out[rank] += 1


@numba.njit(cache=True, nogil=True)
def gather(index, shift, keys, offsets, signed, missing, sample, out):
    """Per run of keys (``offsets``): the sum of their values, and the selected entries.

    ``signed[rank]`` is a key's value, negative when the key is not to be selected (values
    are positive); a key must also be divisible by ``sample``. ``out`` receives the sums
    (``missing`` for a key not indexed); returns the selected entries' runs, ranks, values.
    """
    mask = np.uint64(index.size - 1)
    runs = np.empty(keys.size, dtype=np.int64)
    where = np.empty(keys.size, dtype=np.int64)
    weight = np.empty(keys.size, dtype=np.float64)
    chosen = 0
    for run in range(offsets.size - 1):
        total = 0.0
        for i in range(offsets[run], offsets[run + 1]):
            rank = _rank(index, mask, shift, np.uint64(keys[i]))
            if rank < 0:
                total += missing
                continue
            value = signed[rank]
            if value > 0:
                total += value
                if sample == 1 or keys[i] % sample == 0:
                    runs[chosen] = run
                    where[chosen] = rank
                    weight[chosen] = value
                    chosen += 1
            else:
                total -= value
        out[run] = total
    return runs[:chosen], where[:chosen], weight[:chosen]


@numba.njit(cache=True, nogil=True)
def holders_marked(index, shift, bits, bits_shift, keys, offsets):
    """Which runs of ``keys`` (``offsets``) hold which indexed keys: ``(runs, ranks)``.

    Keys are looked for in the index only where their bit (:func:`marks`) is set. The
    entries come run by run, in key order within a run.
    """
    mask = np.uint64(index.size - 1)
    runs = np.empty(1024, dtype=np.int64)
    ranks = np.empty(1024, dtype=np.int64)
    found = 0
    for run in range(offsets.size - 1):
        for i in range(offsets[run], offsets[run + 1]):
            key = np.uint64(keys[i])
            h = ((key + _ONE) * _GOLDEN) >> bits_shift
            if not (bits[h >> np.uint64(6)] >> (h & np.uint64(63))) & _ONE:
                continue
            rank = _rank(index, mask, shift, key)
            if rank < 0:
                continue
            if found == runs.size:  # full: twice the room
                runs = np.concatenate((runs, np.empty(runs.size, dtype=np.int64)))
                ranks = np.concatenate((ranks, np.empty(ranks.size, dtype=np.int64)))
            runs[found] = run
            ranks[found] = rank
            found += 1
    return runs[:found], ranks[:found]
