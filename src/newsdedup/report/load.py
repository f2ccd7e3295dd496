"""Read a run folder for the report: manifest, tables, and the texts of the clusters shown.

The run folder holds no article text, so the inputs listed in ``manifest.json`` are
re-read with the run's own read config. One streaming pass over them gathers the counts
by source and by day for every document, and the full records of the members of the
clusters the report shows; nothing else is kept in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsdedup import dates
from newsdedup.config import Config
from newsdedup.data import Document
from newsdedup.errors import NewsDedupError
from newsdedup.io import rundir
from newsdedup.report.spans import Passage, parse_passages

MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class Member:
    """One row of the clusters table, for a document in a cluster of two or more."""

    doc_id: str
    cluster_id: str
    is_representative: bool
    jaccard: float
    containment: float
    kind: str
    matched_to: str = ""


@dataclass(frozen=True, slots=True)
class Pair:
    """One row of the pairs table; ``passages`` is ``None`` when the table has none."""

    doc_a: str
    doc_b: str
    jaccard: float
    containment: float
    kind: str
    passages: tuple[Passage, ...] | None


@dataclass(frozen=True, slots=True)
class Corpus:
    """What one pass over the inputs found: counts for all, records for the chosen few.

    Attributes:
        docs: Full records of the documents asked for, by id.
        by_source: ``source -> (documents, grouped)``; ``""`` for documents without one.
        by_day: ``YYYY-MM-DD -> (documents, grouped)`` for documents with a date.
        problem: Why the inputs could not be read, or ``""``.
    """

    docs: Mapping[str, Document] = field(default_factory=dict)
    by_source: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    by_day: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    problem: str = ""


@dataclass(frozen=True, slots=True)
class RunData:
    """Everything the report shows, read from the run folder and its inputs.

    Attributes:
        run_dir: The run folder.
        manifest: ``manifest.json`` as read.
        config: The run's config.
        kinds: Documents per match kind (``unique``, ``representative``, ``exact``, ...).
        sizes: Clusters per size, for clusters of two or more.
        clusters: The clusters shown, largest first: members, representative first.
        with_text: How many of the leading ``clusters`` carry their texts on the page.
        cluster_total: Clusters of two or more in the run.
        sizes_of: Number of members of each cluster shown (some may not be shown).
        pairs: The pairs table rows among the members shown, by ``(doc_a, doc_b)``.
        pair_scores: ``(jaccard, containment, kind)`` of every pair in the run.
        corpus: Counts and records from the inputs.
        boilerplate: Rows of ``boilerplate.csv`` (``text``, ``count``, ``source``), if any.
        skipped: The first rows of the skipped table.
        skipped_total: Rows of the skipped table.
    """

    run_dir: Path
    manifest: Mapping[str, Any]
    config: Config
    kinds: Mapping[str, int]
    sizes: Mapping[int, int]
    clusters: tuple[tuple[Member, ...], ...]
    with_text: int
    cluster_total: int
    sizes_of: Mapping[str, int]
    pairs: Mapping[tuple[str, str], Pair]
    pair_scores: tuple[tuple[float, float, str], ...]
    corpus: Corpus
    boilerplate: tuple[Mapping[str, Any], ...]
    skipped: tuple[Mapping[str, Any], ...]
    skipped_total: int


# ---------------------------------------------------------------- tables


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _member(row: Mapping[str, Any]) -> Member:
    return Member(
        doc_id=str(row["doc_id"]),
        cluster_id=str(row["cluster_id"]),
        is_representative=_flag(row.get("is_representative")),
        jaccard=_number(row.get("jaccard")),
        containment=_number(row.get("containment")),
        kind=str(row.get("match_kind") or ""),
        matched_to=str(row.get("matched_to") or row["cluster_id"]),
    )


def _pair(row: Mapping[str, Any]) -> Pair:
    return Pair(
        doc_a=str(row["doc_a"]),
        doc_b=str(row["doc_b"]),
        jaccard=_number(row.get("jaccard")),
        containment=_number(row.get("containment")),
        kind=str(row.get("match_kind") or ""),
        passages=parse_passages(row.get("passages")),
    )


# ---------------------------------------------------------------- the run folder


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """Read ``manifest.json``; the error says what a run folder is when it is missing."""
    return rundir.read_manifest(rundir.check_run_dir(run_dir))


def _groups(path: Path) -> tuple[Counter[str], dict[str, list[Member]]]:
    """Match kinds of all documents, and the members of every cluster of two or more."""
    kinds: Counter[str] = Counter()
    groups: dict[str, list[Member]] = {}
    for row in rundir.table_rows(path):
        member = _member(row)
        kinds[member.kind] += 1
        if int(_number(row.get("cluster_size"))) > 1:
            groups.setdefault(member.cluster_id, []).append(member)
    return kinds, groups


def _ordered(members: list[Member], limit: int) -> tuple[Member, ...]:
    """Representative first, then the most similar to it; at most ``limit`` members."""
    ranked = sorted(members, key=lambda m: (not m.is_representative, -m.jaccard, m.doc_id))
    return tuple(ranked[:limit])


def _pairs(path: Path | None, wanted: set[str]) -> tuple[dict, tuple]:
    pairs: dict[tuple[str, str], Pair] = {}
    scores = []
    for row in rundir.table_rows(path) if path else ():
        pair = _pair(row)
        scores.append((pair.jaccard, pair.containment, pair.kind))
        if pair.doc_a in wanted and pair.doc_b in wanted:
            pairs[(pair.doc_a, pair.doc_b)] = pair
    return pairs, tuple(scores)


# ---------------------------------------------------------------- the inputs


def read_corpus(paths: list[Path], config: Config, wanted: set[str], grouped: set[str]) -> Corpus:
    """One pass over the inputs: counts by source and day, and the records in ``wanted``.

    Raises:
        NewsDedupError: An input cannot be read (the caller notes it on the page).
    """
    from newsdedup.io.read import read

    docs: dict[str, Document] = {}
    by_source: dict[str, list[int]] = {}
    by_day: dict[str, list[int]] = {}
    for item in read(paths, config.read):
        if not isinstance(item, Document):
            continue
        is_grouped = int(item.id in grouped)
        counts = by_source.setdefault(item.source or "", [0, 0])
        counts[0], counts[1] = counts[0] + 1, counts[1] + is_grouped
        day = dates.day(item.published)
        if day:
            counts = by_day.setdefault(day, [0, 0])
            counts[0], counts[1] = counts[0] + 1, counts[1] + is_grouped
        if item.id in wanted:
            docs[item.id] = item
    return Corpus(
        docs,
        {k: (v[0], v[1]) for k, v in by_source.items()},
        {k: (v[0], v[1]) for k, v in by_day.items()},
    )


def _corpus(manifest: Mapping[str, Any], run_dir: Path, config: Config, wanted: set, grouped: set):
    inputs = [str(name) for name in manifest.get("inputs", [])]
    paths = rundir.resolve_inputs(inputs, run_dir)
    if paths is None:
        return Corpus(
            problem=f"the inputs listed in {MANIFEST} ({', '.join(inputs)}) were not found "
            "from the current folder; run `newsdedup report` from the folder you ran "
            "`newsdedup run` in to see texts, headlines, sources and dates"
        )
    changed = rundir.changed_inputs(manifest, paths)
    if changed:
        return Corpus(problem=rundir.edited_message(run_dir, changed))
    try:
        return read_corpus(paths, config, wanted, grouped)
    except NewsDedupError as exc:
        return Corpus(problem=f"the inputs could not be read again: {exc}")


def texts_within(clusters: Sequence[tuple[Member, ...]], docs: Mapping, budget: int) -> int:
    """How many leading clusters have texts that fit in ``budget`` characters (at least one)."""
    used = 0
    for index, members in enumerate(clusters):
        used += sum(len(docs[m.doc_id].text) for m in members if m.doc_id in docs)
        if used > budget and index > 0:
            return index
    return len(clusters)


def load_run(run_dir: Path, *, max_clusters: int, max_members: int, text_budget: int) -> RunData:
    """Read everything the report shows from ``run_dir`` and the inputs it names.

    Args:
        run_dir: A folder written by ``newsdedup run``.
        max_clusters: Show at most this many clusters, the largest first.
        max_members: Show at most this many members of a cluster.
        text_budget: Embed the texts of the largest clusters only, up to about this many
            characters; the other clusters are listed without their texts.

    Raises:
        InputError: ``run_dir`` is not a complete run folder.
    """
    manifest = read_manifest(run_dir)
    config = Config.from_dict(manifest.get("config", {}))
    fmt = config.write.format
    kinds, groups = _groups(rundir.table_path(run_dir, "clusters", fmt))
    order = sorted(groups, key=lambda cid: (-len(groups[cid]), cid))
    chosen = [_ordered(groups[cid], max_members) for cid in order[:max_clusters]]
    wanted = {m.doc_id for members in chosen for m in members}
    grouped = {m.doc_id for members in groups.values() for m in members if not m.is_representative}
    corpus = _corpus(manifest, run_dir, config, wanted, grouped)
    pairs, scores = _pairs(rundir.find_table(run_dir, "pairs", fmt), wanted)
    skipped_path = rundir.find_table(run_dir, "skipped", fmt)
    skipped = list(rundir.table_rows(skipped_path)) if skipped_path else []
    boilerplate = rundir.find_table(run_dir, "boilerplate", fmt)
    return RunData(
        run_dir=run_dir,
        manifest=manifest,
        config=config,
        kinds=dict(kinds),
        sizes=dict(Counter(len(members) for members in groups.values())),
        clusters=tuple(chosen),
        with_text=texts_within(chosen, corpus.docs, text_budget),
        cluster_total=len(groups),
        sizes_of={members[0].cluster_id: len(groups[members[0].cluster_id]) for members in chosen},
        pairs=pairs,
        pair_scores=scores,
        corpus=corpus,
        boilerplate=tuple(rundir.table_rows(boilerplate)) if boilerplate else (),
        skipped=tuple(skipped[:50]),
        skipped_total=len(skipped),
    )
