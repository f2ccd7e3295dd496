"""What an index store keeps, and the verbs every store answers (SQLite now, PostgreSQL later).

A store holds what matching needs between runs, and nothing that must be unpickled: each
document's fingerprint less its arrays (made again from its text when it is matched),
its LSH band keys and lead keys (to find its candidates by lookup), the document
frequency of every character n-gram (the rewrite and story levels weigh by it), its text
(compressed, for verification and evidence), every verified match and every document's
place in the clusters. The logic that decides lives in :mod:`newsdedup.index.incremental`;
a store only reads and writes, inside one transaction per add.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from newsdedup.data import Assignment, Document, Fingerprint, Match

SCHEMA_VERSION = 1
"""The layout of the stored tables. An index of another version is refused, never read."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One document as it is stored.

    Attributes:
        fingerprint: What matching needs of it.
        document: The document itself (its text is stored compressed).
        distinct: Whether it is the first document of the index with its normalised text
            (only those count in the n-gram document frequencies, as in a batch run).
        bands: Its LSH band keys (``uint64``; none for a document without a shingle).
        time: Its publication time in seconds since the epoch, or ``inf`` when unknown.
        text_key: What groups it with its exact copies (its text's digest, and its marks:
            :func:`newsdedup.index.incremental.text_key`).
    """

    fingerprint: Fingerprint
    document: Document
    distinct: bool
    bands: np.ndarray
    time: float
    text_key: str


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What a store holds.

    Attributes:
        documents: Documents stored.
        distinct: Of those, documents with a text no earlier one had.
        batches: Adds committed.
        clusters: Clusters (representatives).
        matches: Verified pairs.
        grams: Distinct character n-grams counted.
        bytes: Size of the store on disk (the database and its write-ahead log).
        text_bytes: Of those, the compressed texts.
        tables: Bytes each table and its indexes take (when the store can tell).
    """

    documents: int
    distinct: int
    batches: int
    clusters: int
    matches: int
    grams: int
    bytes: int
    text_bytes: int
    tables: Mapping[str, int]


class Store(Protocol):
    """The verbs of an index store; every write happens inside :meth:`writing`."""

    def settings(self) -> dict[str, Any]:
        """The frozen settings written at creation (the config, the furniture, ...)."""

    def writing(self) -> AbstractContextManager[None]:
        """One transaction: all of an add, or nothing of it."""

    def counts(self) -> tuple[int, int, int]:
        """``(documents, distinct, batches)`` stored."""

    def known(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored."""

    def with_digests(self, digests: Iterable[str]) -> dict[str, str]:
        """The first stored document of each of these text keys."""

    def band_neighbours(self, keys: np.ndarray) -> set[str]:
        """Stored documents sharing any of these LSH band keys."""

    def lead_neighbours(self, keys: np.ndarray) -> set[str]:
        """Stored documents sharing any of these lead keys."""

    def lead_sizes(self, keys: np.ndarray) -> dict[int, int]:
        """How many stored documents hold each of these lead keys."""

    def within(self, low: float, high: float) -> set[str]:
        """Stored distinct documents dated from ``low`` to ``high`` (seconds), and the undated."""

    def fingerprints(self, ids: Iterable[str]) -> dict[str, Fingerprint]:
        """The stored fingerprints of ``ids``, without shingles, n-grams or signature."""

    def sharing(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """Every stored document of each text key among ``keys``, first stored first."""

    def put_setting(self, key: str, value: Any) -> None:
        """Write one setting (JSON) in the current transaction."""

    def documents(self, ids: Iterable[str]) -> dict[str, Document]:
        """The stored documents of ``ids``, texts decompressed."""

    def frequencies(self, grams: np.ndarray) -> np.ndarray:
        """How many distinct stored documents hold each of ``grams`` (0: none)."""

    def put(self, entries: Sequence[Entry], batch: int) -> None:
        """Store documents and count their n-grams (only the distinct ones')."""

    def matches_of(self, ids: Iterable[str]) -> list[Match]:
        """Every stored match with either document among ``ids``."""

    def matches(self) -> Iterator[Match]:
        """Every stored match, ordered by its two ids."""

    def put_matches(self, matches: Iterable[Match]) -> None:
        """Store verified matches (passages are not stored: they are aligned when asked for)."""

    def put_assignments(self, rows: Iterable[Assignment]) -> None:
        """Store (or replace) where each document went."""

    def assignments(self, ids: Iterable[str] | None = None) -> Iterator[Assignment]:
        """Where the documents went: ``ids``' or all, in the order they were stored."""

    def stats(self) -> StoreStats:
        """What the store holds."""

    def compact(self) -> None:
        """Give back the space of deleted pages and refresh the query planner's statistics."""

    def close(self) -> None:
        """Release the store."""
