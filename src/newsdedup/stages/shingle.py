"""Shingles: normalised text -> a sorted array of unique 32-bit shingle hashes.

Two implementations of one definition. A token's hash is XXH64 (seed 0) of its UTF-8 bytes,
``xxhash.xxh64_intdigest(token)``; an n-gram's hash combines its tokens' hashes
(``h = h * M + next``), mixed with MurmurHash3's 64-bit finaliser, top 32 bits kept.
A token hash used to be a polynomial modulo 2^64, ``sum(byte[k] * P**k)``: linear, so
crafted tokens collided at will (two-letter Thue-Morse words of 2^10 bytes, for any odd
base; issue 14) and made different texts copies. XXH64 is not linear in its input, and
those pairs no longer collide (tests/stages/test_shingle.py). It is not keyed either: one who
inverts its rounds can still make two long tokens collide. Its cost: benchmarks/README.md.

* :func:`shingles` and :func:`word_hashes` work on one normalised text.
* :func:`shingle_texts` works on a batch of raw texts at once: ASCII texts are normalised by a
  256-byte table, the whole batch is one byte buffer, and every token's XXH64 is computed
  at once, step by step, so no Python object is made per token or per shingle (issue 5:
  per-shingle Python objects, not hashing, cap the Python MinHash tools at a few thousand
  articles a second). It gives exactly what :func:`newsdedup.stages.clean.normalize`,
  :func:`shingles` and :func:`newsdedup.stages.clean.digest` give text by text (the tests check it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import numpy as np
import xxhash

from newsdedup.config import ShingleConfig
from newsdedup.kernels import jit
from newsdedup.kernels.mix import fmix64
from newsdedup.stages.clean import (
    _NO_SPACE_SCRIPT,
    _table,
    ascii_table,
    digest,
    normalize,
    uses_spaces,
)

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio)
_EMPTY = np.zeros(0, dtype=np.uint32)
# A character of a script written without spaces, alone; or a run of any other characters.
_PIECE = re.compile(f"({_NO_SPACE_SCRIPT.pattern})|([^ {_NO_SPACE_SCRIPT.pattern[1:-1]}]+)")
_SPACE = 32
# Code points that str.split() treats as white space (and Unicode category Zs/Zl/Zp).
_WHITE = np.zeros(0x3001, dtype=bool)
_WHITE[[c for c in range(0x3001) if chr(c).isspace()]] = True


def _to_shingle(combined: np.ndarray) -> np.ndarray:
    """Mixed top 32 bits of combined n-gram hashes."""
    return (fmix64(combined) >> np.uint64(32)).astype(np.uint32)


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
    return _to_shingle(combined)


def combine(unit_hashes: np.ndarray, size: int) -> np.ndarray:
    """Sorted unique 32-bit hashes of every run of ``size`` units (see :func:`rolling`)."""
    return np.unique(rolling(unit_hashes, size))


def token_hash(token: bytes) -> int:
    """The hash of one token's bytes: XXH64, seed 0 (the reference of :func:`_span_hashes`)."""
    return xxhash.xxh64_intdigest(token)


def word_hashes(normalized: str) -> np.ndarray:
    """:func:`token_hash` of every space-separated token, as ``uint64``."""
    buf = np.frombuffer(normalized.encode("utf-8"), dtype=np.uint8)
    starts, ends = _token_spans(buf)
    return _span_hashes(buf, starts, ends)


def char_hashes(normalized: str) -> np.ndarray:
    """Code points of the text without spaces, mixed, as ``uint64``."""
    points = np.frombuffer(normalized.replace(" ", "").encode("utf-32-le"), dtype=np.uint32)
    return fmix64(points.astype(np.uint64) + _MULT)


def unit_for(normalized: str, cfg: ShingleConfig) -> str:
    """The unit a text is mostly written in, ``word`` or ``char``.

    It says what a text's passages are measured in (how many units make evidence); how
    it is shingled is :func:`mixes`'s to say.
    """
    if cfg.unit != "auto":
        return cfg.unit
    return "word" if uses_spaces(normalized) else "char"


def mixes(normalized: str, cfg: ShingleConfig) -> bool:
    """Whether a text is shingled in mixed units: ``auto``, and a script without spaces in it.

    The scripts are those written without spaces between words (Chinese, Japanese,
    Thai...). Its units are then each such character and each run of other characters between
    spaces or such characters (:func:`mixed_units`). The unit is chosen per character,
    not per text, so a text and every copy of it, cut short or padded in another
    script, are cut into the same units (issue 13): a share of the text's script decided
    it before, and a copy on the other side of the share never matched.
    """
    return cfg.unit == "auto" and _NO_SPACE_SCRIPT.search(normalized) is not None


def mixed_units(normalized: str, cfg: ShingleConfig) -> tuple[np.ndarray, np.ndarray]:
    """The units of a text in mixed units: their hashes, and the width of the shingle each starts.

    A character of a script written without spaces hashes as in :func:`char_hashes` and
    starts a shingle of ``char_size`` units; any other run hashes as in :func:`word_hashes`
    and starts one of ``size`` units. So a text all in words, or all in such characters,
    shingles as the word, or the character, path does.
    """
    pieces = _PIECE.findall(normalized)
    char = np.fromiter((bool(c) for c, _ in pieces), dtype=bool, count=len(pieces))
    hashes = np.empty(len(pieces), dtype=np.uint64)
    points = np.fromiter((ord(c) for c, _ in pieces if c), dtype=np.uint64)
    hashes[char] = fmix64(points + _MULT)
    hashes[~char] = np.fromiter(
        (token_hash(w.encode("utf-8")) for c, w in pieces if not c), dtype=np.uint64
    )
    return hashes, np.where(char, cfg.char_size, cfg.size).astype(np.int64)


def mixed_windows(hashes: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The shingle starting at each unit, in order, each ``widths[i]`` units wide.

    Shingles start at every unit that leaves room for the widest (so a text all of one
    width shingles as :func:`rolling` does); a text shorter than the widest makes one
    shingle of all its units.
    """
    count = hashes.size
    if count == 0:
        return _EMPTY
    widest = int(widths.max())
    if count < widest:
        return rolling(hashes, count)
    starts = count - widest + 1
    out = np.empty(starts, dtype=np.uint32)
    for width in np.unique(widths[:starts]).tolist():
        at = np.flatnonzero(widths[:starts] == width)
        out[at] = rolling(hashes, width)[at]
    return out


def shingles(normalized: str, cfg: ShingleConfig) -> np.ndarray:
    """Return the sorted unique 32-bit shingle hashes of normalised text."""
    if mixes(normalized, cfg):
        return np.unique(mixed_windows(*mixed_units(normalized, cfg)))
    if unit_for(normalized, cfg) == "word":
        return combine(word_hashes(normalized), cfg.size)
    return combine(char_hashes(normalized), cfg.char_size)


# ---------------------------------------------------------------- the batch path


@dataclass(frozen=True, slots=True)
class ShingleBatch:
    """Exact-duplicate keys, normalised lengths and shingle sets of a batch of texts.

    Attributes:
        digests: :func:`newsdedup.stages.clean.digest` of each normalised text; empty for empty
        text.
        lengths: Characters of each normalised text.
        shingles: Sorted unique ``uint32`` shingle hashes of each text.
        normalized: Each normalised text (what rewrites' character n-grams are taken from).
    """

    digests: list[str]
    lengths: list[int]
    shingles: list[np.ndarray]
    normalized: list[str]


@cache
def _ascii_array() -> np.ndarray:
    """:func:`~newsdedup.stages.clean.ascii_table` as an array, to normalise a buffer at once."""
    return np.frombuffer(ascii_table(), dtype=np.uint8)


def _token_spans(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of every run of non-space bytes."""
    word = np.empty(buf.size + 2, dtype=np.int8)
    word[0] = word[-1] = 0
    np.not_equal(buf, _SPACE, out=word[1:-1])
    edges = np.diff(word)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _span_hashes(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """:func:`token_hash` (XXH64) of every span ``buf[start:end]``, all spans at once.

    XXH64 step by step (Collet's specification, ``xxhash.h``), each step over every span
    that still has input for it: 32-byte stripes (spans of 32 bytes or more), 8-byte
    words, one 4-byte word, single bytes, then the avalanche. Words are read little-endian
    at any byte offset through a view with a one-byte stride.
    """
    if starts.size == 0:
        return np.zeros(0, dtype=np.uint64)
    padded = np.zeros(buf.size + 8, dtype=np.uint8)
    padded[: buf.size] = buf
    compiled = jit.kernels("text")
    if compiled is not None:  # the same values, without a numpy pass per step
        return compiled.span_hashes(padded, starts.astype(np.int64), ends.astype(np.int64))
    words = np.ndarray((buf.size + 1,), "<u8", padded.data, 0, (1,))
    halves = np.ndarray((buf.size + 1,), "<u4", padded.data, 0, (1,))
    starts, ends = starts.astype(np.int64), ends.astype(np.int64)
    h, pos = _xxh64_stripes(words, starts, ends)
    h += (ends - starts).astype(np.uint64)
    todo = np.flatnonzero(ends - pos >= 8)
    while todo.size:
        at = pos[todo]
        h[todo] = _rotl(h[todo] ^ _xxh_round(np.zeros(todo.size, np.uint64), words[at]), 27)
        h[todo] = h[todo] * _X1 + _X4
        pos[todo] = at + 8
        todo = todo[ends[todo] - pos[todo] >= 8]
    todo = np.flatnonzero(ends - pos >= 4)
    h[todo] = _rotl(h[todo] ^ (halves[pos[todo]].astype(np.uint64) * _X1), 23) * _X2 + _X3
    pos[todo] += 4
    todo = np.flatnonzero(pos < ends)
    while todo.size:
        h[todo] = _rotl(h[todo] ^ (padded[pos[todo]].astype(np.uint64) * _X5), 11) * _X1
        pos[todo] += 1
        todo = todo[pos[todo] < ends[todo]]
    h ^= h >> np.uint64(33)
    h *= _X2
    h ^= h >> np.uint64(29)
    h *= _X3
    return h ^ (h >> np.uint64(32))


# XXH64's primes.
_X1 = np.uint64(0x9E3779B185EBCA87)
_X2 = np.uint64(0xC2B2AE3D27D4EB4F)
_X3 = np.uint64(0x165667B19E3779F9)
_X4 = np.uint64(0x85EBCA77C2B2AE63)
_X5 = np.uint64(0x27D4EB2F165667C5)
# The four stripe accumulators at seed 0: P1 + P2, P2, 0, -P1 (modulo 2^64).
_LANES_AT_SEED_0 = np.array(
    [
        (0x9E3779B185EBCA87 + 0xC2B2AE3D27D4EB4F) % 2**64,
        0xC2B2AE3D27D4EB4F,
        0,
        2**64 - 0x9E3779B185EBCA87,
    ],
    dtype=np.uint64,
)


def _rotl(values: np.ndarray, bits: int) -> np.ndarray:
    return (values << np.uint64(bits)) | (values >> np.uint64(64 - bits))


def _xxh_round(acc: np.ndarray, lane: np.ndarray) -> np.ndarray:
    return _rotl(acc + lane * _X2, 31) * _X1


def _xxh64_stripes(
    words: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """XXH64's state after the 32-byte stripes of each span, and where each span's rest starts.

    A span shorter than 32 bytes has no stripe: its state is ``PRIME64_5`` (seed 0).
    """
    h = np.full(starts.size, _X5, dtype=np.uint64)
    pos = starts.copy()
    long = np.flatnonzero(ends - starts >= 32)
    if not long.size:
        return h, pos
    lanes = np.empty((4, long.size), dtype=np.uint64)
    lanes[:] = _LANES_AT_SEED_0[:, None]
    todo = np.arange(long.size)
    while todo.size:
        at = pos[long[todo]]
        for lane in range(4):
            lanes[lane, todo] = _xxh_round(lanes[lane, todo], words[at + 8 * lane])
        pos[long[todo]] = at + 32
        todo = todo[ends[long[todo]] - pos[long[todo]] >= 32]
    merged = _rotl(lanes[0], 1) + _rotl(lanes[1], 7) + _rotl(lanes[2], 12) + _rotl(lanes[3], 18)
    for lane in range(4):
        merged = (merged ^ _xxh_round(np.zeros(long.size, np.uint64), lanes[lane])) * _X1 + _X4
    h[long] = merged
    return h, pos


@cache
def _code_classes() -> np.ndarray:
    """Per code point below 0x30000: 0 kept, 1 becomes a space, 2 deleted (as normalize does)."""
    classes = np.zeros(0x30000, dtype=np.uint8)
    for code, target in _table().items():
        classes[code] = 1 if target == " " else 2
    return classes


def _normalize_fast(text: str) -> str:
    """:func:`~newsdedup.stages.clean.normalize`, with its per-character table applied by numpy.

    ``str.translate`` with a dict is slow on non-ASCII text (one dict lookup per character);
    here the table is an array indexed by code point, and spaces are collapsed in the array.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    spaced = _translate_collapse(folded)
    if unicodedata.is_normalized("NFKC", spaced) and spaced.casefold() == spaced:
        return spaced
    return normalize(text)


def _translate_collapse(folded: str) -> str:
    """``" ".join(folded.translate(table).split())`` on a UTF-32 array."""
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    classes = _code_classes()[np.minimum(codes, 0x2FFFF)]
    classes[codes > 0x2FFFF] = 0
    codes = codes[classes != 2]
    space = (classes[classes != 2] == 1) | _WHITE[np.where(codes < _WHITE.size, codes, 0)]
    keep = ~space
    keep[:-1] |= space[:-1] & ~space[1:]  # a space run's last space, before a word...
    first_word = int(np.argmax(~space)) if (~space).any() else codes.size
    keep[:first_word] = False  # ...but none before the first word
    return np.where(space, np.uint32(_SPACE), codes)[keep].tobytes().decode("utf-32-le")


def _prepare(text: str, cfg: ShingleConfig) -> tuple[bytes, str | None]:
    """The text's bytes for the buffer, and its normalised form when it was computed.

    ASCII text goes in as it is (the byte table normalises the whole buffer later; spaces
    are collapsed later still); other text is normalised first, and normalised text holds no
    ASCII byte the table would change. Texts shingled by characters put ``b""`` in the
    buffer and take the per-text path.
    """
    if text.isascii() and cfg.unit != "char":
        return text.encode("ascii"), None
    norm = _normalize_fast(text)
    if cfg.unit == "char" or mixes(norm, cfg):
        return b"", norm
    return norm.encode("utf-8"), norm


@dataclass(frozen=True, slots=True)
class Windows:
    """Every n-gram window hash of a batch, in document order, repeats included.

    Attributes:
        doc: Index (in the batch) of the document of each window, ascending.
        values: The window's 32-bit shingle hash.
        n_docs: Documents in the batch (some may have no window).
    """

    doc: np.ndarray
    values: np.ndarray
    n_docs: int


@dataclass(frozen=True, slots=True)
class _Tokens:
    """A batch of texts as one byte buffer with its tokens located and hashed."""

    buf: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    token_doc: np.ndarray
    first_token: np.ndarray
    hashes: np.ndarray
    prepared: list[tuple[bytes, str | None]]


def _tokenise(texts: Sequence[str], cfg: ShingleConfig) -> _Tokens:
    """Normalise a batch into one buffer (documents joined by a space) and hash its tokens."""
    prepared = [_prepare(text, cfg) for text in texts]
    buf = _ascii_array()[np.frombuffer(b" ".join(raw for raw, _ in prepared), dtype=np.uint8)]
    sizes = np.fromiter((len(raw) + 1 for raw, _ in prepared), dtype=np.int64, count=len(texts))
    starts, ends = _token_spans(buf)
    first_token = np.asarray(np.searchsorted(starts, np.r_[np.cumsum(sizes) - sizes, buf.size + 1]))
    token_doc = np.repeat(np.arange(len(texts)), np.diff(first_token))
    hashes = _span_hashes(buf, starts, ends)
    return _Tokens(buf, starts, ends, token_doc, first_token, hashes, prepared)


def _char_docs(tokens: _Tokens) -> list[int]:
    """Batch indices of the non-empty texts shingled by characters (not in the buffer)."""
    return [i for i, (raw, norm) in enumerate(tokens.prepared) if norm and not raw]


def shingle_texts(texts: Sequence[str], cfg: ShingleConfig) -> ShingleBatch:
    """Normalise, key and shingle a batch of raw texts at once.

    Equals ``digest(normalize(t))``, ``len(normalize(t))`` and ``shingles(normalize(t), cfg)``
    for each text ``t`` (empty digest for empty text), without a Python object per token.
    """
    batch, _ = shingle_and_window(texts, cfg)
    return batch


def window_texts(texts: Sequence[str], cfg: ShingleConfig) -> Windows:
    """Every shingle window of a batch of raw texts, unsorted: all a MinHash needs.

    A minimum does not care about order or repeats, so signatures need neither the sort
    nor the dedup that exact shingle sets cost (the sort is most of their time).
    """
    tokens = _tokenise(texts, cfg)
    return _with_char_docs(_windows(tokens, cfg.size), tokens, cfg)


def shingle_and_window(texts: Sequence[str], cfg: ShingleConfig) -> tuple[ShingleBatch, Windows]:
    """:func:`shingle_texts` and :func:`window_texts` of one batch, tokenised once."""
    tokens = _tokenise(texts, cfg)
    keys, lengths, texts = _digests(tokens)
    windows = _windows(tokens, cfg.size)
    sets = _sort_sets(windows)
    for i in _char_docs(tokens):
        norm = tokens.prepared[i][1] or ""
        keys[i], lengths[i], sets[i], texts[i] = digest(norm), len(norm), shingles(norm, cfg), norm
    return ShingleBatch(keys, lengths, sets, texts), _with_char_docs(windows, tokens, cfg)


def _with_char_docs(windows: Windows, tokens: _Tokens, cfg: ShingleConfig) -> Windows:
    """Add the shingles of the texts shingled by characters, keeping document order."""
    extra = _char_docs(tokens)
    if not extra:
        return windows
    sets = [shingles(tokens.prepared[i][1] or "", cfg) for i in extra]
    doc = np.concatenate(
        [windows.doc, *(np.full(s.size, i) for i, s in zip(extra, sets, strict=True))]
    )
    values = np.concatenate([windows.values, *sets])
    order = np.argsort(doc, kind="stable")
    return Windows(doc[order], values[order], windows.n_docs)


def _digests(tokens: _Tokens) -> tuple[list[str], list[int], list[str]]:
    """Digest, length and text of each normalised text, collapsing spaces in the buffer."""
    import xxhash

    starts, ends, token_doc, firsts = (
        tokens.starts,
        tokens.ends,
        tokens.token_doc,
        tokens.first_token,
    )
    keep = np.not_equal(tokens.buf, _SPACE)
    keep[ends[:-1][token_doc[1:] == token_doc[:-1]]] = True  # one space after inner tokens
    collapsed = memoryview(tokens.buf[keep])
    position = np.cumsum(keep) - keep  # offset of each kept byte in ``collapsed``
    has_text = firsts[1:] > firsts[:-1]
    lows = np.zeros(has_text.size, dtype=np.int64)
    highs = np.zeros(has_text.size, dtype=np.int64)
    lows[has_text] = position[starts[firsts[:-1][has_text]]]
    highs[has_text] = position[ends[firsts[1:][has_text] - 1] - 1] + 1
    hexdigest = xxhash.xxh3_128_hexdigest
    keys: list[str] = []
    lengths: list[int] = []
    texts: list[str] = []
    for (_, norm), lo, hi in zip(tokens.prepared, lows.tolist(), highs.tolist(), strict=True):
        keys.append(hexdigest(collapsed[lo:hi]) if hi > lo else "")
        text = norm if norm is not None else str(collapsed[lo:hi], "ascii")
        lengths.append(len(text))
        texts.append(text if hi > lo else "")
    return keys, lengths, texts


def _windows(tokens: _Tokens, size: int) -> Windows:
    """Every n-gram window of tokens within a document (see :func:`_unit_windows`)."""
    return _unit_windows(tokens.hashes, tokens.token_doc, tokens.first_token, size)


def _unit_windows(
    hashes: np.ndarray, unit_doc: np.ndarray, first: np.ndarray, size: int
) -> Windows:
    """Every n-gram window within a document; a document shorter than n is one window.

    Args:
        hashes: The hash of every unit (token or character) of the batch, in order.
        unit_doc: The document of every unit.
        first: Where each document's units start, then the total (``documents + 1`` values).
        size: Units per window.
    """
    n_docs = first.size - 1
    count = hashes.size - size + 1
    docs = [np.zeros(0, dtype=np.int64)]
    values = [np.zeros(0, dtype=np.uint32)]
    if count > 0:
        combined = hashes[:count].copy()
        for offset in range(1, size):
            combined = combined * _MULT + hashes[offset : offset + count]
        valid = unit_doc[:count] == unit_doc[size - 1 :]
        docs.append(unit_doc[:count][valid])
        values.append(_to_shingle(combined[valid]))
    counts = np.diff(first)
    for doc in np.flatnonzero((counts > 0) & (counts < size)).tolist():
        short = combine(hashes[first[doc] : first[doc + 1]], size)
        docs.append(np.full(short.size, doc, dtype=np.int64))
        values.append(short)
    doc_all, value_all = np.concatenate(docs), np.concatenate(values)
    if len(docs) > 2:
        order = np.argsort(doc_all, kind="stable")
        doc_all, value_all = doc_all[order], value_all[order]
    return Windows(doc_all, value_all, n_docs)


def _sort_sets(windows: Windows) -> list[np.ndarray]:
    """Sorted unique shingle set of each document.

    One small ``uint32`` sort per document: it stays in cache and runs about four times
    faster than one sort of ``(document, value)`` keys over the whole batch.
    """
    bounds = np.searchsorted(windows.doc, np.arange(windows.n_docs + 1)).tolist()
    values = windows.values
    ordered = np.concatenate(
        [np.zeros(0, dtype=np.uint32)] + [np.sort(values[lo:hi]) for lo, hi in pairwise(bounds)]
    )
    starts = np.array(bounds[:-1], dtype=np.int64)
    keep = np.ones(ordered.size, dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    keep[starts[starts < ordered.size]] = True  # a document's first value is always kept
    kept_before = np.r_[0, np.cumsum(keep)]
    unique = ordered[keep]
    cut = kept_before[bounds].tolist()
    return [unique[lo:hi] for lo, hi in pairwise(cut)]


def char_gram_sets(normalized: Sequence[str], size: int, sample: int = 1) -> list[np.ndarray]:
    """Sorted unique character n-gram hashes of each normalised text, a batch at once.

    Equals ``combine(char_hashes(t), size)`` for each text ``t`` (spaces removed, a text
    shorter than ``size`` is one n-gram), keeping the hashes divisible by ``sample``: the
    character n-grams of :func:`newsdedup.stages.rewrite.char_grams`, without a sort per call.
    """
    units = [text.replace(" ", "") for text in normalized]
    lengths = np.fromiter((len(u) for u in units), dtype=np.int64, count=len(units))
    codes = np.frombuffer("".join(units).encode("utf-32-le"), dtype=np.uint32)
    hashes = fmix64(codes.astype(np.uint64) + _MULT)
    unit_doc = np.repeat(np.arange(len(units)), lengths)
    windows = _unit_windows(hashes, unit_doc, np.r_[0, np.cumsum(lengths)], size)
    if sample > 1:
        keep = windows.values % np.uint32(sample) == 0
        windows = Windows(windows.doc[keep], windows.values[keep], windows.n_docs)
    return _sort_sets(windows)
