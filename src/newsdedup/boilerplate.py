"""Boilerplate: site furniture learned from the corpus, set aside before matching.

Site furniture (follow-us lines, newsletter asks, share buttons, photo credits, video
player captions) makes unrelated articles of one site look alike, and hides copies of a
wire story across sites. Two sources of knowledge, as in passim's within-source
suppression:

* **Learned**: a line (a paragraph of the input) that recurs in ``min_docs`` or more
  distinct documents *of the same source* is furniture of that source. Exact copies are
  counted once, so a wire story repeated verbatim does not make its own paragraphs
  furniture. Documents without a source (neither a source field nor a URL) learn nothing:
  across outlets, a recurring paragraph is far more often syndicated text than furniture.
* **Patterns**: a short line that matches a common furniture pattern (below) in any
  document.

Exact duplicates are found on the whole text; near copies and rewrites are compared on
the text without its furniture.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import xxhash

from newsdedup.clean import normalize
from newsdedup.config import BoilerplateConfig
from newsdedup.data import Document
from newsdedup.shingle import _ascii_table

# Lines of furniture that many sites share. Matched on the normalised line (lower case,
# punctuation as spaces) of at most _PATTERN_MAX_WORDS words, so that a sentence of an
# article that happens to mention a newsletter is never removed. A line is furniture if it
# contains one of _ANYWHERE, or is wholly one of _WHOLE. (One pattern of ``.*x.*``
# alternatives backtracked at every position: about 14 us a line; these two, about 1.)
_SHARE = "(?:share|tweet|email|print|pin|whatsapp|facebook|twitter|linkedin|reddit)"
_ANYWHERE = re.compile(
    r"\b(?:follow us|like us) on\b"
    r"|\b(?:sign up|subscribe)\b.*\b(?:newsletter|inbox|updates|email)\b"
    r"|\b(?:get|receive) .*\bupdates directly\b"
    r"|\b(?:leave|post|add|view|read|show) (?:a |the |all )?comments?\b"
    r"|\bcomments? (?:are|have been) closed\b"
    r"|\b(?:getty images|afp via getty|reuters photo|ap photo|shutterstock)\b"
    r"|\bvideo (?:loading|unavailable)\b|\b(?:click|tap) to play\b"
    r"|\ball rights reserved\b"
)
_WHOLE = re.compile(
    rf"{_SHARE}(?: (?:this|on|article|story|via|{_SHARE}))*"
    r"|(?:photo|image|picture|photograph|credit)s?(?: credit)?(?: by| via)? \S+(?: \S+){0,5}"
    r"|advertisement|sponsored(?: content)?|related(?: articles| stories| news)?|read more.*"
    r"|copyright .*|© .*"
)
_PATTERN_MAX_WORDS = 25
_MULTIPLIER = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class FurnitureLine:
    """A line learned as furniture of a source, for the boilerplate report.

    Attributes:
        source: The source (outlet, or the URL's host) it belongs to.
        text: The line as it first appeared (cut to 300 characters).
        documents: Distinct documents of the source that carry it.
    """

    source: str
    text: str
    documents: int


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """What is furniture: learned line keys per source, plus the report rows.

    Attributes:
        keys: ``(source, line key)`` pairs of learned furniture.
        lines: The learned lines, most frequent first, for the report.
        patterns: Whether the fixed patterns apply.
    """

    keys: frozenset[tuple[str, int]] = frozenset()
    lines: tuple[FurnitureLine, ...] = ()
    patterns: bool = True


def source_of(source: str | None, url: str | None) -> str | None:
    """The source a document's furniture is learned under: its source, else its URL's host."""
    if source:
        return source
    if url:
        host = urlsplit(url).hostname
        return host.removeprefix("www.") if host else None
    return None


def split_lines(text: str) -> list[str]:
    """The non-blank lines of a text, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def normal_line(line: str) -> str:
    """:func:`~newsdedup.clean.normalize` of one line; ASCII lines by a byte table, faster."""
    if line.isascii():
        return b" ".join(line.encode("ascii").translate(_ascii_table()).split()).decode("ascii")
    return normalize(line)


def line_key(line: str) -> int:
    """The key of a line: XXH3-64 of its normalised form."""
    return _key(normal_line(line))


def _key(norm: str) -> int:
    return xxhash.xxh3_64_intdigest(norm.encode("utf-8"))


def _patterned(norm: str) -> bool:
    """Whether a normalised line is common furniture by its wording alone."""
    return (
        bool(norm)
        and norm.count(" ") < _PATTERN_MAX_WORDS
        and bool(_WHOLE.fullmatch(norm) or _ANYWHERE.search(norm))
    )


def _counted_key(source_key: int, line: int) -> int:
    """One integer for (source, line), so the learning counter holds no tuples."""
    return ((line * _MULTIPLIER) ^ source_key) & _MASK


def is_pattern(line: str) -> bool:
    """Whether a line is common furniture by its wording alone."""
    return _patterned(normal_line(line))


def learn(docs: Iterable[tuple[str | None, str]], cfg: BoilerplateConfig) -> Boilerplate:
    """Learn each source's furniture from ``(source, text)`` of distinct documents.

    Counts every (source, line) once per document, as one integer, because a line is
    furniture only once it has been seen in ``cfg.min_docs`` documents; a line's text is
    kept from the document that makes it furniture, so memory holds counts, not the
    corpus's lines. Pass each exact text once.
    """
    if not cfg.enabled:
        return Boilerplate(patterns=False)
    counts: Counter[int] = Counter()
    learned: dict[int, tuple[str, int, str]] = {}  # counted key -> (source, line key, line)
    salts: dict[str, int] = {}
    for source, text in docs:
        if source is None:
            continue
        salt = salts.get(source)
        if salt is None:
            salt = salts[source] = xxhash.xxh3_64_intdigest(source.encode("utf-8", "replace"))
        keys: dict[int, str] = {}
        for line in split_lines(text):
            keys.setdefault(line_key(line), line)
        for key, line in keys.items():
            counted = _counted_key(salt, key)
            seen = counts[counted] = counts[counted] + 1
            if seen == cfg.min_docs:
                learned[counted] = (source, key, line)
    rows = sorted(
        (FurnitureLine(source, line[:300], counts[c]) for c, (source, _, line) in learned.items()),
        key=lambda row: (-row.documents, row.source, row.text),
    )
    keys_learned = frozenset((source, key) for source, key, _ in learned.values())
    return Boilerplate(keys_learned, tuple(rows), cfg.patterns)


def learn_from_documents(docs: Iterable[Document], cfg: BoilerplateConfig) -> Boilerplate:
    """Learn furniture from documents, counting each exact text once (see :func:`learn`)."""
    seen: set[int] = set()

    def distinct() -> Iterator[tuple[str | None, str]]:
        for doc in docs:
            site = source_of(doc.source, doc.url)
            if site is None or not doc.text:
                continue
            key = xxhash.xxh3_64_intdigest(doc.text.encode("utf-8", "surrogatepass"))
            if key not in seen:
                seen.add(key)
                yield site, doc.text

    return learn(distinct(), cfg)


def is_furniture(line: str, source: str | None, bp: Boilerplate) -> bool:
    """Whether one line of a document from ``source`` is furniture."""
    norm = normal_line(line)
    if source is not None and bp.keys and (source, _key(norm)) in bp.keys:
        return True
    return bp.patterns and _patterned(norm)


def strip(text: str, source: str | None, bp: Boilerplate) -> str:
    """The text without its furniture lines; the text itself if none, or nothing else, is."""
    if not bp.keys and not bp.patterns:
        return text
    lines = split_lines(text)
    kept = [line for line in lines if not is_furniture(line, source, bp)]
    return "\n".join(kept) if kept and len(kept) < len(lines) else text
