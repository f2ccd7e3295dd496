"""The compiled kernel of :mod:`newsdedup.stages.boilerplate`: cut ASCII texts into keyed lines.

Learning and stripping furniture look at every line of every document (13 a synthetic
article, about 3 us each in Python). For ASCII texts this kernel does what
:func:`~newsdedup.stages.boilerplate.split_lines` and
:func:`~newsdedup.stages.boilerplate.normal_line`
do line by line, for a whole chunk of texts in one call: it splits where
``str.splitlines`` splits, drops blank lines, normalises each line by the ASCII byte
table (spaces collapsed, ends trimmed), counts its words and takes XXH64 of it (the same
value as ``xxhash.xxh64_intdigest``). Importing this module imports numba.
"""

import numba
import numpy as np

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
_SPACE = np.uint8(32)


@numba.njit(cache=True, inline="always")
def _rotl(x, r):
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@numba.njit(cache=True, inline="always")
def _read64(buf, at):
    value = np.uint64(0)
    for k in range(8):
        value |= np.uint64(buf[at + k]) << np.uint64(8 * k)
    return value


@numba.njit(cache=True, inline="always")
def _round(acc, lane):
    acc = acc + lane * _P2
    return _rotl(acc, 31) * _P1


@numba.njit(cache=True, inline="always")
def _merge(acc, lane):
    acc ^= _round(np.uint64(0), lane)
    return acc * _P1 + _P4


@numba.njit(cache=True, nogil=True)
def xxh64(buf, start, end):
    """XXH64 (seed 0) of ``buf[start:end]`` (``uint8``)."""
    size = end - start
    at = start
    if size >= 32:
        v1 = _P1 + _P2
        v2 = _P2
        v3 = np.uint64(0)
        v4 = np.uint64(0) - _P1
        while at + 32 <= end:
            v1 = _round(v1, _read64(buf, at))
            v2 = _round(v2, _read64(buf, at + 8))
            v3 = _round(v3, _read64(buf, at + 16))
            v4 = _round(v4, _read64(buf, at + 24))
            at += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(h, v1)
        h = _merge(h, v2)
        h = _merge(h, v3)
        h = _merge(h, v4)
    else:
        h = _P5
    h += np.uint64(size)
    while at + 8 <= end:
        h ^= _round(np.uint64(0), _read64(buf, at))
        h = _rotl(h, 27) * _P1 + _P4
        at += 8
    if at + 4 <= end:
        word = np.uint64(0)
        for k in range(4):
            word |= np.uint64(buf[at + k]) << np.uint64(8 * k)
        h ^= word * _P1
        h = _rotl(h, 23) * _P2 + _P3
        at += 4
    while at < end:
        h ^= np.uint64(buf[at]) * _P5
        h = _rotl(h, 11) * _P1
        at += 1
    h ^= h >> np.uint64(33)
    h *= _P2
    h ^= h >> np.uint64(29)
    h *= _P3
    h ^= h >> np.uint64(32)
    return h


def _kinds() -> np.ndarray:
    r"""What each byte is to a line: 2 ends it, 1 is blank, 0 is neither.

    Lines end where ``str.splitlines`` splits ASCII text (``\n \r \v \f`` and the separators
    ``\x1c-\x1e``); blank is ASCII white space for ``str.strip`` (``\t-\r``, ``\x1c-\x1f``,
    the space). One lookup a byte instead of a run of comparisons.
    """
    kinds = np.zeros(256, dtype=np.uint8)
    kinds[[9, 31, 32]] = 1
    kinds[[10, 11, 12, 13, 28, 29, 30]] = 2
    return kinds


_KINDS = _kinds()
_BREAK = np.uint8(2)


@numba.njit(cache=True, nogil=True)
def cut_lines(buf, bounds, table, norm):
    """Cut each text ``buf[bounds[t]:bounds[t + 1]]`` into its non-blank lines.

    ``norm`` (as long as ``buf``) receives every line's normalised bytes. Returns, per
    line: its text, start and end in ``buf`` (the line as split, unstripped), start and
    end of its normalised bytes in ``norm``, its words and its XXH64 (of the normalised
    bytes).
    """
    most = 0
    for i in range(buf.size):
        most += _KINDS[buf[i]] == _BREAK
    most += bounds.size
    text = np.empty(most, np.int64)
    start = np.empty(most, np.int64)
    end = np.empty(most, np.int64)
    norm_start = np.empty(most, np.int64)
    norm_end = np.empty(most, np.int64)
    words = np.empty(most, np.int64)
    hashes = np.empty(most, np.uint64)
    n = 0
    # Unsigned positions: numba then needs no negative-index fix-up, twice as fast.
    out = np.uint64(0)
    edges = bounds.astype(np.uint64)
    one = np.uint64(1)
    for t in range(bounds.size - 1):
        at = edges[t]
        stop = edges[t + 1]
        while at <= stop:
            # One pass: find the line's end, normalise it, and see whether it is blank.
            first = out
            last = _SPACE  # the byte written last: a leading space is never kept
            spaces = 0
            solid = False  # a byte that is not blank
            line_end = at
            while line_end < stop:
                byte = buf[line_end]
                kind = _KINDS[byte]
                if kind == _BREAK:
                    break
                solid |= kind == 0
                mapped = table[byte]
                norm[out] = mapped
                # Branch-free: keep a space only after a non-space (spaces collapse).
                keep = (mapped != _SPACE) | (last != _SPACE)
                out += np.uint64(keep)
                spaces += keep & (mapped == _SPACE)
                last = mapped
                line_end += one
            if not solid:
                out = first
            else:
                if out > first and norm[out - one] == _SPACE:
                    out -= one
                    spaces -= 1
                text[n] = t
                start[n] = at
                end[n] = line_end
                norm_start[n] = first
                norm_end[n] = out
                words[n] = spaces + 1 if out > first else 0
                hashes[n] = xxh64(norm, np.int64(first), np.int64(out))
                n += 1
            at = line_end + one
    return (
        text[:n],
        start[:n],
        end[:n],
        norm_start[:n],
        norm_end[:n],
        words[:n],
        hashes[:n],
    )
