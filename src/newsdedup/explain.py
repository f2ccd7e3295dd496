"""Why two documents of a run were (or were not) grouped: their scores and shared passages.

The run folder holds the scores and the aligned passages of every verified pair; the
texts are read again from the run's inputs (as the report does), so the passages can
be shown in place. A pair that was never verified is aligned on the spot, without the
corpus weights (its ``similarity`` is then unknown).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdedup.config import Config
from newsdedup.data import Document, Passage
from newsdedup.errors import InputError
from newsdedup.io.rundir import (
    changed_inputs,
    check_run_dir,
    edited_message,
    read_clusters,
    read_manifest,
    read_table,
    resolve_inputs,
)
from newsdedup.stages.align import ShingleRarity, shared_passages
from newsdedup.stages.clean import normalize


@dataclass(frozen=True, slots=True)
class Explanation:
    """Two documents of a run side by side, with the evidence that links them.

    Attributes:
        a: The first document, as read from the inputs.
        b: The second document.
        kind: The match kind from the pairs table, or ``None`` if the pair was not verified.
        scores: The pair's scores from the pairs table (``jaccard``, ``containment``,
            ``similarity``, ``days``); empty if the pair was not verified.
        passages: The passages the two texts share, offsets into ``a.text`` and ``b.text``.
        cluster_a: The cluster of the first document.
        cluster_b: The cluster of the second document.
    """

    a: Document
    b: Document
    kind: str | None
    scores: dict[str, Any]
    passages: tuple[Passage, ...]
    cluster_a: str
    cluster_b: str

    @property
    def same_cluster(self) -> bool:
        """Whether the run put the two documents in one cluster."""
        return self.cluster_a == self.cluster_b


def _pair_row(run_dir: Path, a: str, b: str) -> dict[str, Any] | None:
    for row in read_table(run_dir, "pairs"):
        if {str(row["doc_a"]), str(row["doc_b"])} == {a, b}:
            return row
    return None


def _passages(row: dict[str, Any], swapped: bool, text: str) -> tuple[Passage, ...]:
    """The pairs table's passages, turned to ``(a, b)`` order, with their word counts."""
    spans = row.get("passages") or "[]"
    values = json.loads(spans) if isinstance(spans, str) else spans
    passages = []
    for a0, a1, b0, b1 in values:
        first, second = ((b0, b1), (a0, a1)) if swapped else ((a0, a1), (b0, b1))
        words = len(normalize(text[first[0] : first[1]]).split())
        passages.append(Passage(*first, *second, words=words))
    return tuple(passages)


def _documents(
    run_dir: Path, manifest: dict[str, Any], config: Config, ids: set[str]
) -> dict[str, Document]:
    from newsdedup.io.read import read

    inputs = [str(name) for name in manifest.get("inputs", [])]
    paths = resolve_inputs(inputs, run_dir)
    if paths is None:
        raise InputError(
            f"the inputs of {run_dir} ({', '.join(inputs)}) were not found; run this "
            "from the folder you ran `newsdedup run` in",
        )
    changed = changed_inputs(manifest, paths)
    if changed:
        raise InputError(edited_message(run_dir, changed))
    return {d.id: d for d in read(paths, config.read) if isinstance(d, Document) and d.id in ids}


def explain(run_dir: str | Path, doc_a: str, doc_b: str) -> Explanation:
    """Explain how the run in ``run_dir`` treated the pair ``(doc_a, doc_b)``.

    Raises:
        InputError: The folder is not a run, its inputs are gone, or an id is not in them.
    """
    folder = check_run_dir(run_dir)
    manifest = read_manifest(folder)
    config = Config.from_dict(manifest.get("config", {}))
    docs = _documents(folder, manifest, config, {doc_a, doc_b})
    for doc_id in (doc_a, doc_b):
        if doc_id not in docs:
            raise InputError(f"no document with the id {doc_id!r} in the inputs of {folder}")
    clusters = read_clusters(folder)
    row = _pair_row(folder, doc_a, doc_b)
    a, b = docs[doc_a], docs[doc_b]
    if row is not None and row.get("match_kind") != "exact":
        passages = _passages(row, str(row["doc_a"]) != doc_a, a.text)
    else:
        empty = ShingleRarity.empty()
        passages = shared_passages(a.text, b.text, empty, config.shingle)
    scores = (
        {}
        if row is None
        else {k: row.get(k) for k in ("jaccard", "containment", "similarity", "days")}
    )
    return Explanation(
        a,
        b,
        None if row is None else str(row["match_kind"]),
        scores,
        passages,
        clusters.get(doc_a, doc_a),
        clusters.get(doc_b, doc_b),
    )
