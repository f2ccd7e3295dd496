"""Tests for the synthetic corpus generator."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.errors import ConfigError
from newsdedup.synthetic import (
    COPY_KINDS,
    SyntheticCorpus,
    SyntheticDoc,
    generate,
    iter_articles,
    write_jsonl,
)


def trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return set(zip(words, words[1:], words[2:], strict=False))


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


@pytest.fixture(scope="module")
def corpus() -> SyntheticCorpus:
    return generate(120, seed=7, copies=1.5, rewrites=True, same_topic=0.5)


@pytest.fixture(scope="module")
def originals(corpus: SyntheticCorpus) -> dict[str, SyntheticDoc]:
    return {d.story: d for d in corpus.docs if d.kind == "original"}


def of_kind(corpus: SyntheticCorpus, kind: str) -> list[SyntheticDoc]:
    return [d for d in corpus.docs if d.kind == kind]


def test_same_seed_same_corpus() -> None:
    assert generate(30, seed=3) == generate(30, seed=3)


def test_different_seed_different_corpus() -> None:
    a, b = generate(30, seed=3), generate(30, seed=4)
    assert {d.doc.text for d in a.docs}.isdisjoint(d.doc.text for d in b.docs)


def test_every_kind_appears(corpus: SyntheticCorpus) -> None:
    kinds = {d.kind for d in corpus.docs}
    assert kinds == {"original", *COPY_KINDS, "rewrite", "same_topic"}


def test_ids_unique(corpus: SyntheticCorpus) -> None:
    ids = [d.doc.id for d in corpus.docs]
    assert len(ids) == len(set(ids))


def test_documents_are_shuffled(corpus: SyntheticCorpus) -> None:
    ids = [d.id for d in corpus.documents()]
    assert ids != sorted(ids)


def test_documents_look_like_news(originals: dict[str, SyntheticDoc]) -> None:
    lengths = sorted(len(d.doc.text) for d in originals.values())
    assert 2_200 <= lengths[len(lengths) // 2] <= 3_400
    for d in originals.values():
        assert 5 <= d.doc.text.count("\n\n") + 1 <= 30
        assert d.doc.title and d.doc.source
        assert d.doc.url and d.doc.url.startswith("https://")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", d.doc.published or "")
    assert any('," said ' in d.doc.text for d in originals.values())


def test_verbatim_keeps_body(corpus: SyntheticCorpus, originals: dict[str, SyntheticDoc]) -> None:
    for d in of_kind(corpus, "verbatim"):
        original = originals[d.story].doc
        assert (d.doc.text, d.doc.title) == (original.text, original.title)
        assert d.doc.source != original.source


def test_truncated_is_paragraph_prefix(
    corpus: SyntheticCorpus, originals: dict[str, SyntheticDoc]
) -> None:
    for d in of_kind(corpus, "truncated"):
        original = originals[d.story].doc.text
        assert original.startswith(d.doc.text + "\n\n")
        assert 0.5 <= len(d.doc.text) / len(original) <= 0.9


def test_reheadlined_has_new_title(
    corpus: SyntheticCorpus, originals: dict[str, SyntheticDoc]
) -> None:
    for d in of_kind(corpus, "reheadlined"):
        original = originals[d.story].doc
        assert d.doc.title != original.title
        assert jaccard(trigrams(d.doc.text), trigrams(original.text)) > 0.8


def test_boilerplate_contains_body(
    corpus: SyntheticCorpus, originals: dict[str, SyntheticDoc]
) -> None:
    by_source = defaultdict(list)
    for d in of_kind(corpus, "boilerplate"):
        original = originals[d.story].doc.text
        assert original in d.doc.text and len(d.doc.text) > len(original)
        by_source[d.doc.source].append(d.doc.text.replace(original, ""))
    # Each outlet's furniture is fixed: the same around every article.
    assert all(len(set(rest)) == 1 for rest in by_source.values())


def test_rewrite_keeps_quotes_changes_text(
    corpus: SyntheticCorpus, originals: dict[str, SyntheticDoc]
) -> None:
    for d in of_kind(corpus, "rewrite"):
        original = originals[d.story].doc.text
        quotes = re.findall(r'"[^"]*," said [^.]*\.', original)
        assert all(q in d.doc.text for q in quotes)
        assert 0.05 < jaccard(trigrams(d.doc.text), trigrams(original)) < 0.7


def test_gold_consistent_with_kinds(corpus: SyntheticCorpus) -> None:
    gold = corpus.gold()
    for d in corpus.docs:
        if d.kind in ("original", "same_topic"):
            assert gold[d.doc.id] == d.doc.id == d.story
        else:
            assert gold[d.doc.id] == d.story != d.doc.id
            assert d.doc.id.startswith(d.story + "-c")


def test_same_topic_not_duplicates(corpus: SyntheticCorpus) -> None:
    shingles = {d.doc.id: trigrams(d.doc.text) for d in corpus.docs}
    for d in of_kind(corpus, "same_topic"):
        others = [o for o in corpus.docs if o.story != d.story]
        assert max(jaccard(shingles[d.doc.id], shingles[o.doc.id]) for o in others) < 0.1


def test_same_topic_shares_names(corpus: SyntheticCorpus) -> None:
    docs = {d.doc.id: d.doc.text for d in corpus.docs}
    names = re.compile(r"said ([A-Z]\w+ [A-Z]\w+),")
    shared = 0
    for d in of_kind(corpus, "same_topic"):
        people = set(names.findall(d.doc.text))
        shared += any(people & set(names.findall(t)) for i, t in docs.items() if i != d.doc.id)
    assert shared > len(of_kind(corpus, "same_topic")) // 2


def test_write_jsonl_round_trip(corpus: SyntheticCorpus, tmp_path: Path) -> None:
    out, gold = tmp_path / "corpus.jsonl", tmp_path / "gold.csv"
    write_jsonl(corpus, out, gold_path=gold)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [d.doc.id for d in corpus.docs]
    keys = {"id", "title", "text", "date", "source", "url", "story", "kind"}
    assert all(set(r) == keys for r in records)
    assert records[0]["text"] == corpus.docs[0].doc.text
    with gold.open(encoding="utf-8", newline="") as f:
        assert {r["id"]: r["cluster"] for r in csv.DictReader(f)} == corpus.gold()


def test_bad_arguments_raise() -> None:
    with pytest.raises(ConfigError, match="copies"):
        generate(5, copies=-1)
    with pytest.raises(ConfigError, match="start"):
        generate(5, start="yesterday")
    with pytest.raises(ConfigError, match="dup_rate"):
        iter_articles(5, dup_rate=2.0)


def test_iter_articles_shape_and_duplicates() -> None:
    articles = list(iter_articles(2000, seed=1, dup_rate=0.1))
    assert len(articles) == 2000
    assert len({a["id"] for a in articles}) == 2000
    assert all(set(a) == {"id", "title", "text", "date", "source"} for a in articles)
    assert 2_000 <= sum(len(a["text"]) for a in articles) / 2000 <= 4_000
    seen: set[str] = set()
    copies = 0
    for a in articles:
        paragraphs = a["text"].split("\n\n")
        if any(p in seen for p in paragraphs):
            copies += 1
        else:
            seen.add(paragraphs[0])
    assert 150 <= copies <= 250


def test_iter_articles_deterministic() -> None:
    assert list(iter_articles(50, seed=2)) == list(iter_articles(50, seed=2))
    assert list(iter_articles(50, seed=2)) != list(iter_articles(50, seed=3))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 6), copies=st.floats(0, 3))
def test_gold_covers_exactly_the_docs(seed: int, n: int, copies: float) -> None:
    corpus = generate(n, seed=seed, copies=copies, rewrites=True)
    ids = [d.id for d in corpus.documents()]
    assert sorted(corpus.gold()) == sorted(ids)
    assert len(ids) == len(set(ids))
    assert set(corpus.gold().values()) <= set(ids)
