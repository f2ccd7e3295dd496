"""Adding a corpus batch by batch gives a batch run's answers, apart from documented cases.

The cases (README, "Incremental index"): a rewrite or story is decided with the n-gram
frequencies of the index when the later of its two documents is added, so at those levels
a small, young index can decide a pair that a run over everything decides otherwise. The
copies do not depend on them: at the copy level every split into batches, in any order,
gives the batch run's clusters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdedup import Config, Document, Index, dedup
from newsdedup.data import Assignment
from newsdedup.io.read import read
from newsdedup.synthetic import generate

CORPUS = generate(120, seed=3, rewrites=True).documents()


def _placed(rows: Sequence[Assignment]) -> dict[str, tuple]:
    """What must agree: where each document went, its kind and what it was verified against."""
    return {
        r.doc_id: (
            r.cluster_id,
            r.is_representative,
            r.cluster_size,
            r.kind,
            r.matched_to,
            r.jaccard,
            r.containment,
        )
        for r in rows
    }


def _by_day(docs: Sequence[Document]) -> list[list[Document]]:
    days: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        days[(doc.published or "")[:10]].append(doc)
    return [days[day] for day in sorted(days)]


def _indexed(path: Path, batches: Sequence[Sequence[Document]], config: Config, docs) -> Index:
    index = Index.create(path, config, documents=len(docs), furniture_from=docs)
    for batch in batches:
        index.add(batch)
    return index


@pytest.mark.parametrize("level", ["copies", "rewrites"])
def test_day_by_day_gives_the_batch_runs_clusters(tmp_path: Path, level: str) -> None:
    config = Config().replace({"decide": {"level": level}})
    with _indexed(tmp_path / "i.ndx", _by_day(CORPUS), config, CORPUS) as index:
        assert _placed(index.assignments()) == _placed(dedup(CORPUS, config).assignments)


def test_stories_day_by_day_differ_only_by_rewrites_and_stories(tmp_path: Path) -> None:
    """The documented exception: stories and rewrites decided with the frequencies of the time."""
    config = Config()
    batch = dedup(CORPUS, config)
    with _indexed(tmp_path / "i.ndx", _by_day(CORPUS), config, CORPUS) as index:
        rows = _placed(index.assignments())
        copies = {(m.a, m.b) for m in index.matches() if m.level == "copy"}
    assert copies == {(m.a, m.b) for m in batch.matches if m.kind in ("near", "contained")}
    differ = [
        r.doc_id for r in batch.assignments if rows[r.doc_id][:4] != _placed([r])[r.doc_id][:4]
    ]
    # From an empty index a day at a time, the hardest case: 18 of 283 here (a young index
    # holds few documents, so shared wording looks rarer to it). Seeded with most of the
    # corpus first, the differences all but vanish (benchmarks/index_days.py --first 0.8).
    assert len(differ) <= 0.1 * len(CORPUS)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(0, 3), min_size=len(CORPUS[:60]), max_size=len(CORPUS[:60])))
def test_copies_do_not_depend_on_how_the_corpus_is_cut_into_batches(tmp_path_factory, cut) -> None:
    """Any split, in any order (late arrivals included), gives the batch run's copy groups."""
    docs = CORPUS[:60]
    config = Config().replace({"decide": {"level": "copies"}})
    batches = [[d for d, b in zip(docs, cut, strict=True) if b == k] for k in (2, 0, 3, 1)]
    path = tmp_path_factory.mktemp("cut") / "i.ndx"
    with _indexed(path, [b for b in batches if b], config, docs) as index:
        assert _placed(index.assignments()) == _placed(dedup(docs, config).assignments)


def test_every_document_of_every_batch_is_accounted_for(tmp_path: Path) -> None:
    with Index.create(tmp_path / "i.ndx") as index:
        for batch in _by_day(CORPUS):
            added = index.add(batch)
            rows = added.result.assignments
            assert [r.doc_id for r in rows] == [d.id for d in batch]
            assert added.result.stats["kept"] + added.result.stats["grouped"] == len(batch)
        stored = index.assignments()
    kept = {r.doc_id for r in stored if r.is_representative}
    assert sorted(r.doc_id for r in stored) == sorted(d.id for d in CORPUS)
    assert {r.cluster_id for r in stored} <= kept


def _reuters(shared_data: Path) -> list[Document]:
    docs = read([shared_data / "reuters-21578" / "docs.jsonl"], Config().read)
    return [d for d in docs if isinstance(d, Document)]


def test_reuters_day_by_day_gives_the_batch_runs_copies(shared_data: Path, tmp_path: Path) -> None:
    """Reuters-21578, added a day at a time (59 adds), groups its copies as one run does."""
    docs = _reuters(shared_data)
    config = Config().replace({"decide": {"level": "copies"}})
    with _indexed(tmp_path / "r.ndx", _by_day(docs), config, docs) as index:
        assert _placed(index.assignments()) == _placed(dedup(docs, config).assignments)
