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
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urlsplit

import xxhash

from newsdedup.clean import ascii_table, normalize
from newsdedup.config import BoilerplateConfig
from newsdedup.data import Document

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
# Every _ANYWHERE alternative holds one of these: most lines are ruled out without a search.
_ANYWHERE_NEEDS = (
    b"us on",
    b"newsletter",
    b"inbox",
    b"updates",
    b"email",
    b"comment",
    b"getty",
    b"photo",
    b"shutterstock",
    b"video",
    b"to play",
    b"rights reserved",
)
_WHOLE = re.compile(
    rf"{_SHARE}(?: (?:this|on|article|story|via|{_SHARE}))*"
    r"|(?:photo|image|picture|photograph|credit)s?(?: credit)?(?: by| via)? \S+(?: \S+){0,5}"
    r"|advertisement|sponsored(?: content)?|related(?: articles| stories| news)?|read more.*"
    r"|copyright .*|© .*"
)
_PATTERN_MAX_WORDS = 25
_SPACES = re.compile(rb"  +")
_MULTIPLIER = 0x9E3779B97F4A7C15  # mixes a line's key before the source's salt
_MASK = (1 << 63) - 1  # below 2**63: the counting table keeps key + 1


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
    """What is furniture: learned line keys, plus the report rows.

    Attributes:
        keys: One integer per (source, line) of learned furniture (:func:`furniture_key`).
        lines: The learned lines, most frequent first, for the report.
        patterns: Whether the fixed patterns apply.
        documents: How many distinct documents carry each learned key (what ``lines``
            report; kept so lines can be named after learning, see :func:`named`).
    """

    keys: frozenset[int] = frozenset()
    lines: tuple[FurnitureLine, ...] = ()
    patterns: bool = True
    documents: Mapping[int, int] = field(default_factory=dict)


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
    return _normal_bytes(line)[0].decode("utf-8")


def _normal_bytes(line: str) -> tuple[bytes, int]:
    """The normalised line as UTF-8, and its number of words."""
    if line.isascii():
        norm_bytes = _SPACES.sub(b" ", line.encode("ascii").translate(ascii_table())).strip()
        return norm_bytes, norm_bytes.count(b" ") + 1 if norm_bytes else 0
    norm = normalize(line)
    return norm.encode("utf-8"), norm.count(" ") + 1 if norm else 0


def line_key(line: str) -> int:
    """The key of a line: XXH3-64 of its normalised form."""
    return xxhash.xxh3_64_intdigest(_normal_bytes(line)[0])


def _patterned(norm: bytes, words: int) -> bool:
    """Whether a normalised line of ``words`` words is common furniture by its wording."""
    if not 0 < words <= _PATTERN_MAX_WORDS:
        return False
    text = norm.decode("utf-8")
    if _WHOLE.fullmatch(text):
        return True
    return any(word in norm for word in _ANYWHERE_NEEDS) and bool(_ANYWHERE.search(text))


def is_pattern(line: str) -> bool:
    """Whether a line is common furniture by its wording alone."""
    return _patterned(*_normal_bytes(line))


@lru_cache(maxsize=1 << 12)
def _salt(source: str) -> int:
    return xxhash.xxh3_64_intdigest(source.encode("utf-8", "replace"))


def furniture_key(source: str, norm: str) -> int:
    """One integer for (source, normalised line): what learning counts and stripping looks up."""
    return _salted(_salt(source), norm.encode("utf-8"))


def _salted(salt: int, norm: bytes) -> int:
    return ((xxhash.xxh3_64_intdigest(norm) * _MULTIPLIER) ^ salt) & _MASK


def keyed_lines(source: str, text: str) -> dict[int, str]:
    """Each distinct line of a document by its :func:`furniture_key`, first occurrence kept."""
    salt = _salt(source)
    keyed: dict[int, str] = {}
    for line in split_lines(text):
        keyed.setdefault(_salted(salt, _normal_bytes(line)[0]), line)
    return keyed


def learned(counts: Mapping[int, int], cfg: BoilerplateConfig) -> Boilerplate:
    """The furniture of line counts (keys counted once per distinct document); lines unnamed.

    Name them with :func:`named` from the texts, or let :func:`learn` do both at once.
    """
    if not cfg.enabled:
        return Boilerplate(patterns=False)
    kept = {key: n for key, n in counts.items() if n >= cfg.min_docs}
    return Boilerplate(frozenset(kept), (), cfg.patterns, kept)


def named(bp: Boilerplate, seen: Mapping[int, tuple[str, str]]) -> Boilerplate:
    """``bp`` with its report rows: each learned key's source and line as first seen.

    Args:
        bp: Learned furniture.
        seen: ``(source, line)`` of learned keys, as :func:`strip` records them.
    """
    rows = sorted(
        (
            FurnitureLine(seen[key][0], seen[key][1][:300], n)
            for key, n in bp.documents.items()
            if key in seen
        ),
        key=lambda row: (-row.documents, row.source, row.text),
    )
    return replace(bp, lines=tuple(rows))


def learn(docs: Iterable[tuple[str | None, str]], cfg: BoilerplateConfig) -> Boilerplate:
    """Learn each source's furniture from ``(source, text)`` of distinct documents.

    Counts every (source, line) once per document, because a line is furniture only
    once it has been seen in ``cfg.min_docs`` documents. Pass each exact text once.
    """
    if not cfg.enabled:
        return Boilerplate(patterns=False)
    counts: Counter[int] = Counter()
    first: dict[int, tuple[str, str]] = {}
    for source, text in docs:
        if source is None:
            continue
        keyed = keyed_lines(source, text)
        counts.update(keyed.keys())
        for key, line in keyed.items():
            first.setdefault(key, (source, line))
    return named(learned(counts, cfg), first)


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
    salt = _salt(source) if source is not None and bp.keys else None
    return _furniture(line, source, salt, bp, None)


def _furniture(
    line: str,
    source: str | None,
    salt: int | None,
    bp: Boilerplate,
    seen: MutableMapping[int, tuple[str, str]] | None,
) -> bool:
    norm, words = _normal_bytes(line)
    if salt is not None:
        key = _salted(salt, norm)
        if key in bp.keys:
            if seen is not None and source is not None and key not in seen:
                seen[key] = (source, line)
            return True
    return bp.patterns and _patterned(norm, words)


def strip(
    text: str,
    source: str | None,
    bp: Boilerplate,
    seen: MutableMapping[int, tuple[str, str]] | None = None,
) -> str:
    """The text without its furniture lines; the text itself if none, or nothing else, is.

    With ``seen``, each learned line met for the first time is recorded there as
    ``key: (source, line)``, to name the learned lines (:func:`named`).
    """
    if not bp.keys and not bp.patterns:
        return text
    salt = _salt(source) if source is not None and bp.keys else None
    lines = split_lines(text)
    kept = [line for line in lines if not _furniture(line, source, salt, bp, seen)]
    return "\n".join(kept) if kept and len(kept) < len(lines) else text
