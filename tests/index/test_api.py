"""``newsdedup.Index``: add, query, stats, compact, and what each promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newsdedup import Config, Document, Index, dedup
from newsdedup.errors import InputError
from newsdedup.synthetic import generate

STORY = (
    "The central bank raised its main interest rate by half a point on Tuesday, the largest "
    "rise in two decades, saying that prices were climbing faster than it had expected and "
    "that it stood ready to act again if inflation did not slow by the summer."
)
OTHER = (
    "Heavy rain closed schools across the north of the country on Monday as rivers burst "
    "their banks and emergency crews moved hundreds of families from low-lying villages."
)


def test_each_add_groups_the_batch_against_the_index_and_itself(tmp_path: Path) -> None:
    with Index.create(tmp_path / "i.ndx") as index:
        first = index.add([Document("a", STORY, published="2024-03-05"), Document("c", OTHER)])
        second = index.add(
            [
                Document("b", STORY.upper(), published="2024-03-06"),
                Document("d", STORY + " Markets fell.", published="2024-03-06"),
            ]
        )
    assert [(r.doc_id, r.kind) for r in first.result.assignments] == [
        ("a", "unique"),
        ("c", "unique"),
    ]
    assert [(r.doc_id, r.cluster_id, r.kind) for r in second.result.assignments] == [
        ("b", "a", "exact"),
        ("d", "a", "near"),
    ]
    assert {(m.a, m.b, m.kind) for m in second.result.matches} == {
        ("a", "b", "exact"),
        ("a", "d", "near"),
    }
    assert second.batch == 2
    assert second.result.stats["documents"] == 2
    assert second.result.stats["kept"] + second.result.stats["grouped"] == 2


def test_an_earlier_article_that_arrives_late_becomes_the_representative(tmp_path: Path) -> None:
    with Index.create(tmp_path / "i.ndx") as index:
        index.add([Document("late", STORY, published="2024-03-06")])
        added = index.add([Document("early", STORY + " Markets fell.", published="2024-03-04")])
        rows = {r.doc_id: r for r in index.assignments()}
    assert rows["early"].is_representative and rows["late"].cluster_id == "early"
    assert [(r.doc_id, r.cluster_id) for r in added.moved] == [("late", "early")]
    batch = dedup(
        [
            Document("late", STORY, published="2024-03-06"),
            Document("early", STORY + " Markets fell.", published="2024-03-04"),
        ]
    )
    assert {r.doc_id: (r.cluster_id, r.kind) for r in batch.assignments} == {
        doc_id: (r.cluster_id, r.kind) for doc_id, r in rows.items()
    }


def test_an_id_already_stored_or_repeated_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    with Index.create(tmp_path / "i.ndx") as index:
        index.add([Document("a", STORY)])
        with pytest.raises(InputError, match=r"already in the index.*'a'"):
            index.add([Document("n", OTHER), Document("a", OTHER)])
        with pytest.raises(InputError, match="id 'n', already used in this batch"):
            index.add([Document("n", OTHER), Document("n", STORY)])
        assert [r.doc_id for r in index.assignments()] == ["a"]
        assert index.stats().store.batches == 1


def test_query_says_what_a_text_matches_with_evidence_and_stores_nothing(tmp_path: Path) -> None:
    with Index.create(tmp_path / "i.ndx") as index:
        index.add([Document("a", STORY, published="2024-03-05"), Document("c", OTHER)])
        before = index.stats().store
        found = index.query(STORY + " Markets fell.")
        same = index.query(STORY.upper())
        none = index.query("An entirely unrelated note about gardening and the spring tulips.")
        assert index.stats().store.documents == before.documents
    assert [(m.a, m.b, m.kind) for m in found.matches] == [("a", "query", "near")]
    (passage,) = found.matches[0].passages
    assert STORY[passage.a_start : passage.a_end] in STORY + " Markets fell."
    assert passage.words >= 30
    assert found.cluster == "a"
    assert [(m.a, m.b, m.kind) for m in same.matches] == [("a", "query", "exact")]
    assert none.matches == () and none.cluster is None


def test_stats_and_compact(tmp_path: Path) -> None:
    corpus = generate(20, seed=1).documents()
    with Index.create(tmp_path / "i.ndx") as index:
        index.add(corpus)
        stats = index.stats()
        index.compact()
        after = index.stats()
        assert index.add([Document("new", OTHER)]).batch == 2
    assert stats.store.documents == len(corpus)
    assert stats.store.distinct <= len(corpus)
    assert stats.store.clusters == len({r.cluster_id for r in dedup(corpus).assignments})
    assert stats.schema == 1 and stats.level == "stories" and stats.sample == 1
    assert stats.store.bytes > stats.store.text_bytes > 0
    assert after.store.documents == stats.store.documents
    assert after.store.bytes <= stats.store.bytes


def test_the_config_is_frozen_in_the_index(tmp_path: Path) -> None:
    config = Config().replace({"decide": {"level": "copies"}, "verify": {"threshold": 0.7}})
    Index.create(tmp_path / "i.ndx", config).close()
    with Index.open(tmp_path / "i.ndx") as index:
        assert index.config.decide.level == "copies"
        assert index.config.verify.threshold == 0.7
        assert index.stats().level == "copies"


def test_the_same_batches_give_byte_identical_answers(tmp_path: Path) -> None:
    corpus = generate(30, seed=2, rewrites=True).documents()
    runs = []
    for name in ("one", "two"):
        with Index.create(tmp_path / f"{name}.ndx") as index:
            results = [index.add(corpus[:40]).result, index.add(corpus[40:]).result]
            runs.append((results, index.assignments()))
    assert runs[0] == runs[1]


def test_fingerprints_made_again_from_stored_texts_equal_the_first(tmp_path: Path) -> None:
    """Shingles, n-grams and signatures are not stored: the text makes them again, the same."""
    corpus = generate(15, seed=6).documents()
    with Index.create(tmp_path / "i.ndx") as index:
        index.add(corpus)
        again = index.fingerprints(d.id for d in corpus)
        furniture = index._furniture
        config = index.config
    from newsdedup.backends.local import fingerprint_stream

    first = sorted(fingerprint_stream(corpus, config, furniture=furniture), key=lambda f: f.doc_id)
    assert [f.doc_id for f in again] == [f.doc_id for f in first]
    for a, b in zip(again, first, strict=True):
        assert np.array_equal(a.shingles, b.shingles) and np.array_equal(a.grams, b.grams)
        assert np.array_equal(a.signature, b.signature)
        assert (a.digest, a.marks, a.leads, a.site, a.length) == (
            b.digest,
            b.marks,
            b.leads,
            b.site,
            b.length,
        )
