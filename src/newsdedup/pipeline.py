"""The pipeline: ``dedup()`` in memory and ``run()`` from files to files.

Stage calls and nothing more; each stage lives in the module named after it.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from difflib import get_close_matches
from functools import partial
from itertools import compress
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from newsdedup.backends import Rows
from newsdedup.backends.local import LocalEngine
from newsdedup.config import Config, ReadConfig
from newsdedup.data import DedupResult, Document, Fingerprint, Match, Origin, Skip
from newsdedup.dates import seconds, unread
from newsdedup.errors import InputError, NewsDedupError
from newsdedup.runtime import serial
from newsdedup.stages.boilerplate import (
    Boilerplate,
    learn_from_documents,
    learned,
    named,
)
from newsdedup.stages.choose import id_ranks, preference
from newsdedup.stages.cluster import cluster, exact_heads, gc_paused
from newsdedup.stages.decide import figures_differ, load_model, passage_stats
from newsdedup.stages.lsh import Banding, choose_banding
from newsdedup.stages.rewrite import LazyWeights, Rarity, settled
from newsdedup.stages.verify import Pending, Rewrites, Verified

if TYPE_CHECKING:
    from newsdedup.backends import Engine
    from newsdedup.backends.blocks import BlockInput
    from newsdedup.io.read_blocks import Block, Spans

ProgressHook = Callable[[str, int], None]
"""Called as ``hook(stage, done)`` while a stage advances; ``done`` counts its items."""

_EMPTY = np.zeros(0, dtype=np.uint32)
_REPORT_EVERY = 2000


@dataclass(frozen=True, slots=True)
class MatchStats:
    """What candidate generation and verification did."""

    banding: Banding
    compared: int
    candidates: int
    verified: int
    lsh_candidates: int = 0
    rewrite_candidates: int = 0
    lead_candidates: int = 0
    lsh_capped_buckets: int = 0
    lsh_without_shingles: int = 0


@dataclass(frozen=True, slots=True)
class Candidates:
    """The candidate pairs of a corpus and what deciding them needs.

    Attributes:
        pairs: ``(m, 2)`` row indices into the fingerprints, sorted, unique.
        rewrites: The model and n-gram weights for rewrites and stories; ``None`` when
            only copies are looked for.
        banding: The LSH bands and rows.
        lsh: How many pairs LSH found.
        rare: How many pairs the rare n-grams found.
        leads: How many pairs shared a lead key (:mod:`newsdedup.stages.leads`).
        capped: LSH buckets over ``lsh.max_bucket``, chained instead of expanded.
        without_shingles: Documents left out of LSH for want of a shingle.
        rarity: The n-grams' document frequencies ``rewrites`` weigh by, if any.
    """

    pairs: np.ndarray
    rewrites: Rewrites | None
    banding: Banding
    lsh: int
    rare: int
    leads: int = 0
    capped: int = 0
    without_shingles: int = 0
    rarity: Rarity | None = None


def find_candidates(
    fingerprints: Sequence[Fingerprint],
    config: Config,
    *,
    threads: int = 1,
    engine: Engine | None = None,
    rows: Rows | None = None,
) -> Candidates:
    """Candidate pairs among ``fingerprints`` (distinct, non-empty texts).

    Three sources: LSH (copies by Jaccard), lead keys (copies cut short, at any date
    distance: :mod:`newsdedup.stages.leads`) and rare n-grams (rewrites and stories, within the
    date window). Gathers all signatures, because LSH buckets need every document of a
    band at once,
    and all character n-grams, because their weights depend on the whole corpus.
    ``threads`` group LSH bands, weigh the n-grams and multiply the rewrite index side by
    side; they never change the result. ``engine`` gathers the LSH buckets, lead keys, the
    n-grams' document frequencies and rare-n-gram candidates (where it holds the
    fingerprints of ``rows``; default: here).

    A document without a shingle (its text all furniture, or too short) stays out of LSH:
    its signature is all empty, so every two such documents would share every band
    (issue 14: 1,500 of them made 1.1M candidates). Only its exact copies, found by the
    digest of its whole text, can group with it.
    """
    engine = engine or LocalEngine(threads)
    banding = choose_banding(config.lsh, config.minhash.num_perm)
    lsh = engine.lsh(fingerprints, banding, config, rows=rows)
    cut_short = engine.leads(fingerprints, rows=rows)
    copies = np.unique(np.concatenate([lsh.pairs.reshape(-1, 2), cut_short]), axis=0)
    rewrites, pairs = None, copies
    rewritten = np.zeros((0, 2), dtype=np.int64)
    rare = None
    if config.rewrite.enabled and config.decide.level != "copies" and fingerprints:
        grams = [fp.grams if fp.grams is not None else _EMPTY for fp in fingerprints]
        rare = engine.rarity(fingerprints, rows=rows)
        times = np.array([seconds(fp.published) for fp in fingerprints], dtype=np.float64)
        rewritten = engine.rare_pairs(fingerprints, rare, config.rewrite, times, rows=rows)
        idf_max = float(rare.idf(np.zeros(1))[0])
        stories = config.decide.level == "stories"
        rewrites = Rewrites(config.rewrite, LazyWeights(grams, rare), idf_max, stories)
        pairs = np.unique(np.concatenate([copies.reshape(-1, 2), rewritten]), axis=0)
    return Candidates(
        pairs,
        rewrites,
        banding,
        len(lsh.pairs),
        len(rewritten),
        len(cut_short),
        lsh.capped,
        lsh.left_out,
        rare,
    )


def find_matches(
    fingerprints: Sequence[Fingerprint],
    config: Config,
    *,
    threads: int = 1,
    engine: Engine | None = None,
    rows: Rows | None = None,
) -> tuple[Verified, MatchStats]:
    """Verified copies and rewrites among ``fingerprints`` (distinct, non-empty texts).

    With ``level = "stories"``, the story candidates are left pending in the result.
    ``engine`` and ``rows``: where the candidates are gathered (:func:`find_candidates`) and
    verified.
    """
    engine = engine or LocalEngine(threads)
    found = find_candidates(fingerprints, config, threads=threads, engine=engine, rows=rows)
    verified = engine.verify(
        found.pairs,
        fingerprints,
        config.verify,
        rewrites=found.rewrites,
        rare=found.rarity,
        rows=rows,
    )
    stats = MatchStats(
        found.banding,
        len(fingerprints),
        len(found.pairs),
        len(verified.matches),
        found.lsh,
        found.rare,
        found.leads,
        found.capped,
        found.without_shingles,
    )
    return verified, stats


TextSource = Callable[[set[str]], AbstractContextManager[Mapping[str, Document]]]
"""Given document ids, a context that holds those documents (re-read when needed)."""


def decide_stories(
    pending: Sequence[Pending],
    fingerprints: Sequence[Fingerprint],
    docs: Mapping[str, Document],
    config: Config,
    furniture: Boilerplate | None,
    *,
    everyone: Sequence[Fingerprint] | None = None,
    engine: Engine | None = None,
) -> list[Match]:
    """The stories among ``pending`` pairs (:func:`decide_on_passages` with no rewrites)."""
    verified = Verified([], list(pending))
    return decide_on_passages(
        verified, fingerprints, docs, config, furniture, everyone=everyone, engine=engine
    )


def on_passages(verified: Verified, fingerprints: Sequence[Fingerprint]) -> set[str]:
    """The documents :func:`decide_on_passages` aligns: every pending pair's, dated rewrites'."""
    wanted = {fingerprints[k].doc_id for p in verified.pending for k in (p.i, p.j)}
    wanted.update(doc for m in _dated_rewrites(verified.matches) for doc in (m.a, m.b))
    return wanted


def _dated_rewrites(matches: Sequence[Match]) -> list[Match]:
    return [m for m in matches if m.level == "rewrite" and m.days is not None]


def decide_on_passages(
    verified: Verified,
    fingerprints: Sequence[Fingerprint],
    docs: Mapping[str, Document],
    config: Config,
    furniture: Boilerplate | None,
    *,
    everyone: Sequence[Fingerprint] | None = None,
    engine: Engine | None = None,
) -> list[Match]:
    """Verified matches whose passages decide them: rewrites checked, stories found.

    Every pending pair is aligned and kept if it is a story (``Model.is_story`` of
    :mod:`.decide`); two short texts whose figures differ are notices of one template,
    never one story (:func:`newsdedup.stages.decide.figures_differ`). A dated rewrite is
    aligned too, and dropped when every passage it shares is background that recurs
    beyond its window (:func:`newsdedup.stages.evidence.recurring`): what it shares was
    not written from one copy. Copies, undated rewrites and the rewrites kept are returned
    with the stories (aligned ones with their passages, so evidence does not align them
    again). ``docs`` holds at least the documents of :func:`on_passages`.

    ``fingerprints`` are the rows ``pending`` points into; ``everyone`` (default: the same)
    are every document's, for how rare a passage is (counted by ``engine``, where it
    holds them: ``everyone`` is the pass it fingerprinted).
    """
    from newsdedup.stages.align import held_when
    from newsdedup.stages.evidence import recurring, traced

    pending = verified.pending
    checked = _dated_rewrites(verified.matches)
    if not pending and not checked:
        return list(verified.matches)
    model = load_model(config.decide.model)
    bp = furniture or Boilerplate(patterns=False)
    named = set(on_passages(verified, fingerprints))
    site, published = {}, {}
    for fp in fingerprints:
        if fp.doc_id in named:
            site[fp.doc_id], published[fp.doc_id] = fp.site, fp.published
    stories_at = len(checked)
    pairs = [(m.a, m.b) for m in checked]
    pairs += [(fingerprints[p.i].doc_id, fingerprints[p.j].doc_id) for p in pending]
    counted = everyone or fingerprints
    threads = engine.threads if engine else 1
    found = traced(
        pairs,
        _Texts(docs, site),
        counted,
        config.shingle,
        bp,
        run=engine.mapper() if engine else serial,
        threads=threads,
        rarity=_counted(engine, counted) if engine and everyone is not None else None,
    )
    times = np.array([[seconds(published[d]) for d in pair] for pair in pairs]).reshape(-1, 2)
    spans = _spans(times, config.rewrite.window_days)
    background = recurring(found, spans, partial(held_when, counted, threads=threads))
    kept = {
        (m.a, m.b): replace(m, passages=shared)
        for m, shared, recurs in zip(
            checked, found.passages[:stories_at], background[:stories_at], strict=True
        )
        if not shared or not all(recurs)
    }
    dropped = {(m.a, m.b) for m in checked} - kept.keys()
    out = [kept.get((m.a, m.b), m) for m in verified.matches if (m.a, m.b) not in dropped]
    for (a, b), waiting, shared, recurs in zip(
        pairs[stories_at:],
        pending,
        found.passages[stories_at:],
        background[stories_at:],
        strict=True,
    ):
        if figures_differ(docs[a].text, docs[b].text):
            continue
        own = [p for p, common in zip(shared, recurs, strict=True) if not common]
        weighed = replace(waiting.evidence, passages=passage_stats(own, docs[a].text))
        yes, score = model.is_story(weighed)
        if yes:
            out.append(
                Match(
                    a,
                    b,
                    round(weighed.jaccard, 6),
                    round(weighed.containment, 6),
                    "story",
                    round(weighed.similarity, 6),
                    weighed.days,
                    shared,
                    round(score, 6),
                )
            )
    return out


def _spans(times: np.ndarray, window_days: float) -> np.ndarray:
    """Each pair's span in seconds: ``window_days`` before its first date to after its last.

    ``times`` holds a row of two publication times a pair; the span is ``inf`` where
    either is unknown.
    """
    first, last = times.min(axis=1, initial=np.inf), times.max(axis=1, initial=-np.inf)
    margin = window_days * 86400.0
    dated = np.isfinite(first) & np.isfinite(last)
    return np.where(dated[:, None], np.stack([first - margin, last + margin], axis=1), np.inf)


def _counted(engine: Engine, everyone: Sequence[Fingerprint]) -> Callable[[np.ndarray], Any]:
    """How ``engine`` counts shingles over ``everyone``, the whole pass it fingerprinted."""
    rows = Rows(np.arange(len(everyone)), len(everyone))
    return partial(engine.shingle_rarity, everyone, rows=rows)


def _exact_matches(
    fingerprints: Sequence[Fingerprint], heads: np.ndarray, order: np.ndarray
) -> list[Match]:
    """A match from every exact copy to the leader of its group, in order of preference."""
    copies = order[(heads[order] >= 0) & (heads[order] != order)]
    pairs = zip(copies.tolist(), heads[copies].tolist(), strict=True)
    ids = [fp.doc_id for fp in fingerprints]
    return [
        Match(min(ids[head], ids[doc]), max(ids[head], ids[doc]), 1.0, 1.0, "exact")
        for doc, head in pairs
    ]


def _stats(result_rows: Sequence, match_stats: MatchStats, skipped: int) -> dict[str, int | float]:
    kinds = Counter(map(attrgetter("kind"), result_rows))
    kept = sum(map(attrgetter("is_representative"), result_rows))
    return {
        "documents": len(result_rows),
        "kept": kept,
        "grouped": len(result_rows) - kept,
        "skipped": skipped,
        "clusters_with_copies": kinds.get("representative", 0),
        "compared": match_stats.compared,
        "candidates": match_stats.candidates,
        "candidates_lsh": match_stats.lsh_candidates,
        "candidates_rewrite": match_stats.rewrite_candidates,
        "candidates_lead": match_stats.lead_candidates,
        "candidates_per_document": round(match_stats.candidates / max(match_stats.compared, 1), 3),
        "verified": match_stats.verified,
        "lsh_bands": match_stats.banding.bands,
        "lsh_rows": match_stats.banding.rows,
        "lsh_recall_at_threshold": round(match_stats.banding.recall_at_threshold, 6),
        "lsh_capped_buckets": match_stats.lsh_capped_buckets,
        "lsh_without_shingles": match_stats.lsh_without_shingles,
        **{f"kind_{kind}": count for kind, count in sorted(kinds.items())},
    }


def dedup_fingerprints(
    fingerprints: Sequence[Fingerprint],
    config: Config,
    skipped: Sequence[Skip] = (),
    furniture: Boilerplate | None = None,
    *,
    threads: int = 1,
    texts: TextSource | None = None,
    engine: Engine | None = None,
) -> DedupResult:
    """Group fingerprinted documents: exact groups, then copies, rewrites and stories.

    ``threads`` share the heaviest matching step (:func:`find_matches`); the result never
    depends on it. ``texts`` gives the documents of story candidates, whose passages
    decide them (:func:`decide_stories`); without it no story is found.
    """
    id_rank = id_ranks([fp.doc_id for fp in fingerprints])
    order = preference(fingerprints, config.choose, id_rank=id_rank)
    heads = exact_heads(fingerprints, order)
    kept = np.flatnonzero(heads == np.arange(len(heads)))
    distinct = [fingerprints[i] for i in kept.tolist()]
    among = Rows(kept, len(fingerprints))
    verified, match_stats = find_matches(
        distinct, config, threads=threads, engine=engine, rows=among
    )
    near = verified.matches
    if texts is not None and (wanted := on_passages(verified, distinct)):
        with texts(wanted) as docs:
            near = decide_on_passages(
                verified,
                distinct,
                docs,
                config,
                furniture,
                everyone=fingerprints,
                engine=engine,
            )
    with gc_paused():
        stories = config.decide.level == "stories"
        clusters, rows = cluster(
            fingerprints, order, near, heads=heads, id_rank=id_rank, components=stories
        )
        matches = tuple(
            sorted(_exact_matches(fingerprints, heads, order) + near, key=attrgetter("a", "b"))
        )
        stats = _stats(rows, match_stats, len(skipped))
    learned = tuple((f.source, f.text, f.documents) for f in furniture.lines) if furniture else ()
    dates = unread(fingerprints)
    stats["dates_unreadable"] = dates.count if dates else 0
    return DedupResult(rows, clusters, matches, stats, tuple(skipped), learned, dates)


def _unique_ids(docs: Iterable[Document]) -> Iterator[Document]:
    seen: set[str] = set()
    for position, doc in enumerate(docs, start=1):
        if doc.id in seen:
            raise InputError(
                f"document {position} has the id {doc.id!r}, already used; ids must be unique"
            )
        seen.add(doc.id)
        yield doc


def dedup(docs: Iterable[Document], config: Config | None = None) -> DedupResult:
    """Find and group the duplicates among ``docs``, in memory.

    Args:
        docs: The documents; ids must be unique.
        config: The configuration; defaults to ``Config()``.

    Returns:
        The clusters, one assignment per document (in input order), and every verified pair.

    Example:
        >>> from newsdedup import Document, dedup
        >>> story = "The central bank raised its main interest rate by half a point on Tuesday."
        >>> docs = [Document("a", story), Document("b", story.upper()), Document("c", "Other.")]
        >>> result = dedup(docs)
        >>> [(row.doc_id, row.cluster_id, row.kind) for row in result.assignments]
        [('a', 'a', 'representative'), ('b', 'a', 'exact'), ('c', 'c', 'unique')]
    """
    from newsdedup.backends.local import fingerprint_stream

    config = config or Config()
    docs = list(_unique_ids(docs))
    config = _settled(config, len(docs))
    furniture = learn_from_documents(docs, config.boilerplate)
    fingerprints = list(fingerprint_stream(docs, config, furniture=furniture))
    by_id = {doc.id: doc for doc in docs}
    result = dedup_fingerprints(
        fingerprints, config, furniture=furniture, texts=lambda _: nullcontext(by_id)
    )
    return with_evidence(result, by_id, fingerprints, config, furniture)


def with_evidence(
    result: DedupResult,
    docs: Mapping[str, Document],
    fingerprints: Sequence[Fingerprint],
    config: Config,
    furniture: Boilerplate,
    *,
    workers: int = 1,
    engine: Engine | None = None,
) -> DedupResult:
    """Attach the shared passages of every copy and rewrite (not exact copies) to the result.

    Args:
        result: The grouping.
        docs: At least every document named in a non-exact match, by id.
        fingerprints: Every document's fingerprint, for how rare a passage is.
        config: The run's configuration (the shingle settings).
        furniture: The furniture that was set aside, so passages are found in the text
            that was compared.
        workers: Processes to align in (see :mod:`newsdedup.stages.evidence`); never changes
            the result.
        engine: Where to align instead (its mapper and threads); ``workers`` then unused.
    """
    from newsdedup.stages.evidence import passages

    site = {fp.doc_id: fp.site for fp in fingerprints}
    # Stories were aligned to be decided (decide_stories): the same passages, kept.
    todo = [m.kind != "exact" and not m.passages for m in result.matches]
    pairs = [(m.a, m.b) for m in compress(result.matches, todo)]
    texts = _Texts(docs, site)  # read as the alignment asks for them
    engine = engine or LocalEngine(workers)
    run, cfg, threads = engine.mapper(), config.shingle, engine.threads
    rarity = _counted(engine, fingerprints)
    found = iter(
        passages(
            pairs, texts, fingerprints, cfg, furniture, run=run, threads=threads, rarity=rarity
        )
    )
    matches = tuple(
        replace(m, passages=next(found)) if wanted else m
        for m, wanted in zip(result.matches, todo, strict=True)
    )
    return replace(result, matches=matches)


class _Texts(Mapping[str, tuple[str, str | None]]):
    """Each document's text and site (what the alignment needs), taken when asked for."""

    def __init__(self, docs: Mapping[str, Document], site: Mapping[str, str | None]) -> None:
        self._docs, self._site = docs, site

    def __getitem__(self, doc_id: str) -> tuple[str, str | None]:
        return self._docs[doc_id].text, self._site[doc_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)


@dataclass(frozen=True, slots=True)
class RunReport:
    """What ``run()`` did: the result, where it wrote, and how long each stage took."""

    result: DedupResult
    out: Path
    files: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 3)


def _survey(
    inputs: Sequence[str | Path], config: Config, engine: Engine, cut: list[Block] | None = None
) -> tuple[Boilerplate, int]:
    """First pass over the inputs: learn each source's furniture and count the documents.

    Texts are not kept: workers key every line, this process counts the keys (each exact
    text once). The learned lines are named later, when the fingerprint pass meets them
    (:func:`newsdedup.stages.boilerplate.named`). The count settles how many character n-grams
    rewrites hold (:func:`newsdedup.stages.rewrite.auto_sample`); the pass is skipped when
    neither is needed. Plain JSONL inputs are cut into blocks, kept in ``cut`` for the
    fingerprint pass.
    """
    from newsdedup.io.read import read
    from newsdedup.kernels.counting import count

    needs_count = config.rewrite.enabled and not config.rewrite.sample
    if not config.boilerplate.enabled and not needs_count:
        return Boilerplate(patterns=False), 0
    docs = (item for item in read(inputs, config.read) if isinstance(item, Document))
    if not config.boilerplate.enabled:
        return Boilerplate(patterns=False), sum(1 for _ in docs)
    source = _blocks(inputs, config, keep=False, cut=cut) if engine.reads_blocks else None
    documents = 0
    texts: set[int] = set()

    def distinct_lines() -> Iterator[np.ndarray]:
        nonlocal documents
        for part in engine.survey(source or docs, config):
            documents += len(part.texts)
            fresh = np.zeros(len(part.texts), dtype=bool)
            for i, text in enumerate(part.texts):
                if text is not None and text not in texts:
                    texts.add(text)
                    fresh[i] = True
            # Documents without a text key have no lines: most chunks are kept whole.
            if fresh.sum() == len(part.texts) - part.texts.count(None):
                yield part.lines
            else:
                yield part.lines[np.repeat(fresh, np.diff(part.bounds))]

    counted = count(distinct_lines(), at_least=config.boilerplate.min_docs)
    counts = dict(zip(counted.keys.tolist(), counted.counts.tolist(), strict=True))
    return learned(counts, config.boilerplate), documents


def _blocks(
    inputs: Sequence[str | Path], config: Config, keep: bool, cut: list[Block] | None = None
) -> BlockInput | None:
    """Plain JSONL inputs, for the workers to read (see :mod:`newsdedup.io.read_blocks`).

    ``cut`` is where the blocks are kept, shared by the passes over the same inputs.
    """
    from newsdedup.backends.blocks import BlockInput
    from newsdedup.io.read_blocks import Settle, readable

    if not readable(inputs, config.read):
        return None
    return BlockInput(inputs, Settle(config.read, keep), cut=[] if cut is None else cut)


def _settled(config: Config, documents: int) -> Config:
    """``config`` with the choices that depend on the corpus size made."""
    return replace(config, rewrite=settled(config.rewrite, documents))


def _documents(
    items: Iterable[Document | Skip], origins: dict[str, Origin], skipped: list[Skip]
) -> Iterator[Document]:
    """The documents of ``items``; skips and origins are set aside on the way."""
    for item in items:
        if isinstance(item, Skip):
            skipped.append(item)
            continue
        if item.origin is not None:
            origins[item.id] = item.origin
        yield item


def _fingerprint_inputs(
    inputs: Sequence[str | Path],
    config: Config,
    furniture: Boilerplate,
    progress: ProgressHook | None,
    engine: Engine,
    seen: dict[int, tuple[str, str]] | None = None,
    cut: list[Block] | None = None,
) -> tuple[list[Fingerprint], dict[str, Origin], list[Skip], Spans | None]:
    from newsdedup.io.read import read

    fingerprints: list[Fingerprint] = []
    origins: dict[str, Origin] = {}
    skipped: list[Skip] = []
    source = _blocks(inputs, config, keep=True, cut=cut) if engine.reads_blocks else None
    if source is not None:
        origins, skipped = source.settle.origins, source.settle.skipped
    docs = source or _documents(read(inputs, config.read), origins, skipped)
    stream = engine.fingerprints(docs, config, furniture=furniture, seen=seen)
    for fp in stream:
        fingerprints.append(fp)
        if progress and len(fingerprints) % _REPORT_EVERY == 0:
            progress("read", len(fingerprints))
    if progress:
        progress("read", len(fingerprints))
    return fingerprints, origins, skipped, source.settle.spans if source else None


@contextmanager
def _matched_documents(
    inputs: Sequence[str | Path],
    result: DedupResult,
    config: Config,
    spans: Spans | None = None,
    origins: dict[str, Origin] | None = None,
) -> Iterator[Mapping[str, Document]]:
    """Re-read the inputs for the documents of non-exact matches only (not every text).

    With the byte range of every document (``spans``, plain JSONL inputs), only those
    documents' lines are read and parsed, each when the alignment first asks for it
    (:class:`newsdedup.io.read_blocks.DocumentsAt`): workers align while the rest is read.
    """
    wanted = {doc_id for m in result.matches if m.kind != "exact" for doc_id in (m.a, m.b)}
    with _documents_named(inputs, wanted, config, spans, origins) as docs:
        yield docs


@contextmanager
def _documents_named(
    inputs: Sequence[str | Path],
    wanted: set[str],
    config: Config,
    spans: Spans | None = None,
    origins: dict[str, Origin] | None = None,
) -> Iterator[Mapping[str, Document]]:
    """The documents with the ``wanted`` ids, re-read from the inputs.

    How, and how fast, is said in :func:`_matched_documents`.
    """
    from newsdedup.io.read import read
    from newsdedup.io.read_blocks import DocumentsAt

    if not wanted:
        yield {}
    elif spans is not None and origins is not None:
        docs = DocumentsAt(spans, origins, wanted, config.read)
        try:
            yield docs
        finally:
            docs.close()
    else:
        yield {
            item.id: item
            for item in read(inputs, config.read)
            if isinstance(item, Document) and item.id in wanted
        }


def check_date_field(
    fingerprints: Sequence[Fingerprint], inputs: Sequence[str | Path], config: Config
) -> None:
    """Raise if ``read.date_field`` was named (not the default) and no document has it.

    A corpus without the default field is simply undated; a field named on purpose that
    no record holds is a misspelling, which would otherwise leave every document undated
    without a word (issue 14). The records' fields are read again only to say so.
    """
    name = config.read.date_field
    if name == ReadConfig().date_field or not fingerprints:
        return
    if any(fp.published for fp in fingerprints):
        return
    found = _fields_found(inputs, config)
    close = get_close_matches(name.lower(), list(found), n=1)
    fix = (
        f"Use --date-field {found[close[0]]}"
        if close
        else "Name the dates' field with --date-field"
    )
    raise InputError(
        f"no record has a value in the date field {name!r} (read.date_field); fields "
        f"found: {', '.join(found.values()) or 'none'}. {fix}, or leave it out for an undated "
        "corpus."
    )


def _fields_found(inputs: Sequence[str | Path], config: Config) -> dict[str, str]:
    """The fields of the first document of ``inputs``, by their lower-case names."""
    from newsdedup.io.read import read

    cfg = config.read
    for item in read(inputs, cfg):
        if isinstance(item, Document):
            named = {cfg.title_field: item.title, cfg.source_field: item.source}
            named[cfg.url_field] = item.url
            present = [key for key, value in named.items() if value is not None]
            return {f.lower(): f for f in (cfg.id_field, cfg.text_field, *present, *item.meta)}
    return {}


def check_accounting(result: DedupResult) -> None:
    """Raise if any document is neither kept nor grouped under a kept document."""
    rows = result.assignments
    kept = set(
        compress(map(attrgetter("doc_id"), rows), map(attrgetter("is_representative"), rows))
    )
    orphans = []
    if not kept.issuperset(map(attrgetter("cluster_id"), rows)):
        orphans = [row.doc_id for row in rows if row.cluster_id not in kept]
    if orphans or result.stats["kept"] + result.stats["grouped"] != len(rows):
        raise NewsDedupError(
            f"internal error: documents not accounted for: {orphans[:5]}; please report it"
        )


def run(
    inputs: Sequence[str | Path],
    out: str | Path,
    config: Config | None = None,
    *,
    progress: ProgressHook | None = None,
    workers: int = 1,
    engine: Engine | None = None,
) -> RunReport:
    """Read ``inputs``, group their duplicates and write the results to the folder ``out``.

    The folder gets a clusters table, a pairs table, a skipped table, the cleaned corpus
    (one representative per cluster, in each input's own format) under ``cleaned/``,
    ``manifest.json`` and ``timings.json``. It is written to a temporary folder first
    and moved into place at the end, so an interrupted run leaves no partial result (the
    cleaned corpus is copied while passages are aligned, into a staging folder beside
    ``out`` that is moved in or removed). ``workers`` processes fingerprint the documents,
    or ``engine`` runs the work (for example :class:`newsdedup.backends.spark.SparkEngine`);
    neither changes the result.
    """
    from newsdedup.io.inputs import shown, staged

    config = config or Config()
    given = [str(name) for name in inputs]
    engine = engine or LocalEngine(workers)
    with staged(given, config.read.format) as local:
        try:
            return _run(local, given, Path(out), config, progress, engine)
        except InputError as exc:
            if local == given:
                raise
            message, file = shown(str(exc)), shown(exc.file)  # not the staging folder's paths
            raise InputError(message, file=file, line=exc.line) from None
        finally:
            engine.release()  # what it held of the fingerprints, if the run stopped early


def _run(
    inputs: Sequence[str],
    given: Sequence[str],
    out: Path,
    config: Config,
    progress: ProgressHook | None,
    engine: Engine,
) -> RunReport:
    """:func:`run` on local inputs (``given``: the inputs as named by the caller)."""
    from newsdedup.io.write import cleaned_early, write_outputs

    timings: dict[str, float] = {}
    cut: list[Block] = []  # the survey cuts plain JSONL inputs into blocks, once for both passes
    with _timed(timings, "learn_boilerplate"):
        furniture, documents = _survey(inputs, config, engine, cut)
    config = _settled(config, documents)
    with _timed(timings, "read_and_fingerprint"):
        seen: dict[int, tuple[str, str]] = {}
        fingerprints, origins, skipped, spans = _fingerprint_inputs(
            inputs, config, furniture, progress, engine, seen, cut
        )
        furniture = named(furniture, seen)
        check_date_field(fingerprints, inputs, config)
    with _frozen():
        with _timed(timings, "match_and_cluster"):
            result = dedup_fingerprints(
                fingerprints,
                config,
                skipped,
                furniture,
                threads=engine.threads,
                texts=lambda wanted: _documents_named(inputs, wanted, config, spans, origins),
                engine=engine,
            )
            check_accounting(result)
            if result.unread_dates is not None:  # where the example was read, for the summary
                where = origins.get(result.unread_dates.doc_id)
                result = replace(result, unread_dates=replace(result.unread_dates, origin=where))
        with cleaned_early(result, inputs, origins, out, config) as cleaned:
            with (
                _timed(timings, "align_passages"),
                _matched_documents(inputs, result, config, spans, origins) as docs,
            ):
                result = with_evidence(result, docs, fingerprints, config, furniture, engine=engine)
            engine.release()  # the fingerprints it held for the global steps
            with _timed(timings, "write"):
                files = write_outputs(
                    result,
                    inputs,
                    origins,
                    out,
                    config,
                    timings=timings,
                    cleaned=cleaned,
                    given=given,
                )
    return RunReport(result, out, tuple(files), timings)


@contextmanager
def _frozen() -> Iterator[None]:
    """Keep the objects made so far (the fingerprints) out of the collector's full sweeps.

    They live to the end of the run and hold no cycles; without this every full
    collection of the later stages walks a million of them (``gc.freeze``).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
