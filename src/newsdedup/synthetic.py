"""Synthetic wire stories with known clusters: test fixture, demo corpus, benchmark source.

Every word is generated here: a fixed vocabulary of pronounceable pseudo-words drawn with a
Zipf-like law, plus a short typed list of English function words. Independent stories therefore
share only common words, as independent news does, while derived versions share passages.

Two generators:

* :func:`generate` builds a labelled corpus of originals, their copies (verbatim, truncated,
  reheadlined, boilerplate-wrapped, optionally heavy rewrites) and ``same_topic`` stories:
  new, independent reports on the topic of an existing story that reuse its names and numbers
  but none of its sentences (the hard negatives of news deduplication).
* :func:`iter_articles` streams plain dicts for 100k to 1M-article benchmark corpora, drawing
  word ids in bulk with numpy and keeping only a bounded ring of recent originals to copy from.

Both are deterministic: the same arguments give the same output, with no global random state.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

import numpy as np

from newsdedup.data import Document
from newsdedup.errors import ConfigError

COPY_KINDS = ("verbatim", "truncated", "reheadlined", "boilerplate")
KINDS = ("original", *COPY_KINDS, "rewrite", "same_topic")

_FUNCTION_WORDS = (
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "said",
    "for",
    "on",
    "that",
    "with",
    "by",
    "at",
    "from",
    "as",
    "is",
    "was",
    "were",
    "has",
    "had",
    "have",
    "will",
    "would",
    "its",
    "their",
    "his",
    "her",
    "an",
    "be",
    "are",
    "it",
    "this",
    "not",
    "or",
    "which",
    "but",
    "after",
    "over",
    "about",
    "more",
    "than",
    "who",
    "they",
    "been",
    "also",
    "could",
    "into",
    "up",
    "out",
    "new",
    "two",
    "last",
    "first",
    "before",
    "while",
    "against",
    "under",
    "during",
    "when",
    "where",
    "since",
    "some",
    "there",
    "other",
    "all",
    "one",
    "three",
    "most",
    "many",
    "between",
    "through",
    "because",
)
_ONSETS = (
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "br",
    "dr",
    "gr",
    "kr",
    "pl",
    "st",
    "tr",
    "sh",
    "ch",
    "th",
    "",
)
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "io")
_CODAS = ("", "", "", "", "n", "r", "l", "s", "m", "t", "nd", "st", "k")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_OUTLET_FORMS = (
    "The {} Herald",
    "{} Daily",
    "{} Times",
    "{} Post",
    "{} Tribune",
    "{} Courier",
    "{} Gazette",
    "{} Observer",
    "{} Wire",
    "{} Chronicle",
    "{} Ledger",
    "{} Standard",
    "{} Journal",
    "{} News Network",
    "{} Sentinel",
    "{} Dispatch",
    "{} Express",
    "{} Record",
    "{} Bulletin",
    "{} Register",
)
_ORG_FORMS = (
    "{} Authority",
    "Ministry of {}",
    "{} Group",
    "{} University",
    "{} Council",
    "National {} Agency",
    "{} Bank",
    "{} Workers Union",
)
_PLACE_FORMS = ("{}", "{}", "{} City", "North {}", "Port {}", "{} Valley")
_ROLE_FORMS = (
    "a spokesperson for {org}",
    "the mayor of {place}",
    "an analyst at {org}",
    "chief executive of {org}",
    "a resident of {place}",
    "a senior official at {org}",
    "head of the {org}",
    "a lawmaker from {place}",
)
_SECTIONS = ("World", "Business", "Politics", "Local", "Economy", "Science", "Markets")

_VOCAB_SIZE = 24_000
_VOCAB_SEED = 20_240_101
_TABLE_SIZE = 1 << 20
_FUNCTION_RATE = 0.5
_N_OUTLETS = 20
_RING_SIZE = 1024
_BATCH = 512

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyntheticDoc:
    """A generated document and what it is.

    Attributes:
        doc: The document itself.
        story: Id of the original story it derives from (its own id for an original).
        kind: One of :data:`KINDS`.
    """

    doc: Document
    story: str
    kind: str


@dataclass(frozen=True, slots=True)
class SyntheticCorpus:
    """A generated corpus with known clusters, in a shuffled, deterministic order.

    Attributes:
        docs: Every generated document, not grouped by story.
    """

    docs: tuple[SyntheticDoc, ...]

    def documents(self) -> list[Document]:
        """The documents alone, in corpus order."""
        return [d.doc for d in self.docs]

    def gold(self) -> dict[str, str]:
        """Gold clusters: doc id -> story id; copies and rewrites share their original's label."""
        return {d.doc.id: d.story for d in self.docs}


@dataclass(frozen=True, slots=True)
class _Vocab:
    """Token strings (function words first, then content words by rank) and draw tables."""

    words: np.ndarray
    capitalized: np.ndarray
    dotted: np.ndarray
    para_end: np.ndarray
    n_function: int
    content_table: np.ndarray
    function_table: np.ndarray
    ids: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class _Outlet:
    """A news outlet and the furniture lines it wraps around every article."""

    name: str
    domain: str
    header: tuple[str, ...]
    footer: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Topic:
    """Named entities shared by the stories of one topic."""

    people: tuple[tuple[str, str], ...]
    places: tuple[str, ...]
    orgs: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Story:
    """An original story before it is published as documents."""

    id: str
    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    topic: _Topic
    numbers: tuple[str, ...]
    day: int
    outlet: int


# ---------------------------------------------------------------- vocabulary and outlets


def _pick(rng: np.random.Generator, seq: Sequence[T]) -> T:
    """One element of ``seq`` (``rng.choice`` would turn strings into numpy scalars)."""
    return seq[int(rng.integers(len(seq)))]


def _pseudo_word(rng: np.random.Generator, n_syllables: int) -> str:
    """A pronounceable word of ``n_syllables`` syllables."""
    return "".join(
        _pick(rng, _ONSETS) + _pick(rng, _VOWELS) + _pick(rng, _CODAS) for _ in range(n_syllables)
    )


def _name(rng: np.random.Generator) -> str:
    """A capitalised pseudo-word for names of people, places and organisations."""
    return _pseudo_word(rng, int(rng.integers(2, 4))).capitalize()


def _content_words(rng: np.random.Generator, size: int) -> list[str]:
    """``size`` unique pseudo-words, shortest-first with noise (frequent words are short)."""
    seen = set(_FUNCTION_WORDS)
    keyed: list[tuple[float, str]] = []
    while len(keyed) < size:
        n_syl = int(rng.choice(4, p=(0.25, 0.45, 0.22, 0.08))) + 1
        word = _pseudo_word(rng, n_syl)
        if len(word) > 1 and word not in seen:
            seen.add(word)
            keyed.append((n_syl + 1.5 * float(rng.random()), word))
    return [w for _, w in sorted(keyed)]


def _zipf_table(n: int, offset: float, size: int) -> np.ndarray:
    """Lookup table of ids ``0..n-1`` whose uniform draws follow ``1 / (rank + offset)``."""
    weights = 1.0 / (np.arange(n) + offset)
    cdf = np.cumsum(weights / weights.sum())
    return np.minimum(np.searchsorted(cdf, (np.arange(size) + 0.5) / size), n - 1)


@cache
def _vocab() -> _Vocab:
    """The fixed vocabulary, shared by every corpus (as a language is)."""
    rng = np.random.default_rng(_VOCAB_SEED)
    words = [*_FUNCTION_WORDS, *_content_words(rng, _VOCAB_SIZE)]
    arr = np.array(words, dtype=object)
    n_function = len(_FUNCTION_WORDS)
    return _Vocab(
        words=arr,
        capitalized=np.array([w.capitalize() for w in words], dtype=object),
        dotted=np.array([w + "." for w in words], dtype=object),
        para_end=np.array([w + ".\n\n" for w in words], dtype=object),
        n_function=n_function,
        content_table=(_zipf_table(_VOCAB_SIZE, 3.0, _TABLE_SIZE) + n_function).astype(np.int32),
        function_table=_zipf_table(n_function, 1.0, 4096).astype(np.int32),
        ids={w: i for i, w in enumerate(words)},
    )


def _outlet(rng: np.random.Generator, form: str) -> _Outlet:
    """One outlet with its fixed header (1-3 lines) and footer (2-5 lines)."""
    stem = _name(rng)
    name = form.format(stem)
    domain = "".join(c for c in name.lower() if c.isalpha()).removeprefix("the") + ".com"
    section = _pick(rng, _SECTIONS)
    header = (f"Home > {section} > {_pick(rng, _SECTIONS)}", f"By {name} Staff", "Advertisement")
    footer = (
        f"Follow us on {name} for the latest updates.",
        "Sign up for our newsletter.",
        f"© 2024 {name}. All rights reserved.",
        "Share this article",
        f"Read more {section.lower()} news at {domain}",
    )
    n_head, n_foot = int(rng.integers(1, 4)), int(rng.integers(2, 6))
    return _Outlet(name, domain, header[:n_head], footer[:n_foot])


@cache
def _outlets() -> tuple[_Outlet, ...]:
    """The fixed set of synthetic outlets."""
    rng = np.random.default_rng(_VOCAB_SEED + 1)
    return tuple(_outlet(rng, form) for form in _OUTLET_FORMS[:_N_OUTLETS])


# ---------------------------------------------------------------- words and sentences


def _draw_ids(rng: np.random.Generator, vocab: _Vocab, n: int) -> np.ndarray:
    """``n`` token ids: Zipf content words with function words, never three in a row.

    Function words never repeat ("the the"), and two in a row at most, so independent texts
    share few all-function-word trigrams.

    The last id is always a content word, so a sentence never ends on "the".
    """
    content = vocab.content_table[rng.integers(0, len(vocab.content_table), n)]
    function = vocab.function_table[rng.integers(0, len(vocab.function_table), n)]
    is_function = rng.random(n) < _FUNCTION_RATE
    is_function[2:] &= ~(is_function[1:-1] & is_function[:-2])
    is_function[1:] &= ~(is_function[:-1] & (function[1:] == function[:-1]))
    if n:
        is_function[-1] = False
    return np.where(is_function, function, content)


def _synonym(vocab: _Vocab, token: str) -> str:
    """A content word's "synonym" (its neighbour in rank, so of similar frequency)."""
    i = vocab.ids.get(token, -1)
    if i < vocab.n_function:
        return token
    return str(vocab.words[vocab.n_function + ((i - vocab.n_function) ^ 1)])


def _swap_words(rng: np.random.Generator, vocab: _Vocab, sentence: str, n: int) -> str:
    """``sentence`` with up to ``n`` of its plain content words replaced by synonyms."""
    tokens = sentence.split(" ")
    spots = [i for i, t in enumerate(tokens) if vocab.ids.get(t, -1) >= vocab.n_function]
    for i in rng.permutation(len(spots))[:n]:
        tokens[spots[i]] = _synonym(vocab, tokens[spots[i]])
    return " ".join(tokens)


def _number(rng: np.random.Generator) -> str:
    """A number phrase as news prints them: counts, money, percentages, dates."""
    forms = (
        f"{int(rng.integers(2, 99))} percent",
        f"${rng.integers(11, 990) / 10:.1f} million",
        f"{int(rng.integers(1_000, 90_000)):,} people",
        f"{int(rng.integers(3, 400))} kilometres",
        f"in {int(rng.integers(1990, 2024))}",
        f"on {_pick(rng, _MONTHS)} {rng.integers(1, 29)}",
        f"on {_pick(rng, _WEEKDAYS)}",
        f"{int(rng.integers(2, 60))} of them",
    )
    return _pick(rng, forms)


def _mention(rng: np.random.Generator, topic: _Topic, numbers: Sequence[str]) -> list[str]:
    """Phrases to weave into a sentence: an entity, a number, a topical word (each maybe)."""
    phrases = []
    if rng.random() < 0.35:
        phrases.append(_pick(rng, (f"in {_pick(rng, topic.places)}", _pick(rng, topic.orgs))))
    if rng.random() < 0.25:
        phrases.append(_pick(rng, numbers))
    if rng.random() < 0.3:
        phrases.append(_pick(rng, topic.keywords))
    return phrases


def _clause(rng: np.random.Generator, vocab: _Vocab, n_words: int, phrases: list[str]) -> str:
    """Capitalised words without final punctuation, with ``phrases`` spliced in."""
    tokens: list[str] = vocab.words[_draw_ids(rng, vocab, n_words)].tolist()
    for phrase in phrases:
        tokens.insert(int(rng.integers(1, len(tokens))), phrase)
    text = " ".join(tokens)
    return text[:1].upper() + text[1:]


def _plain(rng: np.random.Generator, vocab: _Vocab, topic: _Topic, numbers: Sequence[str]) -> str:
    """A reported sentence of 8 to 30 words."""
    return _clause(rng, vocab, int(rng.integers(7, 25)), _mention(rng, topic, numbers)) + "."


def _quote(rng: np.random.Generator, vocab: _Vocab, topic: _Topic) -> str:
    """A quoted sentence attributed to one of the topic's people, with their role."""
    name, role = _pick(rng, topic.people)
    inner = _clause(rng, vocab, int(rng.integers(6, 17)), [])
    return f'"{inner}," said {name}, {role}.'


def _headline(rng: np.random.Generator, vocab: _Vocab, topic: _Topic) -> str:
    """A headline: 6 to 12 words around an entity, no final stop."""
    entity = _pick(rng, (*topic.places, *topic.orgs, topic.people[0][0].split()[-1]))
    return _clause(rng, vocab, int(rng.integers(5, 11)), [entity])


def _paragraph(
    rng: np.random.Generator, vocab: _Vocab, topic: _Topic, numbers: Sequence[str], lead: bool
) -> tuple[str, ...]:
    """One to three sentences; after the lead, maybe a quote among them."""
    n = int(rng.choice(3, p=(0.3, 0.45, 0.25))) + 1
    sentences = [_plain(rng, vocab, topic, numbers) for _ in range(n)]
    if not lead and rng.random() < 0.35:
        sentences.insert(int(rng.integers(0, n + 1)), _quote(rng, vocab, topic))
    return tuple(sentences)


def _body(paragraphs: Sequence[Sequence[str]]) -> str:
    """Paragraphs of sentences as text: sentences joined by spaces, paragraphs by blank lines."""
    return "\n\n".join(" ".join(p) for p in paragraphs)


def _is_quote(sentence: str) -> bool:
    """Whether a sentence is a quote (kept word for word by rewrites)."""
    return sentence.startswith('"')


# ---------------------------------------------------------------- stories


def _topic(rng: np.random.Generator, vocab: _Vocab) -> _Topic:
    """A topic: its people (with roles), places, organisations and topical words."""
    places = tuple(_pick(rng, _PLACE_FORMS).format(_name(rng)) for _ in range(3))
    orgs = tuple(_pick(rng, _ORG_FORMS).format(_name(rng)) for _ in range(3))
    people = tuple(
        (
            f"{_name(rng)} {_name(rng)}",
            _pick(rng, _ROLE_FORMS).format(org=_pick(rng, orgs), place=_pick(rng, places)),
        )
        for _ in range(5)
    )
    keywords = tuple(vocab.words[vocab.n_function + rng.integers(200, 3000, 4)].tolist())
    return _Topic(people, places, orgs, keywords)


def _n_paragraphs(rng: np.random.Generator) -> int:
    """Paragraph count, log-normal around 12 and clipped to 5..30 (median ~2.8 KB of text)."""
    return int(np.clip(round(rng.lognormal(np.log(12.0), 0.45)), 5, 30))


def _story(
    rng: np.random.Generator, sid: str, topic: _Topic, numbers: tuple[str, ...], day: int
) -> _Story:
    """A fresh original story on ``topic`` citing ``numbers``."""
    vocab = _vocab()
    paragraphs = tuple(
        _paragraph(rng, vocab, topic, numbers, lead=i == 0) for i in range(_n_paragraphs(rng))
    )
    title = _headline(rng, vocab, topic)
    return _Story(sid, title, paragraphs, topic, numbers, day, int(rng.integers(_N_OUTLETS)))


def _sibling(rng: np.random.Generator, story: _Story, sid: str) -> _Story:
    """A new independent story on ``story``'s topic: same names, some of its numbers."""
    numbers = (*story.numbers[:2], *(_number(rng) for _ in range(2)))
    return _story(rng, sid, story.topic, numbers, story.day + int(rng.integers(0, 3)))


# ---------------------------------------------------------------- copies


def _cuts(paragraphs: Sequence[Sequence[str]]) -> list[int]:
    """Paragraph counts ``k`` whose prefix keeps 50% to 90% of the body's characters."""
    total = len(_body(paragraphs))
    return [
        k for k in range(1, len(paragraphs)) if 0.5 <= len(_body(paragraphs[:k])) / total <= 0.9
    ]


def _light_edit(rng: np.random.Generator, paragraphs: Sequence[Sequence[str]]) -> list[list[str]]:
    """Change 0 to 2 words in at most 2 sentences (quotes untouched)."""
    edited = [list(p) for p in paragraphs]
    spots = [(i, j) for i, p in enumerate(edited) for j, s in enumerate(p) if not _is_quote(s)]
    for k in rng.permutation(len(spots))[: int(rng.integers(0, 3))]:
        i, j = spots[k]
        edited[i][j] = _swap_words(rng, _vocab(), edited[i][j], int(rng.integers(0, 3)))
    return edited


def _rewrite_sentence(rng: np.random.Generator, story: _Story, sentence: str, p: float) -> str:
    """A quote as is; otherwise a fresh sentence (probability ``p``) or synonyms swapped in."""
    vocab = _vocab()
    if _is_quote(sentence):
        return sentence
    if rng.random() < p:
        return _plain(rng, vocab, story.topic, story.numbers)
    return _swap_words(rng, vocab, sentence, max(1, len(sentence.split()) // 5))


def _rewrite(rng: np.random.Generator, story: _Story) -> list[list[str]]:
    """Heavy rewrite: 30-50% fresh sentences, synonyms elsewhere, order shuffled in paragraphs."""
    p = float(rng.uniform(0.3, 0.5))
    paragraphs = []
    for para in story.paragraphs:
        new = [_rewrite_sentence(rng, story, s, p) for s in para]
        paragraphs.append([new[i] for i in rng.permutation(len(new))])
    return paragraphs


def _new_title(rng: np.random.Generator, story: _Story) -> str:
    """A headline for ``story`` different from its own."""
    while (title := _headline(rng, _vocab(), story.topic)) == story.title:
        pass
    return title


def _wrap(outlet: _Outlet, body: str) -> str:
    """``body`` inside the outlet's furniture lines."""
    return "\n".join(outlet.header) + "\n\n" + body + "\n\n" + "\n".join(outlet.footer)


def _copy_text(
    rng: np.random.Generator, story: _Story, kind: str, outlet: _Outlet
) -> tuple[str, str, str]:
    """(kind, title, text) of one derived version; an uncuttable truncation stays verbatim."""
    if kind == "truncated" and (cuts := _cuts(story.paragraphs)):
        return kind, story.title, _body(story.paragraphs[: _pick(rng, cuts)])
    if kind == "reheadlined":
        return kind, _new_title(rng, story), _body(_light_edit(rng, story.paragraphs))
    if kind == "boilerplate":
        return kind, story.title, _wrap(outlet, _body(story.paragraphs))
    if kind == "rewrite":
        return kind, _new_title(rng, story), _body(_rewrite(rng, story))
    return "verbatim", story.title, _body(story.paragraphs)


# ---------------------------------------------------------------- documents and corpus


def _iso(start: date, day: int) -> str:
    """ISO date ``day`` days after ``start``."""
    return (start + timedelta(days=day)).isoformat()


def _document(doc_id: str, title: str, text: str, published: str, outlet: _Outlet) -> Document:
    """A Document with a URL like ``https://<domain>/<yyyy>/<mm>/<slug>``."""
    slug = "-".join(w.lower() for w in title.split()[:8] if w.isalnum())
    url = f"https://{outlet.domain}/{published[:4]}/{published[5:7]}/{slug}-{doc_id}"
    return Document(doc_id, text, title=title, published=published, source=outlet.name, url=url)


def _original_doc(story: _Story, start: date, kind: str) -> SyntheticDoc:
    """The story as first published."""
    outlet = _outlets()[story.outlet]
    doc = _document(story.id, story.title, _body(story.paragraphs), _iso(start, story.day), outlet)
    return SyntheticDoc(doc, story.id, kind)


def _copies(
    rng: np.random.Generator, story: _Story, start: date, copies: float, kinds: Sequence[str]
) -> list[SyntheticDoc]:
    """Poisson(``copies``) derived versions at other outlets, within three days."""
    docs = []
    for j in range(1, int(rng.poisson(copies)) + 1):
        outlet_i = (story.outlet + int(rng.integers(1, _N_OUTLETS))) % _N_OUTLETS
        outlet = _outlets()[outlet_i]
        kind, title, text = _copy_text(rng, story, _pick(rng, kinds), outlet)
        published = _iso(start, story.day + int(rng.integers(0, 4)))
        docs.append(
            SyntheticDoc(
                _document(f"{story.id}-c{j}", title, text, published, outlet), story.id, kind
            )
        )
    return docs


def _parse_start(start: str) -> date:
    """``start`` as a date, or a ConfigError naming the expected form."""
    try:
        return date.fromisoformat(start)
    except ValueError:
        raise ConfigError(f"start={start!r} is not an ISO date; use e.g. '2024-01-01'.") from None


def _check(name: str, value: float, low: float, high: float = float("inf")) -> None:
    """Raise a ConfigError unless ``low <= value <= high``."""
    if not low <= value <= high:
        raise ConfigError(f"{name}={value!r} is out of range; use a value in [{low}, {high}].")


def _originals(rng: np.random.Generator, n_stories: int) -> list[_Story]:
    """``n_stories`` originals over ``n_stories // 4`` topics, spread over the days."""
    vocab = _vocab()
    topics = [_topic(rng, vocab) for _ in range(max(1, n_stories // 4))]
    span = max(7, n_stories // 5)
    return [
        _story(
            rng,
            f"s{i:06d}",
            _pick(rng, topics),
            tuple(_number(rng) for _ in range(4)),
            int(rng.integers(span)),
        )
        for i in range(n_stories)
    ]


def _siblings(rng: np.random.Generator, stories: Sequence[_Story], rate: float) -> list[_Story]:
    """Poisson(``rate``) same-topic stories per original, numbered after the originals."""
    out: list[_Story] = []
    for story in stories:
        for _ in range(int(rng.poisson(rate))):
            out.append(_sibling(rng, story, f"s{len(stories) + len(out):06d}"))
    return out


def generate(
    n_stories: int = 200,
    *,
    seed: int = 0,
    copies: float = 1.0,
    rewrites: bool = False,
    same_topic: float = 0.3,
    start: str = "2024-01-01",
) -> SyntheticCorpus:
    """Generate a corpus of synthetic wire stories with known clusters.

    Args:
        n_stories: Number of original stories (ids ``s000000`` on).
        seed: Seed of every random choice; equal arguments give equal corpora.
        copies: Mean number of derived versions per original (Poisson); kinds drawn uniformly
            from verbatim, truncated, reheadlined, boilerplate (and rewrite).
        rewrites: Whether heavy rewrites are among the derived kinds.
        same_topic: Mean number of independent same-topic stories per original (Poisson);
            they reuse the original's names and some numbers, not its sentences.
        start: ISO date of the first publication day.

    Returns:
        The corpus, documents in a shuffled deterministic order.

    Raises:
        ConfigError: If a count or rate is negative or ``start`` is not an ISO date.
    """
    _check("n_stories", n_stories, 0)
    _check("copies", copies, 0.0)
    _check("same_topic", same_topic, 0.0)
    first = _parse_start(start)
    rng = np.random.default_rng(seed)
    kinds = (*COPY_KINDS, "rewrite") if rewrites else COPY_KINDS
    docs: list[SyntheticDoc] = []
    stories = _originals(rng, n_stories)
    for story in stories:
        docs.append(_original_doc(story, first, "original"))
        docs.extend(_copies(rng, story, first, copies, kinds))
    docs.extend(_original_doc(s, first, "same_topic") for s in _siblings(rng, stories, same_topic))
    return SyntheticCorpus(tuple(docs[i] for i in rng.permutation(len(docs))))


def write_jsonl(corpus: SyntheticCorpus, path: Path, *, gold_path: Path | None = None) -> None:
    """Write the corpus as JSON lines, and optionally its gold clusters as CSV.

    Both files are written atomically (a temporary file, then a rename).

    Args:
        corpus: The corpus to write.
        path: JSONL file; one object per line with keys id, title, text, date, source, url,
            story, kind.
        gold_path: If given, a CSV file with header ``id,cluster``.
    """
    from newsdedup.io.write import atomic_stream

    with atomic_stream(Path(path)) as out:
        for d in corpus.docs:
            record = {
                "id": d.doc.id,
                "title": d.doc.title,
                "text": d.doc.text,
                "date": d.doc.published,
                "source": d.doc.source,
                "url": d.doc.url,
                "story": d.story,
                "kind": d.kind,
            }
            out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    if gold_path is not None:
        lines = [
            "id,cluster",
            *(f"{_csv_cell(i)},{_csv_cell(c)}" for i, c in corpus.gold().items()),
        ]
        with atomic_stream(Path(gold_path)) as out:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))


def _csv_cell(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([value])
    return buffer.getvalue()


# ---------------------------------------------------------------- fast streaming generator


def _fast_texts(rng: np.random.Generator, vocab: _Vocab, m: int) -> list[str]:
    """``m`` article bodies: log-normal sentence counts, 8-30 words, ~45% paragraph breaks.

    All word ids of the batch are drawn at once; each article is then one ``str.join``.
    """
    n_sent = np.clip(np.rint(rng.lognormal(np.log(24.5), 0.5, m)), 5, 150).astype(np.int64)
    sent_len = rng.integers(8, 31, int(n_sent.sum()))
    ends = np.cumsum(sent_len)
    ids = _draw_ids(rng, vocab, int(ends[-1]))
    # A sentence must end on a content word, so "the." never appears.
    ids[ends - 1] = vocab.content_table[rng.integers(0, len(vocab.content_table), len(ends))]
    tokens = vocab.words[ids]
    starts = ends - sent_len
    tokens[starts] = vocab.capitalized[ids[starts]]
    last_sentence = np.cumsum(n_sent) - 1
    breaks = rng.random(len(ends)) < 0.45
    breaks[last_sentence] = False
    tokens[ends - 1] = np.where(breaks, vocab.para_end[ids[ends - 1]], vocab.dotted[ids[ends - 1]])
    words = tokens.tolist()
    bounds = np.concatenate(([0], ends[last_sentence])).tolist()
    return [" ".join(words[a:b]).replace("\n\n ", "\n\n") for a, b in pairwise(bounds)]


def _fast_titles(rng: np.random.Generator, vocab: _Vocab, m: int) -> list[str]:
    """``m`` headlines of 6 to 11 words."""
    words = vocab.words[_draw_ids(rng, vocab, 11 * m)].tolist()
    lengths = rng.integers(6, 12, m).tolist()
    titles = [" ".join(words[11 * k : 11 * k + n]) for k, n in enumerate(lengths)]
    return [t[:1].upper() + t[1:] for t in titles]


def _fast_copy(rng: np.random.Generator, text: str, outlet: _Outlet) -> str:
    """A verbatim, truncated (by paragraphs, 50-90% kept) or boilerplate-wrapped copy."""
    kind = int(rng.integers(3))
    if kind == 1:
        paragraphs = text.split("\n\n")
        cuts = [
            k
            for k in range(1, len(paragraphs))
            if 0.5 <= len("\n\n".join(paragraphs[:k])) / len(text) <= 0.9
        ]
        return "\n\n".join(paragraphs[: _pick(rng, cuts)]) if cuts else text
    return _wrap(outlet, text) if kind == 2 else text


def _day_strings(n: int) -> list[str]:
    """ISO dates from 2024-01-01, one per day of a year."""
    first = date(2024, 1, 1)
    return [_iso(first, d) for d in range(n)]


def iter_articles(n: int, *, seed: int = 0, dup_rate: float = 0.1) -> Iterator[dict[str, str]]:
    """Stream ``n`` synthetic articles fast, for 100k to 1M-article benchmarks.

    Memory stays bounded: batches of originals are generated with bulk numpy draws, and copies
    are taken from a ring of the last 1024 originals. Dates run through 2024 in stream order.

    Args:
        n: Number of articles.
        seed: Seed of every random choice.
        dup_rate: Share of articles that copy (verbatim, truncated or boilerplate-wrapped) an
            earlier article of the stream.

    Yields:
        Dicts with keys id (``a0000000`` on), title, text, date, source.

    Raises:
        ConfigError: If ``n`` is negative or ``dup_rate`` is outside [0, 1].
    """
    _check("n", n, 0)
    _check("dup_rate", dup_rate, 0.0, 1.0)
    return _stream(n, np.random.default_rng(seed), dup_rate)


def _stream(n: int, rng: np.random.Generator, dup_rate: float) -> Iterator[dict[str, str]]:
    """The generator behind :func:`iter_articles` (split so arguments are checked eagerly)."""
    vocab, outlets, days = _vocab(), _outlets(), _day_strings(366)
    ring: list[tuple[str, str]] = []
    per_day = max(1, -(-n // 366))
    for done in range(0, n, _BATCH):
        b = min(_BATCH, n - done)
        is_copy = (rng.random(b) < dup_rate).tolist()
        is_copy[0] = is_copy[0] and bool(ring)
        n_orig = b - sum(is_copy)
        originals = iter(
            zip(_fast_titles(rng, vocab, n_orig), _fast_texts(rng, vocab, n_orig), strict=True)
        )
        sources = rng.integers(0, len(outlets), b).tolist()
        for j in range(b):
            outlet = outlets[sources[j]]
            if is_copy[j]:
                title, text = ring[int(rng.integers(len(ring)))]
                text = _fast_copy(rng, text, outlet)
            else:
                title, text = next(originals)
                _remember(ring, (title, text), done + j)
            i = done + j
            yield {
                "id": f"a{i:07d}",
                "title": title,
                "text": text,
                "date": days[i // per_day],
                "source": outlet.name,
            }


def _remember(ring: list[tuple[str, str]], item: tuple[str, str], i: int) -> None:
    """Keep ``item`` in the bounded ring of recent originals."""
    if len(ring) < _RING_SIZE:
        ring.append(item)
    else:
        ring[i % _RING_SIZE] = item
