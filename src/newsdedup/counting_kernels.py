"""The compiled kernels of :mod:`newsdedup.counting`: an open-addressing hash table.

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
def lookup(slots, ranks, shift, keys, out):
    """``out[i]``: the rank of ``keys[i]`` among the table's keys, or -1 if it is absent."""
    mask = np.uint64(slots.size - 1)
    for i in range(keys.size):
        key = np.uint64(keys[i]) + _ONE
        h = (key * _GOLDEN) >> shift
        while True:
            here = slots[h]
            if here == key:
                out[i] = ranks[h]
                break
            if here == 0:
                out[i] = -1
                break
            h = (h + _ONE) & mask


@numba.njit(cache=True, nogil=True)
def gather(slots, ranks, counts, shift, keys, offsets, values, missing, low, high, sample, out):
    """Per run of keys (``offsets``): the sum of ``values[rank]``, and the selected entries.

    ``out`` receives the sums (``missing`` for a key not in the table). An entry is selected
    when its key's count is in ``[low, high]`` and the key is divisible by ``sample``;
    returns the selected entries' runs, ranks and values.
    """
    mask = np.uint64(slots.size - 1)
    runs = np.empty(keys.size, dtype=np.int64)
    where = np.empty(keys.size, dtype=np.int64)
    weight = np.empty(keys.size, dtype=np.float64)
    chosen = 0
    for run in range(offsets.size - 1):
        total = 0.0
        for i in range(offsets[run], offsets[run + 1]):
            key = np.uint64(keys[i]) + _ONE
            h = (key * _GOLDEN) >> shift
            rank = -1
            while True:
                here = slots[h]
                if here == key:
                    rank = ranks[h]
                    break
                if here == 0:
                    break
                h = (h + _ONE) & mask
            if rank < 0:
                total += missing
                continue
            value = values[rank]
            total += value
            seen = counts[rank]
            if low <= seen <= high and (sample == 1 or keys[i] % sample == 0):
                runs[chosen] = run
                where[chosen] = rank
                weight[chosen] = value
                chosen += 1
        out[run] = total
    return runs[:chosen], where[:chosen], weight[:chosen]
