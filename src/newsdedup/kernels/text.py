"""Compiled fingerprint kernels (numba): the hot path of shingling and signing, per chunk.

The same definitions as the numpy reference in :mod:`newsdedup.stages.shingle` and
:mod:`newsdedup.stages.minhash`, bit for bit (``tests/kernels/test_text.py`` checks
it), computed in a few loops over one byte buffer per chunk instead of a dozen numpy
passes with their temporaries (issue 5: fingerprints at hashing speed). Python still
prepares each text (:func:`newsdedup.stages.shingle._prepare`: ASCII text as it is, other
text normalised) and takes
each digest (XXH3); everything per token, per shingle and per bin happens here:

1. :func:`normalise_buffer`: the ASCII byte table and space collapsing (``_digests``).
2. :func:`shingle_windows`: token hashes (XXH64) and word n-gram windows, or character n-gram
   windows for texts written without spaces (``_unit_windows``, ``rolling``, ``shingles``).
3. :func:`char_gram_windows`: rewrites' character n-grams, sampled (``char_gram_sets``).
4. :func:`sorted_sets`: each document's sorted unique values (``_sort_sets``).
5. :func:`oph_signatures`: one-permutation hashing and densification (``_oph``, ``_densify``).

This module imports numba; import it through :func:`newsdedup.stages.fingerprint.use_jit`,
which falls back to numpy when numba is missing or ``NEWSDEDUP_JIT=0``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from newsdedup.kernels.mix import fmix64 as _fmix64_array

_U = np.uint64
_U0 = np.uint64(0)
_U1 = np.uint64(1)
_X1 = np.uint64(0x9E3779B185EBCA87)  # XXH64's primes (shingle._X1 ...)
_X2 = np.uint64(0xC2B2AE3D27D4EB4F)
_X3 = np.uint64(0x165667B19E3779F9)
_X4 = np.uint64(0x85EBCA77C2B2AE63)
_X5 = np.uint64(0x27D4EB2F165667C5)
_V1 = np.uint64((0x9E3779B185EBCA87 + 0xC2B2AE3D27D4EB4F) % 2**64)  # stripe lanes at seed 0
_V4 = np.uint64(2**64 - 0x9E3779B185EBCA87)
_MULT = np.uint64(0x9E3779B97F4A7C15)  # shingle._MULT: n-gram combination, char offset
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)  # fingerprint._EMPTY_VALUE: a bin without a shingle
_SPACE = np.uint8(32)


# Hot loops index with unsigned integers (``_U``): numba wraps negative signed indices
# around, and that check in every iteration halves the speed of these loops.


@njit(inline="always")
def _fmix64(x: np.uint64) -> np.uint64:
    """MurmurHash3's 64-bit finaliser (``kernels.mix.fmix64``)."""
    x = x ^ (x >> _S33)
    x = x * _M1
    x = x ^ (x >> _S33)
    x = x * _M2
    return x ^ (x >> _S33)


@njit(inline="always")
def _fmix32(x: np.uint64) -> np.uint64:
    """MurmurHash3's 32-bit finaliser on a value below 2^32 (``fingerprint._fmix32``)."""
    x = x ^ (x >> np.uint64(16))
    x = (x * np.uint64(0x85EBCA6B)) & _MASK32
    x = x ^ (x >> np.uint64(13))
    x = (x * np.uint64(0xC2B2AE35)) & _MASK32
    return x ^ (x >> np.uint64(16))


@njit(cache=True, nogil=True)
def normalise_buffer(
    buf: np.ndarray, offsets: np.ndarray, table: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map every byte through ``table`` and collapse spaces, document by document.

    Mirrors the collapsing in ``shingle._digests``: ASCII text becomes its normalised form
    (``clean.ascii_table``); text normalised already stays as it is. Branch-free: a
    byte is always written, and the end moves on unless it is a space after a space.

    Args:
        buf: The documents' bytes, one after the other (``uint8``).
        offsets: Document ``i`` is ``buf[offsets[i]:offsets[i + 1]]``.
        table: 256-byte map (lower case, or a space).

    Returns:
        The normalised bytes, their offsets per document, and each document's length in
        characters (UTF-8 lead bytes).
    """
    n_docs = offsets.size - 1
    out = np.empty(buf.size, dtype=np.uint8)
    out_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    lengths = np.zeros(n_docs, dtype=np.int64)
    pos = _U0
    for doc in range(n_docs):
        start = pos
        chars = _U0
        after_space = _U1  # so leading spaces are dropped
        for i in range(_U(offsets[doc]), _U(offsets[doc + 1])):
            byte = table[buf[i]]
            space = _U(byte == _SPACE)
            out[pos] = byte
            keep = _U1 - (space & after_space)
            pos += keep
            chars += keep & _U(byte & 0xC0 != 0x80)
            after_space = space
        if pos > start and out[pos - _U1] == _SPACE:  # a trailing space
            pos -= _U1
            chars -= _U1
        out_offsets[doc + 1] = pos
        lengths[doc] = chars
    return out[:pos], out_offsets, lengths


@njit(inline="always")
def _rotl(x: np.uint64, bits: np.uint64) -> np.uint64:
    return (x << bits) | (x >> (_U(64) - bits))


@njit(inline="always")
def _xxh_round(acc: np.uint64, lane: np.uint64) -> np.uint64:
    return _rotl(acc + lane * _X2, _U(31)) * _X1


@njit(inline="always")
def _read64(b: np.ndarray, i: np.uint64) -> np.uint64:
    """Little-endian 8 bytes at ``b[i]`` (LLVM makes the shifts one unaligned load)."""
    return (
        _U(b[i])
        | (_U(b[i + _U(1)]) << _U(8))
        | (_U(b[i + _U(2)]) << _U(16))
        | (_U(b[i + _U(3)]) << _U(24))
        | (_U(b[i + _U(4)]) << _U(32))
        | (_U(b[i + _U(5)]) << _U(40))
        | (_U(b[i + _U(6)]) << _U(48))
        | (_U(b[i + _U(7)]) << _U(56))
    )


@njit(inline="always")
def _read32(b: np.ndarray, i: np.uint64) -> np.uint64:
    """Little-endian 4 bytes at ``b[i]``."""
    return (
        _U(b[i])
        | (_U(b[i + _U(1)]) << _U(8))
        | (_U(b[i + _U(2)]) << _U(16))
        | (_U(b[i + _U(3)]) << _U(24))
    )


@njit(inline="always")
def _choose(take: np.uint64, a: np.uint64, b: np.uint64) -> np.uint64:
    """``a`` where ``take`` is all ones, ``b`` where it is 0: a select, not a branch."""
    return (a & take) | (b & ~take)


@njit(inline="always")
def _xxh64(b: np.ndarray, start: np.uint64, end: np.uint64) -> np.uint64:
    """XXH64, seed 0, of ``b[start:end]`` (``xxhash.xxh64_intdigest``, ``shingle._span_hashes``).

    The last 0 to 7 bytes take XXH64's 4-byte and 1-byte steps computed always and kept by
    mask: a token's length is too irregular for a branch to be predicted, and a missed
    branch cost more than the steps (``b`` may be read up to 3 bytes past ``end``).
    """
    length = end - start
    p = start
    if length >= _U(32):
        v1, v2, v3, v4 = _V1, _X2, _U0, _V4
        while end - p >= _U(32):
            v1 = _xxh_round(v1, _read64(b, p))
            v2 = _xxh_round(v2, _read64(b, p + _U(8)))
            v3 = _xxh_round(v3, _read64(b, p + _U(16)))
            v4 = _xxh_round(v4, _read64(b, p + _U(24)))
            p += _U(32)
        h = _rotl(v1, _U(1)) + _rotl(v2, _U(7)) + _rotl(v3, _U(12)) + _rotl(v4, _U(18))
        h = (h ^ _xxh_round(_U0, v1)) * _X1 + _X4
        h = (h ^ _xxh_round(_U0, v2)) * _X1 + _X4
        h = (h ^ _xxh_round(_U0, v3)) * _X1 + _X4
        h = (h ^ _xxh_round(_U0, v4)) * _X1 + _X4
    else:
        h = _X5
    h += length
    while end - p >= _U(8):
        h = _rotl(h ^ _xxh_round(_U0, _read64(b, p)), _U(27)) * _X1 + _X4
        p += _U(8)
    take = _U0 - _U(end - p >= _U(4))
    h = _choose(take, _rotl(h ^ (_read32(b, p) * _X1), _U(23)) * _X2 + _X3, h)
    p += take & _U(4)
    for _ in range(3):
        take = _U0 - _U(p < end)
        h = _choose(take, _rotl(h ^ (_U(b[p]) * _X5), _U(11)) * _X1, h)
        p += take & _U1
    h ^= h >> _S33
    h *= _X2
    h ^= h >> _U(29)
    h *= _X3
    return h ^ (h >> _S32)


@njit(inline="always")
def _token_hashes(
    buf: np.ndarray, lo: np.uint64, n: np.uint64, table: np.ndarray, mapped: np.ndarray,
    spans: np.ndarray, units: np.ndarray,
) -> np.uint64:  # fmt: skip
    """XXH64 of every token of ``table[buf[lo:lo + n]]`` (``shingle.word_hashes``).

    Tokens are runs of non-space bytes, so the text need not be collapsed. One pass maps
    the bytes into ``mapped`` (``n + 8`` long: :func:`_xxh64` reads a little past a token)
    and finds the tokens without a branch: each byte writes the current token's bounds to
    ``spans``, and the count moves on where a token ends. A second pass hashes them.
    """
    count = _U0
    start = _U0  # where the current token starts
    after_space = _U1
    for j in range(n):
        byte = table[buf[lo + j]]
        mapped[j] = byte
        space = _U(byte == _SPACE)
        spans[count, 0] = start
        spans[count, 1] = j
        count += space & (after_space ^ _U1)
        start = _choose(_U0 - space, j + _U1, start)
        after_space = space
    if after_space == _U0:
        spans[count, 0] = start
        spans[count, 1] = n
        count += _U1
    for i in range(count):
        units[i] = _xxh64(mapped, spans[i, 0], spans[i, 1])
    return count


@njit(cache=True, nogil=True)
def span_hashes(padded: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """XXH64 of every span ``padded[start:end]`` (``shingle._span_hashes``, compiled).

    ``padded`` holds at least 8 bytes after the last span (:func:`_xxh64` reads past one).
    """
    out = np.empty(starts.size, dtype=np.uint64)
    for i in range(starts.size):
        out[i] = _xxh64(padded, _U(starts[i]), _U(ends[i]))
    return out


# The mixed value of every ASCII code point: a load instead of a finaliser per character.
_ASCII_UNITS = _fmix64_array(np.arange(128, dtype=np.uint64) + _MULT)


@njit(inline="always")
def _code_points(buf: np.ndarray, lo: np.uint64, n: np.uint64, units: np.ndarray) -> np.uint64:
    """Mixed code points of valid UTF-8 ``buf[lo:lo + n]`` without spaces (``char_hashes``)."""
    count = _U0
    i = lo
    hi = lo + n
    while i < hi:
        byte = _U(buf[i])
        if byte < 0x80:  # ASCII: its mixed value is looked up, not computed
            i += _U1
            units[count] = _ASCII_UNITS[byte]
            count += _U(byte != 32)
            continue
        elif byte < 0xE0:
            point, extra = byte & _U(0x1F), 1
        elif byte < 0xF0:
            point, extra = byte & _U(0x0F), 2
        else:
            point, extra = byte & _U(0x07), 3
        for k in range(1, extra + 1):
            point = (point << _U(6)) | (_U(buf[i + _U(k)]) & _U(0x3F))
        i += _U(extra + 1)
        if point != 32:
            units[count] = _fmix64(point + _MULT)
            count += _U1
    return count


@njit(inline="always")
def _no_space(point: np.uint64) -> bool:
    """Whether a code point is of a script written without spaces (``clean._NO_SPACE_SCRIPT``)."""
    return bool(
        (0x3040 <= point <= 0x30FF)
        or (0x3400 <= point <= 0x4DBF)
        or (0x4E00 <= point <= 0x9FFF)
        or (0xF900 <= point <= 0xFAFF)
        or (0x0E00 <= point <= 0x0FFF)
        or (0x1780 <= point <= 0x17FF)
        or (0x1000 <= point <= 0x109F)
    )


@njit(inline="always")
def _mixed_units(
    buf: np.ndarray, lo: np.uint64, n: np.uint64, table: np.ndarray, mapped: np.ndarray,
    units: np.ndarray, widths: np.ndarray, size: np.uint64, char_size: np.uint64,
) -> np.uint64:  # fmt: skip
    """The units of normalised UTF-8 ``buf[lo:lo + n]`` in mixed units (``shingle.mixed_units``).

    Each character of a script written without spaces is a unit (its mixed code point,
    ``char_size`` wide); each run of other bytes between spaces or such characters is one
    (XXH64 of its bytes, ``size`` wide).
    """
    for j in range(n):
        mapped[j] = table[buf[lo + j]]
    count = _U0
    start = _U0
    open_word = False
    i = _U0
    while i < n:
        byte = _U(mapped[i])
        extra = _U0
        point = byte
        if byte >= 0xF0:
            point, extra = byte & _U(0x07), _U(3)
        elif byte >= 0xE0:
            point, extra = byte & _U(0x0F), _U(2)
        elif byte >= 0xC0:
            point, extra = byte & _U(0x1F), _U1
        for k in range(1, extra + 1):
            point = (point << _U(6)) | (_U(mapped[i + _U(k)]) & _U(0x3F))
        alone = _no_space(point)
        if point == 32 or alone:
            if open_word:
                units[count] = _xxh64(mapped, start, i)
                widths[count] = size
                count += _U1
                open_word = False
            if alone:
                units[count] = _fmix64(point + _MULT)
                widths[count] = char_size
                count += _U1
        elif not open_word:
            start = i
            open_word = True
        i += extra + _U1
    if open_word:
        units[count] = _xxh64(mapped, start, n)
        widths[count] = size
        count += _U1
    return count


@njit(inline="always")
def _mixed_windows(
    units: np.ndarray, widths: np.ndarray, count: np.uint64, out: np.ndarray, pos: np.uint64
) -> np.uint64:
    """The shingle starting at each unit, ``widths[i]`` wide (``shingle.mixed_windows``)."""
    if count == _U0:
        return pos
    widest = _U0
    for i in range(count):
        widest = max(widest, widths[i])
    if count < widest:
        return _windows(units, count, count, _U1, out, pos)
    for i in range(count - widest + _U1):
        combined = units[i]
        for j in range(_U1, widths[i]):
            combined = combined * _MULT + units[i + j]
        out[pos] = np.uint32(_fmix64(combined) >> _S32)
        pos += _U1
    return pos


@njit(inline="always")
def _windows(
    units: np.ndarray, count: np.uint64, size: np.uint64, sample: np.uint64, out: np.ndarray,
    pos: np.uint64,
) -> np.uint64:  # fmt: skip
    """Write the hash of every run of ``size`` units to ``out[pos:]``; return the new end.

    Mirrors ``shingle.rolling``: fewer than ``size`` units make one window of them all;
    only hashes divisible by ``sample`` are kept (``shingle.char_gram_sets``). The run's
    polynomial ``sum(units[i + j] * MULT**(width - 1 - j))`` rolls from one position to the
    next (drop the first unit's term, shift, add the new unit), the same value modulo 2^64
    as combining each run anew, in three operations instead of ``size`` multiply-adds.
    """
    if count == _U0:
        return pos
    width = min(size, count)
    top = _U1  # MULT**(width - 1): the weight of a run's first unit
    combined = units[0]
    for j in range(_U1, width):
        top = top * _MULT
        combined = combined * _MULT + units[j]
    # A power of two is kept by a mask: a 64-bit division costs more than the hash.
    mask = sample - _U1 if sample & (sample - _U1) == _U0 else _U0
    for i in range(count - width + _U1):
        if i:
            combined = (combined - units[i - _U1] * top) * _MULT + units[i + width - _U1]
        value = _fmix64(combined) >> _S32
        out[pos] = np.uint32(value)
        if sample == _U1:
            pos += _U1
        elif mask:
            pos += _U(value & mask == _U0)
        else:
            pos += _U(value % sample == _U0)
    return pos


@njit(cache=True, nogil=True)
def shingle_windows(
    buf: np.ndarray, offsets: np.ndarray, chars: np.ndarray, table: np.ndarray, size: int,
    char_size: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Every shingle window of every document, repeats included, in document order.

    Mirrors ``shingle._unit_windows`` over ``word_hashes``; over ``char_hashes`` where
    ``chars[i]`` is :data:`CHARS` (texts shingled by ``char_size`` characters); and
    ``shingle.mixed_windows`` where it is :data:`MIXED`.

    Args:
        buf: The documents' bytes (raw ASCII or normalised UTF-8), one after the other.
        offsets: Document ``i`` is ``buf[offsets[i]:offsets[i + 1]]``.
        chars: How each document is cut into units (normalised unless :data:`WORDS`).
        table: The byte map of :func:`normalise_buffer`.
        size: Words per shingle.
        char_size: Characters per shingle.

    Returns:
        The ``uint32`` window hashes, and their bounds per document.
    """
    n_docs = offsets.size - 1
    longest = 1
    for doc in range(n_docs):
        longest = max(longest, offsets[doc + 1] - offsets[doc] + 1)
    units = np.empty(longest, dtype=np.uint64)
    widths = np.empty(longest, dtype=np.uint64)
    mapped = np.empty(longest + 8, dtype=np.uint8)
    spans = np.empty((longest, 2), dtype=np.uint64)
    out = np.empty(buf.size + 1, dtype=np.uint32)
    bounds = np.zeros(n_docs + 1, dtype=np.int64)
    pos = _U0
    for doc in range(n_docs):
        lo, n = _U(offsets[doc]), _U(offsets[doc + 1] - offsets[doc])
        if chars[doc] == MIXED:
            count = _mixed_units(buf, lo, n, table, mapped, units, widths, _U(size), _U(char_size))
            pos = _mixed_windows(units, widths, count, out, pos)
        elif chars[doc] == CHARS:
            count = _code_points(buf, lo, n, units)
            pos = _windows(units, count, _U(char_size), _U1, out, pos)
        else:
            count = _token_hashes(buf, lo, n, table, mapped, spans, units)
            pos = _windows(units, count, _U(size), _U1, out, pos)
        bounds[doc + 1] = pos
    return out[:pos], bounds


@njit(cache=True, nogil=True)
def char_gram_windows(
    text: np.ndarray, offsets: np.ndarray, size: int, sample: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rewrites' character n-grams of every normalised document, repeats included.

    Mirrors :func:`newsdedup.stages.shingle.char_gram_sets` before its sort: code points without
    spaces, ``size`` at a time, only hashes divisible by ``sample`` kept.

    Returns:
        The ``uint32`` n-gram hashes, and their bounds per document.
    """
    n_docs = offsets.size - 1
    units = np.empty(text.size + 1, dtype=np.uint64)
    out = np.empty(text.size + 1, dtype=np.uint32)
    bounds = np.zeros(n_docs + 1, dtype=np.int64)
    pos = _U0
    for doc in range(n_docs):
        lo, n = _U(offsets[doc]), _U(offsets[doc + 1] - offsets[doc])
        count = _code_points(text, lo, n, units)
        pos = _windows(units, count, _U(size), _U(sample), out, pos)
        bounds[doc + 1] = pos
    return out[:pos], bounds


@njit(inline="always")
def _radix_sort(values: np.ndarray, scratch: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sort ``uint32`` values by their four bytes, least significant first; return the result.

    Four counting passes over the values (one to count all four digits) beat numba's
    quicksort four to ten times on a document's few hundred to few thousand shingles.
    """
    n = values.size
    counts[:] = 0
    for i in range(n):
        value = _U(values[i])
        for d in range(4):
            counts[d, (value >> _U(8 * d)) & _U(255)] += 1
    src, dst = values, scratch
    for d in range(4):
        shift = _U(8 * d)
        if counts[d, (_U(src[0]) >> shift) & _U(255)] == n:
            continue  # every value has this digit: the pass would not move anything
        total = 0
        for b in range(256):
            counts[d, b], total = total, total + counts[d, b]
        for i in range(n):
            digit = (_U(src[i]) >> shift) & _U(255)
            dst[counts[d, digit]] = src[i]
            counts[d, digit] += 1
        src, dst = dst, src
    return src


@njit(cache=True, nogil=True)
def sorted_sets(values: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each document's values sorted, repeats dropped (``shingle._sort_sets``).

    Returns:
        The sets one after the other, and their bounds per document.
    """
    n_docs = bounds.size - 1
    out = values.copy()
    scratch = np.empty(values.size, dtype=np.uint32)
    counts = np.empty((4, 256), dtype=np.int64)
    out_bounds = np.zeros(n_docs + 1, dtype=np.int64)
    pos = _U0
    for doc in range(n_docs):
        lo, hi = bounds[doc], bounds[doc + 1]
        if hi == lo:
            out_bounds[doc + 1] = pos
            continue
        part = _radix_sort(out[lo:hi], scratch[lo:hi], counts)
        last = part[0]  # ``part`` may be ``out[lo:hi]``: read each value before writing
        out[pos] = last
        pos += _U1
        for i in range(1, part.size):
            value = part[i]
            out[pos] = value
            pos += _U(value != last)
            last = value
        out_bounds[doc + 1] = pos
    return out[:pos], out_bounds


@njit(inline="always")
def _densify(sig: np.ndarray, own: np.ndarray, probes: np.ndarray) -> None:
    """Fill ``sig``'s empty bins from its own values ``own`` (``fingerprint._densify``).

    An empty bin ``j`` takes bin ``probes[t, j]``'s value for the first round ``t`` that
    finds one; bins still empty after every round take the next non-empty bin to their
    right, wrapping around (``fingerprint._rotate``).
    """
    k = own.size
    todo = 0
    for j in range(k):
        todo += own[j] == _EMPTY
    if todo == 0 or todo == k:
        return
    for t in range(probes.shape[0]):
        for j in range(k):
            if sig[j] == _EMPTY:
                borrowed = own[probes[t, j]]
                if borrowed != _EMPTY:
                    sig[j] = borrowed
                    todo -= 1
        if todo == 0:
            return
    for j in range(k):
        if sig[j] == _EMPTY:
            right = (j + 1) % k
            while own[right] == _EMPTY:
                right = (right + 1) % k
            sig[j] = own[right]


@njit(cache=True, nogil=True)
def oph_signatures(
    values: np.ndarray, bounds: np.ndarray, key: np.uint32, k: int, probes: np.ndarray
) -> np.ndarray:
    """One-permutation hashing signatures of every document (``fingerprint._oph``).

    Args:
        values: Shingle hashes (``uint32``), any order, repeats allowed.
        bounds: Document ``i``'s shingles are ``values[bounds[i]:bounds[i + 1]]``.
        key: The bin-hash key.
        k: Bins (``num_perm``).
        probes: The densification probe sequence of every bin (``rounds x k``).

    Returns:
        A ``documents x k`` ``uint32`` matrix; documents without shingles are all empty.
    """
    n_docs = bounds.size - 1
    sig = np.full((n_docs, k), _EMPTY, dtype=np.uint32)
    own = np.empty(k, dtype=np.uint32)
    wide_key, wide_k = _U(key), _U(k)
    for doc in range(n_docs):
        row = sig[doc]
        for i in range(_U(bounds[doc]), _U(bounds[doc + 1])):
            mixed = _fmix32(_U(values[i]) ^ wide_key)
            slot = (mixed * wide_k) >> _S32
            row[slot] = min(row[slot], np.uint32(mixed))
        own[:] = row
        _densify(row, own, probes)
    return sig


# ---------------------------------------------------------------- the batch API


WORDS, CHARS, MIXED = 0, 1, 2
"""How a packed text is cut into units: words, characters, or mixed (``shingle.mixes``)."""
