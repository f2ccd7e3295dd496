"""``newsdedup.Index``: a persistent index that groups each new batch against all it holds.

Made with :meth:`Index.create`, opened with :meth:`Index.open`; :meth:`Index.add` groups a
batch against the index and itself and stores it (one transaction), :meth:`Index.query`
says what one text matches without storing it. What is frozen and what is refreshed
between adds is said in the README ("Incremental index").
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from newsdedup import __version__
from newsdedup.config import Config
from newsdedup.data import (
    Assignment,
    Cluster,
    DedupResult,
    Document,
    Fingerprint,
    Match,
    Origin,
    Skip,
)
from newsdedup.dates import seconds
from newsdedup.errors import InputError, NewsDedupError
from newsdedup.index import incremental as inc
from newsdedup.index.sqlite import SQLiteStore
from newsdedup.index.store import Entry, StoreStats
from newsdedup.stages.boilerplate import Boilerplate, FurnitureLine, learn_from_documents
from newsdedup.stages.choose import preference
from newsdedup.stages.cluster import cluster, exact_heads
from newsdedup.stages.lsh import choose_banding
from newsdedup.stages.rewrite import auto_sample

DEFAULT_DOCUMENTS = 125_000
"""The index size the n-gram sample is chosen for when none is given (all n-grams held)."""


@dataclass(frozen=True, slots=True)
class Added:
    """What one add did.

    Attributes:
        result: The batch grouped against the index and itself, as a run over the batch
            reports it: one assignment per document of the batch (in input order), its
            clusters and every verified pair with a document of the batch. Cluster ids may
            name documents stored before.
        moved: Documents stored before whose place changed: a new document became their
            cluster's representative (an earlier copy that arrived late), or joined two of
            their clusters into one story.
        batch: The add's number (1 for the first).
        timings: Seconds per step.
    """

    result: DedupResult
    moved: tuple[Assignment, ...]
    batch: int
    timings: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Queried:
    """What one text matches in the index (nothing is stored).

    Attributes:
        document: The text asked about, as a document.
        matches: Every stored document it matches (copies, rewrites, stories), with the
            shared passages as evidence; ``a`` or ``b`` is the asked document's id.
        clusters: The cluster of each matched document, by its id.
    """

    document: Document
    matches: tuple[Match, ...]
    clusters: Mapping[str, str]

    @property
    def cluster(self) -> str | None:
        """The cluster the text would join: the strongest match's (a copy before a rewrite)."""
        if not self.matches:
            return None
        rank = {"exact": 0, "near": 1, "contained": 2, "rewrite": 3, "story": 4}
        best = min(self.matches, key=lambda m: (rank.get(m.kind, 9), -m.jaccard, m.a, m.b))
        other = best.b if best.a == self.document.id else best.a
        return self.clusters.get(other)


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What an index holds, and what it was made with.

    Attributes:
        path: The index file.
        schema: The schema version of the file.
        written_by: The newsdedup version that made it.
        level: ``copies``, ``rewrites`` or ``stories``.
        sample: One character n-gram in how many is held (chosen at creation).
        store: Counts and sizes (:class:`~newsdedup.index.store.StoreStats`).
    """

    path: Path
    schema: int
    written_by: str
    level: str
    sample: int
    store: StoreStats

    @property
    def bytes_per_document(self) -> float:
        """Bytes on disk per stored document, the compressed texts left out."""
        return (self.store.bytes - self.store.text_bytes) / max(self.store.documents, 1)


def _furniture_setting(bp: Boilerplate) -> dict[str, Any]:
    return {
        "patterns": bp.patterns,
        "documents": sorted([int(k), int(n)] for k, n in bp.documents.items()),
        "lines": [[line.source, line.text, line.documents] for line in bp.lines],
    }


def _furniture(setting: Mapping[str, Any]) -> Boilerplate:
    documents = {int(k): int(n) for k, n in setting["documents"]}
    lines = tuple(FurnitureLine(*row) for row in setting["lines"])
    return Boilerplate(frozenset(documents), lines, bool(setting["patterns"]), documents)


class Index:
    """A persistent, incremental index (one SQLite file; see the module's docstring).

    Example:
        >>> import tempfile, pathlib
        >>> from newsdedup import Document, Index
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "news.ndx"
        >>> story = "The central bank raised its main interest rate by half a point on Tuesday."
        >>> with Index.create(path) as index:
        ...     first = index.add([Document("a", story, published="2024-03-05")])
        ...     second = index.add([Document("b", story.upper(), published="2024-03-06")])
        >>> [(row.doc_id, row.cluster_id, row.kind) for row in second.result.assignments]
        [('b', 'a', 'exact')]
    """

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store
        settings = store.settings()
        self.config = Config.from_dict(settings["config"])
        self.written_by = str(settings.get("newsdedup_version", "unknown"))
        learned = settings.get("furniture")
        self._furniture = _furniture(learned) if learned else None

    @classmethod
    def create(
        cls,
        path: str | Path,
        config: Config | None = None,
        *,
        documents: int = DEFAULT_DOCUMENTS,
        furniture_from: Iterable[Document] | None = None,
        timeout: float = 30.0,
    ) -> Index:
        """Make a new index file.

        Args:
            path: The file to make; it must not exist.
            config: What the index finds (the same settings as a run); frozen in the index.
            documents: How many documents it is expected to hold: chooses the character
                n-gram sample as a batch run of that size would (all up to 125,000).
            furniture_from: Documents to learn each source's furniture from now; without
                them, the first add learns it from its batch. Frozen after.
            timeout: Seconds a writer waits for another (SQLite's busy timeout).

        Raises:
            StoreError: ``path`` exists or its folder does not.
        """
        config = config or Config()
        if config.decide.level == "copies":  # n-grams serve rewrites and stories only
            config = replace(config, rewrite=replace(config.rewrite, enabled=False))
        if config.rewrite.enabled and not config.rewrite.sample:
            config = replace(
                config,
                rewrite=replace(config.rewrite, sample=auto_sample(config.rewrite, documents)),
            )
        settings: dict[str, Any] = {"config": config.to_dict(), "newsdedup_version": __version__}
        if furniture_from is not None:
            settings["furniture"] = _furniture_setting(
                learn_from_documents(furniture_from, config.boilerplate)
            )
        return cls(SQLiteStore.create(path, settings, timeout=timeout))

    @classmethod
    def open(cls, path: str | Path, *, timeout: float = 30.0) -> Index:
        """Open an index file made by :meth:`create`.

        Raises:
            StoreError: No index there, or one of another schema version.
        """
        return cls(SQLiteStore.open(path, timeout=timeout))

    def close(self) -> None:
        """Close the index file."""
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding --------------------------------------------------------------------------

    def add(
        self,
        items: Iterable[Document] | Sequence[str | Path],
        *,
        out: str | Path | None = None,
    ) -> Added:
        """Group a batch against the index and itself, and store it: all of it, or nothing.

        Args:
            items: Documents, or input files (read as ``run`` reads them, with the index's
                read settings).
            out: Write the batch's outputs there, as ``run`` writes them (files only).

        Returns:
            The batch's grouping and the stored documents it moved.

        Raises:
            InputError: An id repeats in the batch or is already in the index, or an
                input is bad.
            StoreError: Another process kept the index busy beyond the timeout.
        """
        given: list[Any] = list(items)
        files = [str(item) for item in given if not isinstance(item, Document)]
        if files and len(files) != len(given):
            raise InputError("add takes documents or input files, not both at once")
        if out is not None and not files:
            raise InputError("outputs (out) are written for input files only; pass files")
        skipped: list[Skip] = []
        origins: dict[str, Origin] = {}
        docs: list[Document] = self._read(files, skipped, origins) if files else given
        added = self._add(docs, skipped)
        if out is not None:
            self._write(added, docs, files, origins, Path(out))
        return added

    def _read(
        self, files: Sequence[str], skipped: list[Skip], origins: dict[str, Origin]
    ) -> list[Document]:
        from newsdedup.io.read import read

        docs = []
        for item in read(files, self.config.read):
            if isinstance(item, Skip):
                skipped.append(item)
                continue
            if item.origin is not None:
                origins[item.id] = item.origin
            docs.append(item)
        return docs

    def _add(self, docs: Sequence[Document], skipped: Sequence[Skip]) -> Added:
        _check_ids(docs)
        timings: dict[str, float] = {}
        store = self._store
        with store.writing():
            clock = time.perf_counter()
            present = store.known(doc.id for doc in docs)
            if present:
                first = next(doc.id for doc in docs if doc.id in present)
                raise InputError(
                    f"{len(present)} documents of the batch are already in the index (the "
                    f"first: {first!r}); add each article once, or query it instead"
                )
            if self._furniture is None:
                self._furniture = learn_from_documents(docs, self.config.boilerplate)
                store.put_setting("furniture", _furniture_setting(self._furniture))
            fps = self._fingerprints(docs, self._furniture)
            clock = _lap(timings, "fingerprint", clock)
            _, distinct_before, batches = store.counts()
            firsts = self._firsts(fps)
            new = [fps[i] for i in firsts]
            hood_ids, leads = self._neighbours(new)
            old = self.fingerprints(hood_ids)
            banding = choose_banding(self.config.lsh, self.config.minhash.num_perm)
            bands = dict(zip(firsts, inc.band_keys_of(new, banding), strict=True))
            times = [seconds(fp.published) for fp in fps]
            entries = [
                Entry(
                    fp, doc, i in bands, bands.get(i, np.zeros(0, np.uint64)), t, inc.text_key(fp)
                )
                for i, (fp, doc, t) in enumerate(zip(fps, docs, times, strict=True))
            ]
            store.put(entries, batches + 1)
            clock = _lap(timings, "neighbours", clock)
            documents = distinct_before + len(new)
            hood = self._hood(old, new, leads, documents)
            matches, found = self._match(hood, {doc.id: doc for doc in docs})
            store.put_matches(matches)
            clock = _lap(timings, "match", clock)
            rows, clusters, exact, moved = self._recluster({doc.id for doc in docs})
            clock = _lap(timings, "cluster", clock)
        result = _batch_result(
            docs, rows, clusters, matches + exact, found, skipped, len(hood.fingerprints)
        )
        result = replace(result, boilerplate=_learned(self._furniture))
        return Added(result, moved, batches + 1, timings)

    def _fingerprints(self, docs: Sequence[Document], furniture: Boilerplate) -> list[Fingerprint]:
        from newsdedup.backends.local import fingerprint_stream

        stream = fingerprint_stream(docs, self.config, furniture=furniture)
        return [inc.signed(fp, self.config) for fp in stream]

    def fingerprints(self, ids: Iterable[str]) -> list[Fingerprint]:
        """The full fingerprints of stored documents, by id, made again from their texts.

        The same as when they were added: the config and the furniture are frozen.
        """
        docs = self._store.documents(ids)
        furniture = self._furniture or Boilerplate(patterns=False)
        return self._fingerprints([docs[k] for k in sorted(docs)], furniture)

    def _firsts(self, fps: Sequence[Fingerprint]) -> list[int]:
        """The batch's documents that are the first of their text in the index, in order.

        Only those are matched (the rest are exact copies, grouped by their text) and only
        their n-grams are counted, as a batch run counts each distinct text once. Among
        copies within the batch, the most preferred goes first, as a run's leader does.
        """
        keys = [inc.text_key(fp) for fp in fps]
        stored = self._store.with_digests(keys)
        heads = exact_heads(fps, preference(fps, self.config.choose))
        return [i for i, key in enumerate(keys) if key and key not in stored and heads[i] == i]

    def _neighbours(self, new: Sequence[Fingerprint]) -> tuple[set[str], np.ndarray]:
        """The stored documents the new ones may match, and the lead keys still open."""
        store, config = self._store, self.config
        banding = choose_banding(config.lsh, config.minhash.num_perm)
        keys = inc.band_keys_of(new, banding)
        found = store.band_neighbours(np.concatenate([np.zeros(0, np.uint64), *keys]))
        flat = inc.lead_flat(new)
        leads = inc.open_leads(store.lead_sizes(flat), flat)
        found |= store.lead_neighbours(leads)
        if new and config.rewrite.enabled and config.decide.level != "copies":
            times = np.array([seconds(fp.published) for fp in new], dtype=np.float64)
            found |= store.within(*inc.window(times, config))
        return found, leads

    def _hood(
        self,
        old: Sequence[Fingerprint],
        new: Sequence[Fingerprint],
        leads: np.ndarray,
        documents: int,
    ) -> inc.Neighbourhood:
        fps = [*old, *new]
        rare = None
        if self.config.rewrite.enabled and self.config.decide.level != "copies":
            grams = [fp.grams for fp in fps if fp.grams is not None]
            keys = inc.sorted_unique(np.concatenate([np.zeros(0, np.uint32), *grams]))
            rare = inc.rarity_of(keys, self._store.frequencies(keys), documents)
        return inc.Neighbourhood(fps, len(new), leads, rare)

    def _match(
        self, hood: inc.Neighbourhood, batch: Mapping[str, Document]
    ) -> tuple[list[Match], dict[str, int]]:
        """Copies, rewrites and stories between the new documents and their neighbourhood.

        Rewrites and stories are decided on their passages as in a run
        (:func:`newsdedup.pipeline.decide_on_passages`), with how often a passage recurs
        counted over the neighbourhood.
        """
        from newsdedup.pipeline import decide_on_passages, on_passages

        pairs, found = inc.candidate_pairs(hood, self.config)
        checked = inc.verified(pairs, hood, self.config)
        matches = list(checked.matches)
        fps = hood.fingerprints
        wanted = on_passages(checked, fps)
        if wanted:
            docs = {**self._store.documents(wanted - set(batch)), **batch}
            matches = decide_on_passages(
                checked, fps, docs, self.config, self._furniture, everyone=fps
            )
        found.update(candidates=len(pairs), verified=len(matches))
        return matches, found

    def _recluster(
        self, batch: set[str]
    ) -> tuple[dict[str, Assignment], tuple[Cluster, ...], list[Match], tuple[Assignment, ...]]:
        """Cluster again every stored group the batch touches, as a batch run clusters it.

        Clustering works per connected component of matches and exact copies, so the
        components holding a new document are clustered again, whole, and nothing else.
        """
        store = self._store
        fps, matches = self._component(batch)
        order = preference(fps, self.config.choose)
        heads = exact_heads(fps, order)
        head_of = {
            fp.doc_id: fps[h].doc_id for fp, h in zip(fps, heads.tolist(), strict=True) if h >= 0
        }
        stories = self.config.decide.level == "stories"
        clusters, rows = cluster(
            fps, order, inc.to_heads(matches, head_of), heads=heads, components=stories
        )
        before = {row.doc_id: row for row in store.assignments({fp.doc_id for fp in fps} - batch)}
        store.put_assignments(rows)
        moved = tuple(row for row in rows if row.doc_id in before and before[row.doc_id] != row)
        return (
            {row.doc_id: row for row in rows},
            clusters,
            inc.exact_matches(fps, heads, order),
            moved,
        )

    def _component(self, start: set[str]) -> tuple[list[Fingerprint], list[Match]]:
        """The stored documents joined to ``start`` by matches or a shared text; their matches."""
        store = self._store
        seen, frontier = set(start), set(start)
        texts: set[str] = set()
        held: dict[str, Fingerprint] = {}
        matches: dict[tuple[str, str], Match] = {}
        while frontier:
            fps = store.fingerprints(frontier)
            held.update(fps)
            keys = {inc.text_key(fp) for fp in fps.values()} - texts - {""}
            texts |= keys
            reached = {doc_id for ids in store.sharing(keys).values() for doc_id in ids}
            for m in store.matches_of(frontier):
                matches[(m.a, m.b)] = m
                reached |= {m.a, m.b}
            frontier = reached - seen
            seen |= frontier
        return [held[k] for k in sorted(held)], [matches[k] for k in sorted(matches)]

    # -- writing outputs -----------------------------------------------------------------

    def _write(
        self,
        added: Added,
        docs: Sequence[Document],
        files: Sequence[str],
        origins: dict[str, Origin],
        out: Path,
    ) -> None:
        from newsdedup.io.write import write_outputs
        from newsdedup.pipeline import with_evidence

        result = added.result
        wanted = {d for m in result.matches if m.kind != "exact" for d in (m.a, m.b)}
        batch = {doc.id: doc for doc in docs}
        texts = {**self._store.documents(wanted - set(batch)), **batch}
        fps = self.fingerprints(wanted)
        result = with_evidence(result, texts, fps, self.config, self._furniture or Boilerplate())
        write_outputs(result, files, origins, out, self.config, timings=dict(added.timings))

    # -- reading -------------------------------------------------------------------------

    def query(self, item: str | Document) -> Queried:
        """What one text (or document) matches in the index, with evidence; nothing is stored.

        The text is weighed as if it were added: the n-gram frequencies count it too.
        """
        from newsdedup.pipeline import with_evidence

        doc = item if isinstance(item, Document) else Document("query", item)
        store = self._store
        furniture = self._furniture or Boilerplate(patterns=False)
        fp = self._fingerprints([doc], furniture)[0]
        key = inc.text_key(fp)
        same = store.sharing([key]).get(key, []) if key else []
        _, distinct, _ = store.counts()
        hood_ids, leads = self._neighbours([fp])
        hood_ids.discard(doc.id)
        hood = self._hood(self.fingerprints(hood_ids), [fp], leads, distinct + 1)
        matches, _ = self._match(hood, {doc.id: doc})
        # A stored document of the same text is an exact copy, whatever else was measured.
        matches = [m for m in matches if m.a not in same and m.b not in same]
        for other in same:
            first, second = sorted((doc.id, other))
            matches.append(Match(first, second, 1.0, 1.0, "exact"))
        ordered = sorted(matches, key=attrgetter("a", "b"))
        bare = DedupResult((), (), tuple(ordered), {})
        texts = {
            **store.documents({d for m in ordered for d in (m.a, m.b)} - {doc.id}),
            doc.id: doc,
        }
        with_passages = with_evidence(bare, texts, [*hood.fingerprints], self.config, furniture)
        others = {m.b if m.a == doc.id else m.a for m in ordered}
        clusters = {row.doc_id: row.cluster_id for row in store.assignments(others)}
        return Queried(doc, with_passages.matches, clusters)

    def matches(self) -> tuple[Match, ...]:
        """Every verified pair stored (exact copies are grouped by their text, not listed)."""
        return tuple(self._store.matches())

    def assignments(self) -> tuple[Assignment, ...]:
        """Where every stored document went, in the order they were added."""
        return tuple(self._store.assignments())

    def stats(self) -> IndexStats:
        """What the index holds, and what it was made with."""
        settings = self._store.settings()
        return IndexStats(
            self._store.path,
            int(settings["schema_version"]),
            self.written_by,
            self.config.decide.level,
            self.config.rewrite.sample,
            self._store.stats(),
        )

    def compact(self) -> None:
        """Fold the write-ahead log in and give back free space (``VACUUM``)."""
        self._store.compact()


def _lap(timings: dict[str, float], step: str, clock: float) -> float:
    """Record the seconds since ``clock`` as ``step``'s; return the time now."""
    now = time.perf_counter()
    timings[step] = round(now - clock, 3)
    return now


def _check_ids(docs: Sequence[Document]) -> None:
    seen: set[str] = set()
    for position, doc in enumerate(docs, start=1):
        if doc.id in seen:
            raise InputError(
                f"document {position} has the id {doc.id!r}, already used in this batch; "
                "ids must be unique"
            )
        seen.add(doc.id)


def _learned(bp: Boilerplate | None) -> tuple[tuple[str, str, int], ...]:
    return tuple((f.source, f.text, f.documents) for f in bp.lines) if bp else ()


def _batch_result(
    docs: Sequence[Document],
    rows: Mapping[str, Assignment],
    clusters: Sequence[Cluster],
    matches: Sequence[Match],
    found: Mapping[str, int],
    skipped: Sequence[Skip],
    compared: int,
) -> DedupResult:
    """The batch's part of the reclustered groups, as a run over the batch reports it."""
    ids = [doc.id for doc in docs]
    batch = set(ids)
    assignments = tuple(rows[doc_id] for doc_id in ids)
    for row in assignments:
        if row.cluster_id not in rows or not rows[row.cluster_id].is_representative:
            raise NewsDedupError(
                f"internal error: {row.doc_id!r} is grouped under {row.cluster_id!r}, which is "
                "not a kept document; please report it"
            )
    touched = tuple(c for c in clusters if batch.intersection(c.members))
    pairs = tuple(
        sorted((m for m in matches if m.a in batch or m.b in batch), key=attrgetter("a", "b"))
    )
    kinds: dict[str, int] = {}
    for row in assignments:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    kept = sum(row.is_representative for row in assignments)
    stats: dict[str, int | float] = {
        "documents": len(assignments),
        "kept": kept,
        "grouped": len(assignments) - kept,
        "skipped": len(skipped),
        "clusters_with_copies": sum(len(c.members) > 1 for c in touched),
        "compared": compared,
        "candidates": found.get("candidates", 0),
        "candidates_lsh": found.get("candidates_lsh", 0),
        "candidates_rewrite": found.get("candidates_rewrite", 0),
        "candidates_lead": found.get("candidates_lead", 0),
        "verified": found.get("verified", 0),
        **{f"kind_{kind}": n for kind, n in sorted(kinds.items())},
    }
    return DedupResult(assignments, touched, pairs, stats, tuple(skipped))
