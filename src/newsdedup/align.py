"""Passage alignment: the passages two texts share, as offsets into the original texts.

This is the evidence shown for every copy and rewrite (the pairs table, ``newsdedup
explain``, the report). Both texts are cut into the same shingles the matching uses
(word 3-grams, or character n-grams for scripts without spaces); runs of consecutive
shared shingles that line up in both texts are taken longest first, one-to-one, then
merged across gaps of at most ``_GAP`` units, so a passage with one changed word stays
one passage. Each passage says how many documents of the corpus hold it at most (the
fewest holding any of its shingles): 2 means it is found in these two texts only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newsdedup.boilerplate import Boilerplate, is_furniture
from newsdedup.clean import normalize, spacing_table
from newsdedup.config import ShingleConfig
from newsdedup.data import Fingerprint, Passage
from newsdedup.shingle import char_hashes, rolling, unit_for, word_hashes

_GAP = 3  # units a merged passage may skip in each text (a changed or inserted word)
_MIN_WORDS = 5  # shorter shared runs are common phrases, not evidence
_MIN_CHARS = 10  # the same, in characters, for scripts without spaces
_MAX_POSITIONS = 8  # a shingle repeated more often in one text is not used to align
_LINE = re.compile(r"[^\n]+")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class ShingleRarity:
    """How many distinct documents hold each word shingle: sorted keys and counts."""

    keys: np.ndarray
    df: np.ndarray

    @classmethod
    def empty(cls) -> ShingleRarity:
        """No counts: every passage is taken as found in its two texts only."""
        return cls(np.zeros(0, np.uint32), np.zeros(0, np.int64))

    def found_in(self, hashes: np.ndarray) -> int:
        """At most how many documents hold all of ``hashes`` (the smallest count)."""
        if not self.keys.size or not hashes.size:
            return 2
        index = np.minimum(np.searchsorted(self.keys, hashes), self.keys.size - 1)
        counts = np.where(self.keys[index] == hashes, self.df[index], 1)
        return max(2, int(counts.min()))


def shingle_rarity(fingerprints: Sequence[Fingerprint]) -> ShingleRarity:
    """Count the documents holding each shingle, over documents with distinct texts."""
    seen: set[str] = set()
    sets = []
    for fp in fingerprints:
        if fp.digest and fp.digest not in seen:
            seen.add(fp.digest)
            sets.append(fp.shingles)
    if not sets:
        return ShingleRarity.empty()
    keys, df = np.unique(np.concatenate(sets), return_counts=True)
    return ShingleRarity(keys, df)


@dataclass(frozen=True, slots=True)
class Units:
    """A text cut into comparison units, each with its span in the original text."""

    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray  # one shingle hash per unit position that starts a shingle


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
    tokens = list(_TOKEN.finditer(line.translate(spacing_table())))
    words = normalize(line).split()
    if unit == "word" and len(words) == len(tokens):
        return words, [offset + t.start() for t in tokens], [offset + t.end() for t in tokens]
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for token in tokens:
        for part in _normal_words(token.group()):
            pieces = list(part) if unit == "char" else [part]
            out.extend(pieces)
            starts.extend([offset + token.start()] * len(pieces))
            ends.extend([offset + token.end()] * len(pieces))
    return out, starts, ends


def units(text: str, cfg: ShingleConfig, site: str | None, furniture: Boilerplate) -> Units:
    """Cut ``text`` (less its furniture lines) into units and shingle hashes, with spans."""
    unit = unit_for(normalize(text), cfg)
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for line in _LINE.finditer(text):
        if is_furniture(line.group(), site, furniture):
            continue
        line_words, line_starts, line_ends = _line_words(line.group(), line.start(), unit)
        words.extend(line_words)
        starts.extend(line_starts)
        ends.extend(line_ends)
    norm = " ".join(words)
    hashes = word_hashes(norm) if unit == "word" else char_hashes(norm)
    size = cfg.size if unit == "word" else cfg.char_size
    return Units(
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        rolling(hashes, size) if len(words) >= size else np.zeros(0, np.uint32),
    )


def _runs(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int, int]]:
    """Maximal diagonal runs ``(length, a_start, b_start)`` of equal shingle hashes."""
    where: dict[int, list[int]] = defaultdict(list)
    for j, h in enumerate(b.tolist()):
        where[h].append(j)
    runs: list[tuple[int, int, int]] = []
    open_runs: dict[int, tuple[int, int]] = {}  # b position -> (a_start, b_start)
    for i, h in enumerate(a.tolist()):
        positions = where.get(h, ())
        following: dict[int, tuple[int, int]] = {}
        if len(positions) <= _MAX_POSITIONS:
            for j in positions:
                following[j] = open_runs.get(j - 1, (i, j))
        for j, (a0, b0) in open_runs.items():
            if j + 1 not in following:
                runs.append((i - a0, a0, b0))
        open_runs = following
    runs.extend((len(a) - a0, a0, b0) for a0, b0 in open_runs.values())
    return runs


def _one_to_one(runs: list[tuple[int, int, int]], size: int) -> list[tuple[int, int, int, int]]:
    """Longest runs first, none overlapping another in either text: unit ranges."""
    taken: list[tuple[int, int, int, int]] = []
    for length, a0, b0 in sorted(runs, key=lambda r: (-r[0], r[1], r[2])):
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


def align(
    a: Units, b: Units, size: int, rare: ShingleRarity, min_units: int
) -> tuple[Passage, ...]:
    """The passages two cut texts share, at least ``min_units`` units long."""
    if not a.hashes.size or not b.hashes.size:
        return ()
    ranges = _merge(_one_to_one(_runs(a.hashes, b.hashes), size))
    passages = []
    for a0, a1, b0, b1 in ranges:
        if a1 - a0 < min_units:
            continue
        found = rare.found_in(np.unique(a.hashes[a0 : max(a0 + 1, a1 - size + 1)]))
        passages.append(
            Passage(
                int(a.starts[a0]),
                int(a.ends[a1 - 1]),
                int(b.starts[b0]),
                int(b.ends[b1 - 1]),
                a1 - a0,
                found,
            )
        )
    return tuple(passages)


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
    char = unit_for(normalize(text_a), cfg) == "char"
    size = cfg.char_size if char else cfg.size
    return align(a, b, size, rare, _MIN_CHARS if char else _MIN_WORDS)
