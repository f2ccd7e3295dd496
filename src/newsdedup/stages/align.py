"""Passage alignment: the passages two texts share, as offsets into the original texts.

This is the evidence shown for every copy and rewrite (the pairs table, ``newsdedup
explain``, the report). Both texts are cut into the same shingles the matching uses
(word 3-grams, or character n-grams for scripts without spaces); runs of consecutive
shared shingles that line up in both texts are taken longest first, one-to-one, then
merged across gaps of at most ``_GAP`` units, so a passage with one changed word stays
one passage. Each passage says how many documents of the corpus hold it at most (the
fewest holding any of its shingles): 2 means it is found in these two texts only.

Most news text is ASCII with some typographic punctuation; such a text is cut by one
table lookup per character (:func:`_plain_units`), others line by line
(:func:`units_by_line`, the reference the tests hold the fast path to). Runs are found
with numpy over all matching positions at once. Passages of many pairs are aligned first
and counted after (:mod:`newsdedup.stages.evidence`), so only their shingles are counted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from queue import Queue

import numpy as np

from newsdedup.config import ShingleConfig
from newsdedup.data import Fingerprint, Passage
from newsdedup.dates import seconds
from newsdedup.kernels.counting import KeyCounts, blocks, count, indexed
from newsdedup.runtime import releasing, threaded
from newsdedup.stages.boilerplate import Boilerplate, is_furniture
from newsdedup.stages.clean import ascii_table, normalize, spacing_table, translated
from newsdedup.stages.shingle import (
    _PIECE,
    _SPACE,
    _span_hashes,
    _token_spans,
    char_hashes,
    mixed_units,
    mixed_windows,
    mixes,
    rolling,
    unit_for,
    word_hashes,
)

_GAP = 3  # units a merged passage may skip in each text (a changed or inserted word)
_MIN_WORDS = 5  # shorter shared runs are common phrases, not evidence
_MIN_CHARS = 10  # the same, in characters, for scripts without spaces
_MAX_POSITIONS = 8  # a shingle repeated more often in one text is not used to align
_BLOCK = 1 << 22  # shingles per lookup when counting the passages' shingles
_LINE = re.compile(r"[^\n]+")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class ShingleRarity:
    """How many distinct documents hold each word shingle (of those counted)."""

    counts: KeyCounts

    @classmethod
    def empty(cls) -> ShingleRarity:
        """No counts: every passage is taken as found in its two texts only."""
        return cls(count([]))

    def found_in(self, hashes: np.ndarray) -> int:
        """At most how many documents hold all of ``hashes`` (the smallest count)."""
        return int(self.smallest(hashes, [0, hashes.size])[0]) if hashes.size else 2

    def smallest(self, hashes: np.ndarray, bounds: Sequence[int]) -> np.ndarray:
        """:meth:`found_in` of each non-empty ``hashes[bounds[k]:bounds[k + 1]]``, at once."""
        return self.rarest(hashes, bounds)[0]

    def rarest(self, hashes: np.ndarray, bounds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`smallest`, and the shingle of each run held by that few (the first such)."""
        if not hashes.size:
            return np.zeros(0, dtype=np.int64), hashes[:0]
        where = self.counts.find(hashes)
        counts = self.counts.counts
        # -1, not counted: held by one text at least. (No copy of the whole table per call:
        # evidence asks once per chunk of 64 pairs.)
        df = np.where(where >= 0, counts[where] if counts.size else 1, 1)
        starts = np.asarray(bounds[:-1], dtype=np.int64)
        fewest = np.minimum.reduceat(df, starts)
        sizes = np.diff(np.asarray(bounds, dtype=np.int64)).astype(np.int64)
        run = np.repeat(np.arange(starts.size), sizes)
        at = np.flatnonzero(df == fewest[run])
        first = at[np.r_[True, run[at[1:]] != run[at[:-1]]]]  # each run's first
        return np.maximum(fewest, 2), hashes[first]


def _distinct_sets(fingerprints: Iterable[Fingerprint]) -> Iterator[np.ndarray]:
    """The shingle set of each document with a distinct, non-empty text."""
    for fp in _distinct(fingerprints):
        yield fp.shingles


def shingle_rarity(
    fingerprints: Iterable[Fingerprint], keys: np.ndarray | None = None, *, threads: int = 1
) -> ShingleRarity:
    """Count the documents holding each shingle, over documents with distinct texts.

    Args:
        fingerprints: Every document's fingerprint.
        keys: Count only these shingles (the passages' own), so memory holds a table of
            them rather than of every shingle of the corpus (hundreds of millions at a
            million articles); ``None`` counts every shingle.
        threads: Threads to look the corpus's shingles up in (the lookup releases the GIL).
    """
    if keys is None:
        return ShingleRarity(count(releasing(_distinct_sets(fingerprints))))
    table = indexed(keys)
    sets = releasing(_distinct_sets(fingerprints))  # spilled sets let go as the scan moves on
    tallies = _tallied(table, blocks(sets, _BLOCK), max(threads, 1))
    return ShingleRarity(replace(table, counts=np.sum(tallies, axis=0)))


def _tallied(table: KeyCounts, blocks: Iterable[np.ndarray], threads: int) -> list[np.ndarray]:
    """Count the keys of every block found in ``table``, over ``threads`` threads.

    Each thread adds into a tally of its own (the lookups release the GIL); the tallies
    are summed after, so which thread took which block does not matter.
    """
    free: Queue[np.ndarray] = Queue()
    tallies = [np.zeros(table.keys.size, dtype=np.int64) for _ in range(threads)]
    marks = table.marks()  # most of the corpus's shingles are in no passage
    for tally in tallies:
        free.put(tally)

    def add(block: np.ndarray) -> None:
        tally = free.get()
        try:
            table.tally(block, tally, marks)
        finally:
            free.put(tally)

    for _ in threaded(add, blocks, threads):
        pass
    return tallies


@dataclass(frozen=True, slots=True)
class Holders:
    """When the documents that hold some shingles were published (:func:`held_when`).

    Attributes:
        keys: The shingles, ascending.
        times: Publication times (seconds since the epoch) of the dated documents holding
            them, shingle after shingle, ascending within each.
        bounds: Shingle ``k``'s are ``times[bounds[k]:bounds[k + 1]]``.
    """

    keys: np.ndarray
    times: np.ndarray
    bounds: np.ndarray

    def dated(self, keys: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """How many documents holding each of ``keys`` are dated in ``[start, stop]``.

        A key not among :attr:`keys` is held by no document that was looked at: 0.
        """
        at = np.minimum(np.searchsorted(self.keys, keys), max(self.keys.size - 1, 0))
        known = self.keys[at] == keys if self.keys.size else np.zeros(keys.size, dtype=bool)
        out = np.zeros(keys.size, dtype=np.int64)
        for k in np.flatnonzero(known).tolist():  # one a passage: few, and cheap
            held = self.times[self.bounds[at[k]] : self.bounds[at[k] + 1]]
            within = np.searchsorted(held, stop[k], "right") - np.searchsorted(held, start[k])
            out[k] = max(int(within), 0)  # an empty span (start after stop) holds none
        return out

    def held(self, keys: np.ndarray) -> np.ndarray:
        """How many dated documents hold each of ``keys`` (0 for a key not looked for)."""
        at = np.minimum(np.searchsorted(self.keys, keys), max(self.keys.size - 1, 0))
        known = self.keys[at] == keys if self.keys.size else np.zeros(keys.size, dtype=bool)
        return np.where(known, np.diff(self.bounds)[at] if self.keys.size else 0, 0)


def held_when(
    fingerprints: Iterable[Fingerprint], keys: np.ndarray, *, threads: int = 1
) -> Holders:
    """When the documents holding each of ``keys`` were published, over distinct texts.

    Distinct texts are counted once, as :func:`shingle_rarity` counts them (the first
    document of each); undated documents are left out. One pass over every document's
    shingles, spread over ``threads`` (the lookups release the GIL).
    """
    table = indexed(keys)
    marks = table.marks()

    def found(batch: list[Fingerprint]) -> tuple[np.ndarray, np.ndarray]:
        offsets = np.cumsum([0, *(fp.shingles.size for fp in batch)])
        joined = np.concatenate([fp.shingles for fp in batch]) if batch else _NO_KEYS
        runs, ranks = table.holders(joined, offsets, marks)
        times = np.array([seconds(batch[r].published) for r in runs.tolist()], dtype=np.float64)
        return ranks, times

    parts = list(threaded(found, _batches(releasing(_distinct(fingerprints))), max(threads, 1)))
    ranks = np.concatenate([_NO_RANKS, *(r for r, _ in parts)])
    times = np.concatenate([np.zeros(0), *(t for _, t in parts)])
    dated = np.isfinite(times)
    ranks, times = ranks[dated], times[dated]
    order = np.lexsort((times, ranks))
    bounds = np.searchsorted(ranks[order], np.arange(table.keys.size + 1))
    return Holders(table.keys, times[order], bounds)


_NO_KEYS = np.zeros(0, dtype=np.uint32)
_NO_RANKS = np.zeros(0, dtype=np.int64)


def _distinct(fingerprints: Iterable[Fingerprint]) -> Iterator[Fingerprint]:
    """Every document with a distinct, non-empty text (the first of each)."""
    seen: set[str] = set()
    for fp in fingerprints:
        if fp.digest and fp.digest not in seen:
            seen.add(fp.digest)
            yield fp


def _batches(fingerprints: Iterable[Fingerprint]) -> Iterator[list[Fingerprint]]:
    """The documents in batches of about :data:`_BLOCK` shingles, for one kernel call each."""
    batch: list[Fingerprint] = []
    held = 0
    for fp in fingerprints:
        batch.append(fp)
        held += fp.shingles.size
        if held >= _BLOCK:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


@dataclass(frozen=True, slots=True)
class Units:
    """A text cut into comparison units, each with its span in the original text.

    Attributes:
        starts: Where each unit starts in the original text.
        ends: Where each unit ends.
        hashes: One shingle hash per unit position that starts a shingle.
        unit: ``word`` or ``char``: what the text was cut into.
    """

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray
    unit: str = "word"


@lru_cache(maxsize=1 << 16)
def _normal_words(token: str) -> tuple[str, ...]:
    """The normalised words of one token of the original text (tokens repeat: cached)."""
    return tuple(normalize(token).split())


def _line_words(line: str, offset: int, unit: str) -> tuple[list[str], list[int], list[int]]:
    """The normalised units of one line with their start and end offsets in the text.

    The whole line is normalised at once; only when that does not give one word per
    token (NFKC can split a token, or a format character join two) is each token
    normalised on its own.
    """
    tokens = list(_TOKEN.finditer(translated(line, spacing_table())))
    words = normalize(line).split()
    if unit == "word" and len(words) == len(tokens):
        return words, [offset + t.start() for t in tokens], [offset + t.end() for t in tokens]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for token in tokens:
        for part in _normal_words(token.group()):
            if unit == "mixed":
                pieces = [char or word for char, word in _PIECE.findall(part)]
            else:
                pieces = list(part) if unit == "char" else [part]
            out.extend(pieces)
            starts.extend([offset + token.start()] * len(pieces))
            ends.extend([offset + token.end()] * len(pieces))
    return out, starts, ends


def _kept_lines(text: str, site: str | None, furniture: Boilerplate) -> Iterator[re.Match[str]]:
    """The lines of ``text`` that are not furniture."""
    lines = _LINE.finditer(text)
    if not furniture.keys and not furniture.patterns:
        return lines
    return (line for line in lines if not is_furniture(line.group(), site, furniture))


def units_by_line(text: str, cfg: ShingleConfig, site: str | None, furniture: Boilerplate) -> Units:
    """:func:`units` line by line and word by word: the reference, and the path for any text.

    A text in mixed units (:func:`~newsdedup.stages.shingle.mixes`) is cut as it is shingled, so
    its shingles are found in its copies whatever their script; its passages are still
    counted in the unit it is mostly written in (a passage's last shingle is taken as
    that unit's width, so its end may be off by a unit).
    """
    normalized = normalize(text)
    unit = unit_for(normalized, cfg)
    cut = "mixed" if mixes(normalized, cfg) else unit
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for line in _kept_lines(text, site, furniture):
        line_words, line_starts, line_ends = _line_words(line.group(), line.start(), cut)
        words.extend(line_words)
        starts.extend(line_starts)
        ends.extend(line_ends)
    norm = " ".join(words)
    if cut == "mixed":
        hashes, widths = mixed_units(norm, cfg)
        enough = hashes.size > 0 and hashes.size >= int(widths.max())
        windows = mixed_windows(hashes, widths) if enough else np.zeros(0, np.uint32)
    else:
        size = cfg.size if unit == "word" else cfg.char_size
        hashes = word_hashes(norm) if unit == "word" else char_hashes(norm)
        windows = rolling(hashes, size) if len(words) >= size else np.zeros(0, np.uint32)
    return Units(np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), windows, unit)


@cache
def _plain_table() -> np.ndarray:
    """Per code point below 0x10000: the byte :func:`~newsdedup.stages.clean.normalize` makes of it.

    ASCII as :func:`newsdedup.stages.clean.ascii_table` maps it (lower case, or a space). A
    space for the punctuation, symbols and spaces beyond ASCII that normalise to a word
    break, alone and between two letters, and neither decompose into letters nor combine
    with a neighbour (curly quotes, dashes, ``©``, no-break spaces, ``…``). 0 for every
    other character: a text holding one is cut by :func:`units_by_line`.
    """
    table = np.zeros(0x10000, dtype=np.uint8)
    table[:128] = np.frombuffer(ascii_table()[:128], dtype=np.uint8)
    for code in range(128, 0x10000):
        char = chr(code)
        if (
            (unicodedata.category(char)[0] in "PSZ" or unicodedata.category(char) == "Cc")
            and not unicodedata.combining(char)
            and normalize(char) == ""
            and normalize(f"a{char}b") == "a b"
        ):
            table[code] = _SPACE
    return table


def _plain_units(
    text: str,
    cfg: ShingleConfig,
    site: str | None,
    furniture: Boilerplate,
    spans: Sequence[tuple[int, int]] | None = None,
) -> Units | None:
    """:func:`units` of a text of ASCII and plain punctuation, by a table: no word objects.

    Returns ``None`` for other text. Every kept character maps to one byte, so offsets
    into the bytes are offsets into the text, and the words are the runs of letters and
    digits: what :func:`units_by_line` finds, without normalising line by line.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if codes.size and int(codes.max()) >= 0x10000:
        return None
    buf = _plain_table()[codes]
    if not buf.all():
        return None
    if spans is not None:
        for start, end in spans:
            buf[start:end] = _SPACE
    elif furniture.keys or furniture.patterns:
        for line in _LINE.finditer(text):
            if is_furniture(line.group(), site, furniture):
                buf[line.start() : line.end()] = _SPACE
    starts, ends = _token_spans(buf)
    hashes = _span_hashes(buf, starts, ends)
    return Units(
        starts,
        ends,
        rolling(hashes, cfg.size) if starts.size >= cfg.size else np.zeros(0, np.uint32),
    )


def units(
    text: str,
    cfg: ShingleConfig,
    site: str | None,
    furniture: Boilerplate,
    spans: Sequence[tuple[int, int]] | None = None,
) -> Units:
    """Cut ``text`` (less its furniture lines) into units and shingle hashes, with spans.

    The units are the words (or characters) matching compares: each line normalised.
    ``spans`` are the furniture lines' ``(start, end)`` when known already
    (:func:`newsdedup.stages.boilerplate.furniture_spans`); otherwise each line is looked at.
    """
    plain = _plain_units(text, cfg, site, furniture, spans) if cfg.unit != "char" else None
    return plain if plain is not None else units_by_line(text, cfg, site, furniture)


def _runs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal diagonal runs of equal shingle hashes: lengths, ``a`` starts, ``b`` starts.

    A run is a longest chain of positions ``(i, j), (i + 1, j + 1) ...`` with
    ``a[i] == b[j]``, leaving out hashes found more than ``_MAX_POSITIONS`` times in ``b``.
    Runs come ordered by their diagonal ``j - i``, then by ``i``.
    """
    order = np.argsort(b, kind="stable")
    ordered = b[order]
    low = np.searchsorted(ordered, a, side="left")
    found = np.searchsorted(ordered, a, side="right") - low
    found[found > _MAX_POSITIONS] = 0
    i = np.repeat(np.arange(a.size), found)
    first = np.repeat(low - (np.cumsum(found) - found), found)
    j = order[first + np.arange(i.size)]
    diagonal = j - i
    by_diagonal = np.lexsort((i, diagonal))
    i, diagonal = i[by_diagonal], diagonal[by_diagonal]
    new = np.ones(i.size, dtype=bool)  # a run starts where the diagonal changes or i skips
    new[1:] = (diagonal[1:] != diagonal[:-1]) | (i[1:] != i[:-1] + 1)
    starts = np.flatnonzero(new)
    lengths = np.diff(starts, append=i.size)
    return lengths, i[starts], i[starts] + diagonal[starts]


def _one_to_one(
    runs: tuple[np.ndarray, np.ndarray, np.ndarray], size: int
) -> list[tuple[int, int, int, int]]:
    """Longest runs first, none overlapping another in either text: unit ranges."""
    lengths, a_starts, b_starts = runs
    order = np.lexsort((b_starts, a_starts, -lengths))
    taken: list[tuple[int, int, int, int]] = []
    for length, a0, b0 in zip(
        lengths[order].tolist(), a_starts[order].tolist(), b_starts[order].tolist(), strict=True
    ):
        a1, b1 = a0 + length + size - 1, b0 + length + size - 1
        if all(a1 <= x0 or a0 >= x1 for x0, x1, _, _ in taken) and all(
            b1 <= y0 or b0 >= y1 for _, _, y0, y1 in taken
        ):
            taken.append((a0, a1, b0, b1))
    return sorted(taken)


def _merge(ranges: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Join ranges that follow each other in both texts with small gaps."""
    merged: list[tuple[int, int, int, int]] = []
    for a0, a1, b0, b1 in ranges:
        if merged:
            p0, p1, q0, q1 = merged[-1]
            if 0 <= a0 - p1 <= _GAP and 0 <= b0 - q1 <= _GAP:
                merged[-1] = (p0, a1, q0, b1)
                continue
        merged.append((a0, a1, b0, b1))
    return merged


def shingle_size(unit: str, cfg: ShingleConfig) -> int:
    """Units per shingle for texts cut into ``unit``."""
    return cfg.char_size if unit == "char" else cfg.size


def passage_spans(a: Units, b: Units, size: int, min_units: int) -> list[tuple[Passage, slice]]:
    """The passages two cut texts share, at least ``min_units`` units long, not yet counted.

    Each comes with the slice of ``a.hashes`` whose rarity is its ``found_in``.
    """
    if not a.hashes.size or not b.hashes.size:
        return []
    spans = []
    for a0, a1, b0, b1 in _merge(_one_to_one(_runs(a.hashes, b.hashes), size)):
        if a1 - a0 < min_units:
            continue
        passage = Passage(
            int(a.starts[a0]), int(a.ends[a1 - 1]), int(b.starts[b0]), int(b.ends[b1 - 1]), a1 - a0
        )
        spans.append((passage, slice(a0, max(a0 + 1, a1 - size + 1))))
    return spans


def align(
    a: Units, b: Units, size: int, rare: ShingleRarity, min_units: int
) -> tuple[Passage, ...]:
    """The passages two cut texts share, at least ``min_units`` units long."""
    return tuple(
        replace(passage, found_in=rare.found_in(a.hashes[window]))
        for passage, window in passage_spans(a, b, size, min_units)
    )


def min_units(unit: str) -> int:
    """The fewest units a passage must have to count as evidence."""
    return _MIN_CHARS if unit == "char" else _MIN_WORDS


def shared_passages(
    text_a: str,
    text_b: str,
    rare: ShingleRarity,
    cfg: ShingleConfig,
    furniture: Boilerplate | None = None,
    sites: tuple[str | None, str | None] = (None, None),
) -> tuple[Passage, ...]:
    """The passages two texts share, outside their furniture, as offsets into each.

    Args:
        text_a: The first text, as read.
        text_b: The second text, as read.
        rare: Document counts of shingles, for each passage's ``found_in``.
        cfg: The shingle settings the matching used.
        furniture: Furniture to leave out (none if ``None``).
        sites: The two documents' sites, for learned furniture.
    """
    bp = furniture or Boilerplate(patterns=False)
    a, b = units(text_a, cfg, sites[0], bp), units(text_b, cfg, sites[1], bp)
    return align(a, b, shingle_size(a.unit, cfg), rare, min_units(a.unit))
