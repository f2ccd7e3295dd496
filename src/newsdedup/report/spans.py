"""Character spans for the report: shared passages, boilerplate, and offsets for JavaScript.

Pure functions on strings. A span is ``(start, end)``, half-open, in Python code points;
:func:`to_utf16` converts spans for the browser, whose strings count UTF-16 units.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

Span = tuple[int, int]
Passage = tuple[int, int, int, int]

# Word n-grams of this length that two texts share mark a copied passage when the pairs
# table has no aligned passages: long enough that common phrases rarely match by chance.
NGRAM = 8
_WORD = re.compile(r"\w+")


def merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sort spans and merge the overlapping ones; empty spans are dropped."""
    merged: list[Span] = []
    for start, end in sorted(span for span in spans if span[1] > span[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def parse_passages(value: Any) -> tuple[Passage, ...] | None:
    """Read a ``passages`` cell: a JSON list (or list) of ``[a_start, a_end, b_start, b_end]``.

    Returns:
        The passages, or ``None`` when the cell is missing, empty or malformed, so the
        caller falls back to :func:`shared_spans`.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, list):
        return None
    passages = []
    for item in value:
        if not (isinstance(item, list | tuple) and len(item) == 4):
            return None
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in item):
            return None
        passages.append((item[0], item[1], item[2], item[3]))
    return tuple(passages)


def passage_spans(passages: Sequence[Passage], swap: bool = False) -> tuple[Span, ...]:
    """Spans of one side of aligned passages: the ``a`` side, or ``b`` when ``swap``."""
    return merge((p[2], p[3]) if swap else (p[0], p[1]) for p in passages)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _grams(tokens: Sequence[tuple[str, int, int]], size: int) -> list[tuple[str, ...]]:
    words = [word for word, _, _ in tokens]
    return [tuple(words[i : i + size]) for i in range(len(words) - size + 1)]


def _covered(tokens: Sequence[tuple[str, int, int]], shared: set, size: int) -> tuple[Span, ...]:
    grams = _grams(tokens, size)
    return merge(
        (tokens[i][1], tokens[i + size - 1][2]) for i, gram in enumerate(grams) if gram in shared
    )


def shared_spans(a: str, b: str, size: int = NGRAM) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    r"""Spans of ``a`` and of ``b`` covered by word ``size``-grams that both texts contain.

    Words are ``\w+`` runs compared case-folded, so punctuation and case do not break a
    passage. A text shorter than ``size`` words is compared with n-grams as long as it is.
    """
    tokens_a, tokens_b = _tokens(a), _tokens(b)
    size = min(size, len(tokens_a), len(tokens_b))
    if size == 0:
        return (), ()
    shared = set(_grams(tokens_a, size)) & set(_grams(tokens_b, size))
    return _covered(tokens_a, shared, size), _covered(tokens_b, shared, size)


def find_all(text: str, phrases: Iterable[str]) -> tuple[Span, ...]:
    """Spans of every occurrence of every non-blank phrase in ``text``."""
    spans = []
    for phrase in phrases:
        if not phrase.strip():
            continue
        start = text.find(phrase)
        while start >= 0:
            spans.append((start, start + len(phrase)))
            start = text.find(phrase, start + len(phrase))
    return merge(spans)


def clip(spans: Iterable[Span], limit: int) -> tuple[Span, ...]:
    """Spans cut to ``[0, limit)``; those wholly past it are dropped."""
    return merge((max(0, s), min(e, limit)) for s, e in spans if s < limit)


def to_utf16(text: str, spans: Iterable[Span]) -> tuple[Span, ...]:
    """Spans of ``text`` in UTF-16 code units, as JavaScript's ``String.slice`` counts them."""
    spans = tuple(spans)
    if not spans or all(ord(ch) <= 0xFFFF for ch in text):
        return spans
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + (2 if ord(ch) > 0xFFFF else 1))
    last = len(text)
    return tuple((offsets[min(s, last)], offsets[min(e, last)]) for s, e in spans)
