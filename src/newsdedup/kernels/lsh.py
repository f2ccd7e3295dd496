"""The compiled kernel of :mod:`newsdedup.stages.lsh`: the pairs of rows that share a band.

Grouping rows by band key with a sort (``np.argsort`` of a million keys) took about
0.1 s a band, 42 bands at the default threshold. This kernel hashes each row's band the
way :func:`newsdedup.stages.lsh.band_keys` does and groups rows in an open-addressing table,
chaining the rows of a bucket, in one pass. Importing this module imports numba.
"""

import numba
import numpy as np

_MULT = np.uint64(0x9E3779B97F4A7C15)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, nogil=True)
def band_pairs(sigs, band, rows, max_bucket):
    """Pairs ``i < j`` of rows whose band ``band`` is equal, as codes ``i * n + j``.

    A bucket of more than ``max_bucket`` rows (when it is not 0) is chained, each row
    paired with the one before it (``lsh._bucket_pairs``). Returns the codes and how many
    buckets were chained.
    """
    n = sigs.shape[0]
    bits = 1
    while (1 << bits) < 2 * n:
        bits += 1
    size = 1 << bits
    shift = np.uint64(64 - bits)
    mask = np.uint64(size - 1)
    # One slot per bucket, its two fields side by side so a probe costs one cache miss:
    # the key's bits and the last row put in the bucket (-1: empty).
    slots = np.empty((size, 2), dtype=np.int64)
    slots[:, 1] = -1
    before = np.empty(n, dtype=np.int64)  # the row put in the same bucket just before
    held = np.empty(n, dtype=np.int64)  # how many rows the bucket held before this one
    slot_of = np.empty(n, dtype=np.int64)
    for row in range(n):
        key = np.uint64(band + 1)
        for column in range(band * rows, (band + 1) * rows):
            key = (key ^ np.uint64(sigs[row, column])) * _MULT
            key ^= key >> np.uint64(29)
        bits_of_key = np.int64(key)
        h = (key * _GOLDEN) >> shift
        while slots[h, 1] >= 0 and slots[h, 0] != bits_of_key:
            h = (h + np.uint64(1)) & mask
        last = slots[h, 1]
        slots[h, 0] = bits_of_key
        slots[h, 1] = row
        before[row] = last
        held[row] = held[last] + 1 if last >= 0 else 0
        slot_of[row] = h
    # The keys are done with: each slot's first field becomes its bucket's size.
    total = 0
    capped = 0
    for h in range(size):
        if slots[h, 1] >= 0:
            count = held[slots[h, 1]] + 1
            slots[h, 0] = count
            if max_bucket and count > max_bucket:
                total += count - 1
                capped += 1
            else:
                total += count * (count - 1) // 2
    codes = np.empty(total, dtype=np.int64)
    k = 0
    for row in range(n):
        other = before[row]
        chained = max_bucket and slots[slot_of[row], 0] > max_bucket
        while other >= 0:
            codes[k] = other * n + row
            k += 1
            other = -1 if chained else before[other]
    return codes, capped
