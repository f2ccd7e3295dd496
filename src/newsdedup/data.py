"""Records passed between pipeline stages.

Every record is a frozen, slotted dataclass: stages hand each other values, never
mutable state. No logic and no I/O live here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_LEVELS = {
    "exact": "copy",
    "near": "copy",
    "contained": "copy",
    "rewrite": "rewrite",
    "story": "story",
}


def level_of(kind: str) -> str:
    """The level of a match kind: ``copy``, ``rewrite`` or ``story``.

    Empty for the kinds of documents that matched nothing (``unique``,
    ``representative``, ``empty``).
    """
    return _LEVELS.get(kind, "")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a document was read from, so errors can name it and writers can re-read it.

    Attributes:
        file: The input path as given (for a folder of text files, the folder).
        line: 1-based line of the record in the file (JSONL, CSV), 1-based row for
            Parquet, 0 for a text file in a folder.
        record: 0-based index of the record within ``file``; the key writers use to
            pick records when they re-read the input.
    """

    file: str
    line: int
    record: int


@dataclass(frozen=True, slots=True)
class Document:
    """One news article.

    Attributes:
        id: Unique identifier within the corpus.
        text: The article body as read (not normalised).
        title: Headline, if known.
        published: Publication date as given, if known (formats read: :mod:`newsdedup.dates`).
        source: Outlet or feed name, if known.
        url: Address of the article, if known.
        meta: Every other field of the input record, carried to the outputs.
        origin: Where the record was read from; ``None`` for documents built in code.
    """

    id: str
    text: str
    title: str | None = None
    published: str | None = None
    source: str | None = None
    url: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    """A record set aside by ``on_error="skip"`` (or ``on_empty="skip"``), with the reason."""

    file: str
    line: int
    reason: str
    doc_id: str | None = None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What matching and choosing need of a document, without its text.

    Attributes:
        doc_id: The document's id.
        digest: Hash of the normalised text (exact-duplicate key); empty for empty text.
        shingles: Sorted, unique 32-bit hashes of the word shingles of the text without
            its furniture (a ``numpy.uint32`` array).
        length: Number of characters of the normalised text.
        published: Publication date as given, if known.
        source: Outlet, if known.
        grams: Sorted, unique 32-bit hashes of the sampled character n-grams of the text
            without its furniture, for rewrites (empty if rewrites are off).
        site: Where furniture is learned and house style shared: the source, else the
            URL's host.
        signature: MinHash signature (``numpy.uint32``, ``num_perm`` long), if computed
            along with the shingles; matching computes it otherwise.
        marks: What tells one notice from the next (tickers, a short text's headline
            words; :func:`newsdedup.stages.decide.marks`): documents whose marks conflict are
            never grouped, even with the same text.
        leads: Keys of the opening words of the text without its furniture
            (:func:`newsdedup.stages.leads.lead_keys`): a copy cut short shares one.
    """

    doc_id: str
    digest: str
    shingles: Any
    length: int
    published: str | None = None
    source: str | None = None
    grams: Any = None
    site: str | None = None
    signature: Any = None
    marks: str = ""
    leads: bytes = b""


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage two texts share, as character offsets into each original text.

    Attributes:
        a_start: Offset of the passage's first character in the first text.
        a_end: Offset just past its last character in the first text.
        b_start: Offset of its first character in the second text.
        b_end: Offset just past its last character in the second text.
        words: Its length in words (in the first text).
        found_in: At most how many documents of the corpus hold it (2: only these two).
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    words: int
    found_in: int = 2


@dataclass(frozen=True, slots=True)
class Match:
    """A verified pair of documents.

    Attributes:
        a: Id of one document (the smaller id).
        b: Id of the other document.
        jaccard: |A ∩ B| / |A ∪ B| over the word shingle sets.
        containment: |A ∩ B| / min(|A|, |B|): 1.0 when one text lies inside the other.
        kind: ``exact``, ``near`` (Jaccard at or above the threshold), ``contained``
            (a truncated or padded copy: containment at or above its threshold),
            ``rewrite`` (written from the same copy) or ``story`` (carries the same
            source words about the same event); see :mod:`newsdedup.stages.decide`.
        similarity: IDF-weighted Jaccard of the character n-grams (0 when not computed).
        days: Days between the publication dates; ``None`` if either is unknown.
        passages: The passages the two texts share, when evidence was gathered.
        score: The decision model's probability for a rewrite or a story (1.0 for a
            copy, decided by rule).
    """

    a: str
    b: str
    jaccard: float
    containment: float
    kind: str
    similarity: float = 0.0
    days: float | None = None
    passages: tuple[Passage, ...] = ()
    score: float = 1.0

    @property
    def level(self) -> str:
        """``copy`` (exact, near, contained), ``rewrite`` or ``story``."""
        return level_of(self.kind)


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of documents that are copies of one another.

    Attributes:
        id: The cluster's id: the id of its representative.
        representative: The member kept in the cleaned corpus.
        members: All member ids, representative first, then in representative order.
    """

    id: str
    representative: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """One row of the clusters table: where a document went and why.

    Attributes:
        doc_id: The document.
        cluster_id: Its cluster (the representative's id).
        is_representative: Whether it is the cluster's kept document.
        cluster_size: Number of members of its cluster.
        jaccard: Jaccard similarity to ``matched_to`` (1.0 for the representative).
        containment: Containment with ``matched_to`` (1.0 for the representative).
        kind: ``unique`` (a singleton), ``representative``, ``exact``, ``near``,
            ``contained``, ``rewrite``, ``story``, or ``empty`` (no text to compare:
            kept alone).
        similarity: IDF-weighted character similarity to ``matched_to``.
        matched_to: The document it was verified against: the representative, or the
            leader of its copy group (itself a rewrite of the representative). The scores
            are to that document.
    """

    doc_id: str
    cluster_id: str
    is_representative: bool
    cluster_size: int
    jaccard: float
    containment: float
    kind: str
    similarity: float = 1.0
    matched_to: str = ""


@dataclass(frozen=True, slots=True)
class UnreadDates:
    """Publication dates that could not be read (:mod:`newsdedup.dates`): undated documents.

    Attributes:
        count: How many documents have one.
        example: The first such date, as given.
        doc_id: The document that has it.
        origin: Where that document was read from, if known.
    """

    count: int
    example: str
    doc_id: str
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Everything a deduplication run found.

    Attributes:
        assignments: One row per input document, in input order.
        clusters: Every cluster, singletons included, ordered by representative id.
        matches: Every verified pair, ordered by (a, b).
        stats: Counts (documents, kept, grouped, by kind, candidates, ...).
        skipped: Records set aside while reading, with reasons.
        boilerplate: Furniture learned per source: ``(source, line, documents)``.
        unread_dates: The dates that could not be read, if any (their count is also
            ``stats["dates_unreadable"]``).
    """

    assignments: tuple[Assignment, ...]
    clusters: tuple[Cluster, ...]
    matches: tuple[Match, ...]
    stats: Mapping[str, int | float]
    skipped: tuple[Skip, ...] = ()
    boilerplate: tuple[tuple[str, str, int], ...] = ()
    unread_dates: UnreadDates | None = None

    @property
    def kept_ids(self) -> tuple[str, ...]:
        """Ids of the documents kept in the cleaned corpus, in input order."""
        return tuple(a.doc_id for a in self.assignments if a.is_representative)
