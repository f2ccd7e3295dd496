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
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import xxhash

from newsdedup.config import BoilerplateConfig, Config
from newsdedup.data import Document
from newsdedup.kernels import jit
from newsdedup.stages.clean import ascii_table, normalize

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
    """:func:`~newsdedup.stages.clean.normalize` of a line; ASCII lines by a byte table."""
    return _normal_bytes(line)[0].decode("utf-8")


def _normal_bytes(line: str) -> tuple[bytes, int]:
    """The normalised line as UTF-8, and its number of words."""
    if line.isascii():
        norm_bytes = _SPACES.sub(b" ", line.encode("ascii").translate(ascii_table())).strip()
        return norm_bytes, norm_bytes.count(b" ") + 1 if norm_bytes else 0
    norm = normalize(line)
    return norm.encode("utf-8"), norm.count(" ") + 1 if norm else 0


def line_key(line: str) -> int:
    """The key of a line: XXH64 of its normalised form (what the line kernel computes)."""
    return xxhash.xxh64_intdigest(_normal_bytes(line)[0])


def _patterned(norm: bytes, words: int) -> bool:
    """Whether a normalised line of ``words`` words is common furniture by its wording."""
    if not 0 < words <= _PATTERN_MAX_WORDS:
        return False
    text = norm.decode("utf-8")
    if _WHOLE.fullmatch(text):
        return True
    return any(word in norm for word in _ANYWHERE_NEEDS) and bool(_ANYWHERE.search(text))


def _patterned_many(norms: Sequence[bytes]) -> list[bool]:
    """:func:`_patterned` of many normalised lines of 1 to 25 words each, at once.

    The needles of ``_ANYWHERE`` are looked for with ``bytes.find`` over all the lines
    joined (no needle holds a newline, so none spans two lines), not line by line.
    """
    joined = b"\n".join(norms)
    starts = np.cumsum([0] + [len(norm) + 1 for norm in norms[:-1]])
    needy: set[int] = set()
    for needle in _ANYWHERE_NEEDS:
        at = joined.find(needle)
        while at >= 0:
            needy.add(int(np.searchsorted(starts, at, side="right")) - 1)
            at = joined.find(needle, at + 1)
    found = []
    for i, norm in enumerate(norms):
        text = norm.decode("utf-8")
        whole = _WHOLE.fullmatch(text) is not None
        found.append(whole or (i in needy and _ANYWHERE.search(text) is not None))
    return found


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
    return ((xxhash.xxh64_intdigest(norm) * _MULTIPLIER) ^ salt) & _MASK


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


# ---------------------------------------------------------------- a chunk of texts at once


@dataclass(frozen=True, slots=True)
class Lines:
    """Every non-blank line of a chunk of texts, in order, as columns.

    Attributes:
        owner: The text each line is of (its index in the chunk).
        starts: Where each line starts in its text (as split, before stripping).
        ends: Where it ends.
        words: Words of the normalised line.
        hashes: XXH64 of the normalised line (``uint64``), what :func:`line_key` gives.
        norm: The normalised lines (UTF-8), in no particular order.
        norm_starts: Line ``i`` normalised is ``norm[norm_starts[i]:norm_ends[i]]``.
        norm_ends: See ``norm_starts``.
    """

    owner: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    words: np.ndarray
    hashes: np.ndarray
    norm: bytes
    norm_starts: np.ndarray
    norm_ends: np.ndarray

    def normal(self, i: int) -> bytes:
        """Line ``i`` normalised (UTF-8)."""
        return self.norm[self.norm_starts[i] : self.norm_ends[i]]


def chunk_lines(texts: Sequence[str]) -> Lines:
    """:func:`split_lines` and :func:`line_key` of every text of a chunk, at once.

    ASCII texts are cut by the compiled kernel (:mod:`newsdedup.kernels.lines`) in one call,
    and so are other texts, as UTF-8, with their lines that hold other characters keyed
    again in Python (:func:`_utf8_lines`). Texts with a line break outside ASCII, and
    every text when kernels are off (``NEWSDEDUP_JIT=0``), are cut line by line in
    Python. All give the same lines, words and keys (the tests hold them equal).
    """
    kernel = _line_kernels()
    if kernel is None:
        return _joined_lines([_python_lines(i, text) for i, text in enumerate(texts)])
    fast = [i for i, text in enumerate(texts) if text.isascii()]
    parts = [_kernel_lines(kernel, texts, fast)] if fast else []
    if len(fast) < len(texts):
        rest = sorted(set(range(len(texts))).difference(fast))
        slow = [i for i in rest if _UNICODE_BREAKS.search(texts[i])]
        utf8 = [i for i in rest if not slow or i not in set(slow)]
        parts += [_utf8_lines(kernel, texts, utf8)] if utf8 else []
        parts += [_python_lines(i, texts[i]) for i in slow]
    return _joined_lines(parts)


_UNICODE_BREAKS = re.compile("[\x85\u2028\u2029]")  # str.splitlines breaks beyond ASCII


def _utf8_lines(kernel: Any, texts: Sequence[str], which: list[int]) -> Lines:
    """The lines of texts holding characters outside ASCII, by the kernel on their UTF-8.

    A quarter of English news holds a "£" or an "é" in a line or two; the kernel cuts and
    keys all the lines, as bytes. Its byte offsets become character offsets, and each
    line holding a byte outside ASCII, whose normalising the kernel does not know, is
    normalised and keyed again in Python (:func:`_normal_bytes`), or dropped when
    ``str.strip`` finds it blank (a no-break space alone). The texts must hold no line
    break outside ASCII, where ``str.splitlines`` would split and the kernel does not.
    """
    encoded = [texts[i].encode("utf-8", "surrogatepass") for i in which]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    bounds = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=bounds[1:])
    scratch = np.empty(buf.size, dtype=np.uint8)
    table = np.frombuffer(ascii_table(), dtype=np.uint8)
    owner, starts, ends, norm_starts, norm_ends, words, hashes = kernel.cut_lines(
        buf, bounds, table, scratch
    )
    chars = np.zeros(buf.size + 1, dtype=np.int64)  # characters before each byte
    np.cumsum((buf & 0xC0) != 0x80, out=chars[1:])
    high = np.zeros(buf.size + 1, dtype=np.int64)  # bytes outside ASCII before each byte
    np.cumsum(buf >= 0x80, out=high[1:])
    first = chars[bounds[owner]]
    char_starts, char_ends = chars[starts] - first, chars[ends] - first
    keep = np.ones(owner.size, dtype=bool)
    norms = [scratch[: int(norm_ends[-1]) if norm_ends.size else 0].tobytes()]
    at = len(norms[0])
    for k in np.flatnonzero(high[ends] > high[starts]).tolist():
        line = texts[which[owner[k]]][char_starts[k] : char_ends[k]].strip()
        if not line:
            keep[k] = False
            continue
        norm, words[k] = _normal_bytes(line)
        hashes[k] = xxhash.xxh64_intdigest(norm)
        norm_starts[k], norm_ends[k] = at, at + len(norm)
        norms.append(norm)
        at += len(norm)
    return Lines(
        np.asarray(which, dtype=np.int64)[owner[keep]],
        char_starts[keep],
        char_ends[keep],
        words[keep],
        hashes[keep],
        b"".join(norms),
        norm_starts[keep],
        norm_ends[keep],
    )


def _line_kernels() -> Any:
    """The line kernel module, or ``None`` when numba is missing or ``NEWSDEDUP_JIT=0``."""
    return jit.kernels("lines")


def _kernel_lines(kernel: Any, texts: Sequence[str], which: list[int]) -> Lines:
    encoded = [texts[i].encode("ascii") for i in which]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    sizes = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    bounds = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    scratch = np.empty(buf.size, dtype=np.uint8)
    table = np.frombuffer(ascii_table(), dtype=np.uint8)
    owner, starts, ends, norm_starts, norm_ends, words, hashes = kernel.cut_lines(
        buf, bounds, table, scratch
    )
    used = int(norm_ends[-1]) if norm_ends.size else 0
    return Lines(
        np.asarray(which, dtype=np.int64)[owner],
        starts - bounds[owner],
        ends - bounds[owner],
        words,
        hashes,
        scratch[:used].tobytes(),
        norm_starts,
        norm_ends,
    )


_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # where str.splitlines splits


def _python_lines(owner: int, text: str) -> Lines:
    """The lines of one text, line by line: the reference, and the path for non-ASCII text."""
    starts, ends, words, hashes, norms = [], [], [], [], []
    at = 0
    for piece in text.splitlines(keepends=True):
        line = piece.rstrip(_BREAKS)
        if line.strip():
            norm, count = _normal_bytes(line.strip())
            starts.append(at)
            ends.append(at + len(line))
            words.append(count)
            hashes.append(xxhash.xxh64_intdigest(norm))
            norms.append(norm)
        at += len(piece)
    bounds = np.r_[np.int64(0), np.cumsum([len(norm) for norm in norms], dtype=np.int64)]
    return Lines(
        np.full(len(starts), owner, dtype=np.int64),
        np.asarray(starts, dtype=np.int64),
        np.asarray(ends, dtype=np.int64),
        np.asarray(words, dtype=np.int64),
        np.asarray(hashes, dtype=np.uint64),
        b"".join(norms),
        bounds[:-1],
        bounds[1:],
    )


def _joined_lines(parts: list[Lines]) -> Lines:
    """The parts' lines as one table, ordered by text (each part's lines are in order)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        none = np.zeros(0, dtype=np.int64)
        return Lines(none, none, none, none, np.zeros(0, np.uint64), b"", none, none)
    shift = np.cumsum([0] + [len(p.norm) for p in parts[:-1]])
    owner = np.concatenate([p.owner for p in parts])
    order = np.argsort(owner, kind="stable")

    def joined(column: str) -> np.ndarray:
        return np.concatenate([getattr(p, column) for p in parts])[order]

    return Lines(
        owner[order],
        joined("starts"),
        joined("ends"),
        joined("words"),
        joined("hashes"),
        b"".join(p.norm for p in parts),
        np.concatenate([p.norm_starts + s for p, s in zip(parts, shift, strict=True)])[order],
        np.concatenate([p.norm_ends + s for p, s in zip(parts, shift, strict=True)])[order],
    )


def _salts(sites: Sequence[str | None]) -> np.ndarray:
    return np.fromiter((_salt(s) if s is not None else 0 for s in sites), np.uint64, len(sites))


def _keys(lines: Lines, salts: np.ndarray) -> np.ndarray:
    """:func:`furniture_key` of every line (``_salted``, in ``uint64`` arithmetic)."""
    with np.errstate(over="ignore"):
        mixed = lines.hashes * np.uint64(_MULTIPLIER)
    return (mixed ^ salts[lines.owner]) & np.uint64(_MASK)


def keyed_chunk(texts: Sequence[str], sites: Sequence[str | None]) -> tuple[np.ndarray, list[int]]:
    """Each document's distinct furniture keys, for a chunk: what learning counts.

    Documents without a site, or with empty text, have none. Returns the keys
    (``uint64``), document after document, each document's ascending, and the bounds:
    document ``i``'s are ``keys[bounds[i]:bounds[i + 1]]``; as a set, what
    :func:`keyed_lines` gives.
    """
    taught = [
        i
        for i, (text, site) in enumerate(zip(texts, sites, strict=True))
        if site is not None and text
    ]
    lines = chunk_lines([texts[i] for i in taught])
    owner = np.asarray(taught, dtype=np.int64)[lines.owner] if taught else lines.owner
    keys = _keys(lines, _salts([sites[i] for i in taught]))
    order = np.lexsort((keys, owner))
    keys, owner = keys[order], owner[order]
    fresh = np.r_[True, (keys[1:] != keys[:-1]) | (owner[1:] != owner[:-1])] if keys.size else []
    keys, owner = keys[fresh], owner[fresh]
    bounds = np.searchsorted(owner, np.arange(len(texts) + 1)).tolist()
    return keys, bounds


def strip_chunk(
    texts: Sequence[str],
    sites: Sequence[str | None],
    bp: Boilerplate,
    seen: MutableMapping[int, tuple[str, str]] | None = None,
) -> list[str]:
    """:func:`strip` of every text of a chunk, at once (equal text by text, ``seen`` too)."""
    if not bp.keys and not bp.patterns:
        return list(texts)
    lines = chunk_lines(texts)
    furniture, learned_lines, keys = _flags(lines, sites, bp)
    if seen is not None and bp.keys:
        _note(seen, texts, sites, lines, keys, np.flatnonzero(learned_lines).tolist())
    return _bodies(texts, lines, furniture)


_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def furniture_spans(
    texts: Sequence[str], sites: Sequence[str | None], bp: Boilerplate
) -> list[list[tuple[int, int]] | None]:
    r"""Where each text's furniture lines are, ``(start, end)``, a chunk of texts at once.

    For texts whose lines end at ``\n`` alone, where the lines :func:`chunk_lines` cuts
    are the text's ``\n``-separated lines; ``None`` for any other text. Equals
    :func:`is_furniture` of each line (blank lines aside: whatever they are, they hold
    nothing to set aside).
    """
    plain = [i for i, text in enumerate(texts) if not _OTHER_BREAKS.search(text)]
    spans: list[list[tuple[int, int]] | None] = [None] * len(texts)
    for i in plain:
        spans[i] = []
    if not plain or (not bp.keys and not bp.patterns):
        return spans
    lines = chunk_lines([texts[i] for i in plain])
    furniture, _, _ = _flags(lines, [sites[i] for i in plain], bp)
    hit = np.flatnonzero(furniture)
    for owner, start, end in zip(
        lines.owner[hit].tolist(), lines.starts[hit].tolist(), lines.ends[hit].tolist(), strict=True
    ):
        spans[plain[owner]].append((start, end))
    return spans


def _flags(
    lines: Lines, sites: Sequence[str | None], bp: Boilerplate
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which lines are furniture, which of them learned, and every line's key."""
    furniture = np.zeros(lines.owner.size, dtype=bool)
    learned_lines = np.zeros(lines.owner.size, dtype=bool)
    keys = np.zeros(lines.owner.size, dtype=np.uint64)
    if bp.keys:
        salted = np.fromiter((s is not None for s in sites), bool, len(sites))[lines.owner]
        keys = _keys(lines, _salts(sites))
        learned_lines = salted & _among(keys, _learned_keys(bp))
        furniture |= learned_lines
    if bp.patterns:
        short = np.flatnonzero((lines.words > 0) & (lines.words <= _PATTERN_MAX_WORDS))
        short = short[~learned_lines[short]]
        furniture[short] = _patterned_many([lines.normal(i) for i in short.tolist()])
    return furniture, learned_lines, keys


def _note(
    seen: MutableMapping[int, tuple[str, str]],
    texts: Sequence[str],
    sites: Sequence[str | None],
    lines: Lines,
    keys: np.ndarray,
    which: list[int],
) -> None:
    """Record each learned line of ``which`` met for the first time, as :func:`strip` does."""
    for i in which:
        key, t = int(keys[i]), int(lines.owner[i])
        site = sites[t]
        if key not in seen and site is not None:
            seen[key] = (site, texts[t][lines.starts[i] : lines.ends[i]].strip())


def _bodies(texts: Sequence[str], lines: Lines, furniture: np.ndarray) -> list[str]:
    """Each text without its furniture lines: the text itself if none, or nothing else, is."""
    bodies = list(texts)
    hit = np.unique(lines.owner[furniture])
    if not hit.size:
        return bodies
    cuts = np.searchsorted(lines.owner, np.arange(len(texts) + 1)).tolist()
    for t in hit.tolist():
        lo, hi = cuts[t], cuts[t + 1]
        kept = [i for i in range(lo, hi) if not furniture[i]]
        if kept:
            text = texts[t]
            starts, ends = lines.starts, lines.ends
            bodies[t] = "\n".join(text[starts[i] : ends[i]].strip() for i in kept)
    return bodies


def _among(keys: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Whether each key is in the sorted, non-empty ``ordered`` (``np.isin`` sorts both)."""
    where = np.minimum(np.searchsorted(ordered, keys), ordered.size - 1)
    return ordered[where] == keys


_LEARNED: dict[int, tuple[frozenset[int], np.ndarray]] = {}


def _learned_keys(bp: Boilerplate) -> np.ndarray:
    """``bp.keys`` as a sorted ``uint64`` array, made once per set of keys."""
    held = _LEARNED.get(id(bp.keys))
    if held is None or held[0] is not bp.keys:
        array = np.sort(np.fromiter(bp.keys, dtype=np.uint64, count=len(bp.keys)))
        held = _LEARNED[id(bp.keys)] = (bp.keys, array)
    return held[1]


@dataclass(frozen=True, slots=True)
class SurveyChunk:
    """What learning the furniture needs of a chunk of documents.

    Attributes:
        texts: A key of each document's exact text (exact copies count once), or ``None``
            for a document that teaches nothing (no source, or empty text).
        lines: Every document's distinct :func:`~newsdedup.stages.boilerplate.furniture_key`,
            one document after the other (``uint64``).
        bounds: ``lines[bounds[i]:bounds[i + 1]]`` are document ``i``'s.
    """

    texts: list[int | None]
    lines: np.ndarray
    bounds: list[int]


def survey_chunk(
    docs: Sequence[tuple[Any, ...]], config: Config, furniture: Boilerplate | None = None
) -> SurveyChunk:
    """Key the lines of one chunk of ``(id, text, published, source, url, ...)`` rows.

    What every engine runs on its share of the corpus; the keys are then counted over
    the whole of it (exact copies of a text once), and :func:`learned` keeps the frequent.
    """
    sites = [source_of(doc[3], doc[4]) for doc in docs]
    lines, bounds = keyed_chunk([doc[1] for doc in docs], sites)
    texts = [
        None
        if site is None or not doc[1]
        else xxhash.xxh3_64_intdigest(doc[1].encode("utf-8", "surrogatepass"))
        for doc, site in zip(docs, sites, strict=True)
    ]
    return SurveyChunk(texts, lines, bounds)
