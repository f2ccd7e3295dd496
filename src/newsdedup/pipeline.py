"""The pipeline: ``dedup()`` in memory and ``run()`` from files to files.

Stage calls and nothing more; each stage lives in the module named after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newsdedup.choose import preference
from newsdedup.clean import digest, normalize
from newsdedup.cluster import cluster, exact_leaders
from newsdedup.config import Config
from newsdedup.data import DedupResult, Document, Fingerprint, Match, Origin, Skip
from newsdedup.errors import InputError, NewsDedupError
from newsdedup.fingerprint import signatures
from newsdedup.lsh import Banding, candidate_pairs, choose_banding
from newsdedup.shingle import shingles
from newsdedup.verify import verify

ProgressHook = Callable[[str, int], None]
"""Called as ``hook(stage, done)`` while a stage advances; ``done`` counts its items."""

_EMPTY = np.zeros(0, dtype=np.uint32)
_REPORT_EVERY = 2000


def fingerprint(doc: Document, config: Config) -> Fingerprint:
    """Normalise and shingle one document; its text is not kept."""
    norm = normalize(doc.text)
    if not norm:
        return Fingerprint(doc.id, "", _EMPTY, 0, doc.published, doc.source)
    return Fingerprint(
        doc.id, digest(norm), shingles(norm, config.shingle), len(norm), doc.published, doc.source
    )


@dataclass(frozen=True, slots=True)
class MatchStats:
    """What candidate generation and verification did."""

    banding: Banding
    compared: int
    candidates: int
    verified: int


def find_matches(
    fingerprints: Sequence[Fingerprint], config: Config
) -> tuple[list[Match], MatchStats]:
    """Verified near and contained matches among ``fingerprints`` (distinct, non-empty texts).

    Gathers all signatures, because LSH buckets need every document of a band at once.
    """
    banding = choose_banding(config.lsh, config.minhash.num_perm)
    if all(fp.signature is not None for fp in fingerprints) and fingerprints:
        sigs = np.stack([fp.signature for fp in fingerprints])
    else:
        sigs = signatures([fp.shingles for fp in fingerprints], config.minhash)
    pairs = candidate_pairs(sigs, banding)
    matches = verify(pairs, fingerprints, config.verify)
    return matches, MatchStats(banding, len(fingerprints), len(pairs), len(matches))


def _exact_matches(leaders: dict[str, str]) -> list[Match]:
    return [
        Match(min(head, doc_id), max(head, doc_id), 1.0, 1.0, "exact")
        for doc_id, head in leaders.items()
        if head != doc_id
    ]


def _stats(result_rows: Sequence, match_stats: MatchStats, skipped: int) -> dict[str, int | float]:
    kinds: dict[str, int] = {}
    for row in result_rows:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    kept = sum(row.is_representative for row in result_rows)
    return {
        "documents": len(result_rows),
        "kept": kept,
        "grouped": len(result_rows) - kept,
        "skipped": skipped,
        "clusters_with_copies": kinds.get("representative", 0),
        "compared": match_stats.compared,
        "candidates": match_stats.candidates,
        "verified": match_stats.verified,
        "lsh_bands": match_stats.banding.bands,
        "lsh_rows": match_stats.banding.rows,
        "lsh_recall_at_threshold": round(match_stats.banding.recall_at_threshold, 6),
        **{f"kind_{kind}": count for kind, count in sorted(kinds.items())},
    }


def dedup_fingerprints(
    fingerprints: Sequence[Fingerprint], config: Config, skipped: Sequence[Skip] = ()
) -> DedupResult:
    """Group fingerprinted documents: exact groups, then near and contained copies."""
    order = preference(fingerprints, config.choose)
    leaders = exact_leaders(fingerprints, order)
    heads = [fp for fp in fingerprints if leaders.get(fp.doc_id) == fp.doc_id]
    near, match_stats = find_matches(heads, config)
    clusters, rows = cluster(fingerprints, order, near)
    matches = tuple(sorted(_exact_matches(leaders) + near, key=lambda m: (m.a, m.b)))
    stats = _stats(rows, match_stats, len(skipped))
    return DedupResult(rows, clusters, matches, stats, tuple(skipped))


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
    return dedup_fingerprints(list(fingerprint_stream(_unique_ids(docs), config)), config)


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
    inputs: Sequence[str | Path], config: Config, progress: ProgressHook | None, workers: int
) -> tuple[list[Fingerprint], dict[str, Origin], list[Skip]]:
    from newsdedup.backends.local import fingerprint_stream
    from newsdedup.read import read

    fingerprints: list[Fingerprint] = []
    origins: dict[str, Origin] = {}
    skipped: list[Skip] = []
    docs = _documents(read(inputs, config.read), origins, skipped)
    for fp in fingerprint_stream(docs, config, workers=workers, spill=True):
        fingerprints.append(fp)
        if progress and len(fingerprints) % _REPORT_EVERY == 0:
            progress("read", len(fingerprints))
    if progress:
        progress("read", len(fingerprints))
    return fingerprints, origins, skipped


def check_accounting(result: DedupResult) -> None:
    """Raise if any document is neither kept nor grouped under a kept document."""
    kept = {row.doc_id for row in result.assignments if row.is_representative}
    orphans = [row.doc_id for row in result.assignments if row.cluster_id not in kept]
    if orphans or result.stats["kept"] + result.stats["grouped"] != len(result.assignments):
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
) -> RunReport:
    """Read ``inputs``, group their duplicates and write the results to the folder ``out``.

    The folder gets a clusters table, a pairs table, a skipped table, the cleaned corpus
    (one representative per cluster, in each input's own format) under ``cleaned/``,
    ``manifest.json`` and ``timings.json``. It is written to a temporary folder first
    and moved into place at the end, so an interrupted run leaves no partial result.
    ``workers`` processes fingerprint the documents; it never changes the result.
    """
    from newsdedup.write import write_outputs

    config = config or Config()
    timings: dict[str, float] = {}
    with _timed(timings, "read_and_fingerprint"):
        fingerprints, origins, skipped = _fingerprint_inputs(inputs, config, progress, workers)
    with _timed(timings, "match_and_cluster"):
        result = dedup_fingerprints(fingerprints, config, skipped)
        check_accounting(result)
    with _timed(timings, "write"):
        files = write_outputs(result, inputs, origins, Path(out), config)
    return RunReport(result, Path(out), tuple(files), timings)
