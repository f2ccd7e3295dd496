"""End-to-end behaviour of dedup() and run(): quality on the synthetic corpus, accounting,
determinism, and the real corpora when they are present."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import story_pair
from newsdedup import Config, Document, dedup, run
from newsdedup.errors import InputError
from newsdedup.evaluate import score_clusters
from newsdedup.synthetic import COPY_KINDS, SyntheticCorpus, generate, write_jsonl


@pytest.fixture(scope="module")
def corpus() -> SyntheticCorpus:
    return generate(600, seed=11, copies=1.5)


def _predicted(docs: list[Document], config: Config | None = None) -> dict[str, str]:
    return {row.doc_id: row.cluster_id for row in dedup(docs, config).assignments}


def test_readme_example() -> None:
    docs = [
        Document("a", "The central bank raised its main rate by half a point on Tuesday.", None, "2024-03-05"),
        Document("b", "THE CENTRAL BANK RAISED ITS MAIN RATE BY HALF A POINT ON TUESDAY!", None, "2024-03-06"),
        Document("c", "Heavy rain closed schools across the north of the country."),
    ]  # fmt: skip
    result = dedup(docs, Config())
    rows = [(r.doc_id, r.cluster_id, r.kind) for r in result.assignments]
    assert rows == [("a", "a", "representative"), ("b", "a", "exact"), ("c", "c", "unique")]
    assert result.kept_ids == ("a", "c")


@pytest.mark.parametrize("kind", COPY_KINDS)
def test_every_copy_kind_is_found_with_its_original(corpus: SyntheticCorpus, kind: str) -> None:
    pred = _predicted(corpus.documents())
    original = {d.story: d.doc.id for d in corpus.docs if d.kind == "original"}
    copies = [d for d in corpus.docs if d.kind == kind]
    found = sum(pred[d.doc.id] == pred[original[d.story]] for d in copies)
    assert len(copies) > 50
    assert found / len(copies) >= 0.99


def test_distinct_stories_are_never_merged(corpus: SyntheticCorpus) -> None:
    pred = _predicted(corpus.documents())
    stories: dict[str, set[str]] = defaultdict(set)
    for d in corpus.docs:
        stories[pred[d.doc.id]].add(d.story)
    assert all(len(members) == 1 for members in stories.values())
    scores = score_clusters(pred, corpus.gold())
    assert scores.pair_precision == 1.0 and scores.pair_recall >= 0.99


def test_partition_does_not_depend_on_input_order(corpus: SyntheticCorpus) -> None:
    docs = corpus.documents()
    shuffled = docs[:]
    random.Random(5).shuffle(shuffled)
    assert _predicted(docs) == _predicted(shuffled)


def test_every_document_is_kept_or_grouped_under_a_kept_one(corpus: SyntheticCorpus) -> None:
    result = dedup([*corpus.documents(), Document("blank", "  ")])
    kept = set(result.kept_ids)
    assert len(result.assignments) == len(corpus.docs) + 1
    assert all(row.cluster_id in kept for row in result.assignments)
    assert result.stats["kept"] + result.stats["grouped"] == len(result.assignments)
    blank = result.assignments[-1]
    assert (blank.cluster_id, blank.kind) == ("blank", "empty")


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(InputError, match="'x', already used"):
        dedup([Document("x", "one"), Document("x", "two")])


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "timings.json"
    }


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_run_twice_gives_byte_identical_outputs(tmp_path: Path, fmt: str) -> None:
    small = generate(80, seed=2)
    write_jsonl(small, tmp_path / "in.jsonl")
    config = Config().replace({"write": {"format": fmt}})
    run([tmp_path / "in.jsonl"], tmp_path / "one", config)
    run([tmp_path / "in.jsonl"], tmp_path / "two", config)
    first, second = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert first == second
    assert f"clusters.{fmt}" in first and "cleaned/in.jsonl" in first


def test_run_writes_cleaned_corpus_of_the_kept_records(tmp_path: Path) -> None:
    small = generate(50, seed=4)
    write_jsonl(small, tmp_path / "in.jsonl")
    report = run([tmp_path / "in.jsonl"], tmp_path / "out")
    lines = (tmp_path / "out" / "cleaned" / "in.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == list(report.result.kept_ids)
    source = set((tmp_path / "in.jsonl").read_text().splitlines())
    assert set(lines) <= source  # copied byte for byte
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out"]  # no staging left


def test_run_cuts_its_input_into_blocks_once_for_both_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdedup.backends.blocks as backend
    from newsdedup.io.read_blocks import blocks

    write_jsonl(generate(60, seed=5), tmp_path / "in.jsonl")
    expected = run([tmp_path / "in.jsonl"], tmp_path / "before").result
    cuts: list[int] = []

    def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        cuts.append(1)
        return blocks(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backend, "blocks", counted)
    report = run([tmp_path / "in.jsonl"], tmp_path / "out")
    assert cuts == [1]  # the survey cut the file; the fingerprint pass took its blocks
    assert report.result.assignments == expected.assignments


def test_a_run_failing_after_the_early_copy_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdedup.pipeline as pipeline

    write_jsonl(generate(50, seed=4), tmp_path / "in.jsonl")

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as if interrupted while aligning, the copy under way

    monkeypatch.setattr(pipeline, "with_evidence", broken)
    with pytest.raises(KeyboardInterrupt):
        run([tmp_path / "in.jsonl"], tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir()] == ["in.jsonl"]  # no output, no staging


def test_reuters_every_group_of_identical_texts_is_found(shared_data: Path, tmp_path: Path) -> None:
    docs = []
    with open(shared_data / "reuters-21578" / "docs.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            docs.append(Document(str(row["id"]), row.get("text") or ""))
    result = dedup(docs)
    pred = {row.doc_id: row.cluster_id for row in result.assignments}
    by_text: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        if doc.text.strip():
            by_text[doc.text].append(pred[doc.id])
    groups = [clusters for clusters in by_text.values() if len(clusters) > 1]
    assert len(groups) >= 250  # 260 groups of byte-identical non-empty texts
    assert [c for c in groups if len(set(c)) > 1] == []
    copies = sum(len(c) - 1 for c in groups)
    # At the default level an exact copy whose leader joined a story is listed by the
    # leader's match; counted alone, exact copies are all found as such.
    only = dedup(docs, Config().replace({"decide": {"level": "copies"}}))
    assert only.stats["kind_exact"] >= copies  # normalisation finds more than bytes do


def test_large_corpora_hold_fewer_character_ngrams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdedup.stages.rewrite as rewrite
    from newsdedup.config import RewriteConfig

    assert rewrite.auto_sample(RewriteConfig(), 125_000) == 1
    assert rewrite.auto_sample(RewriteConfig(), 125_001) == 2
    assert rewrite.auto_sample(RewriteConfig(), 1_000_000) == 8
    assert rewrite.auto_sample(RewriteConfig(sample=3), 1_000_000) == 3

    monkeypatch.setattr(rewrite, "_GRAM_DOCUMENTS", 10)
    corpus = generate(n_stories=20, copies=1.0, seed=2)
    write_jsonl(corpus, tmp_path / "in.jsonl")
    report = run([tmp_path / "in.jsonl"], tmp_path / "out", Config())
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    n = len(corpus.documents())
    expected = 1
    while n > 10 * expected:  # the smallest power of two that holds 10 documents' worth
        expected *= 2
    assert manifest["config"]["rewrite"]["sample"] == expected
    assert report.result.stats["documents"] == n
    sampled = dedup(corpus.documents(), Config())  # the same choice in memory
    assert {r.cluster_id for r in sampled.assignments} == {
        r.cluster_id for r in report.result.assignments
    }


def test_run_learns_and_names_the_same_furniture_as_dedup(tmp_path: Path) -> None:
    corpus = generate(300, seed=5, copies=1.0)
    write_jsonl(corpus, tmp_path / "in.jsonl")
    in_memory = dedup(corpus.documents(), Config())
    assert in_memory.boilerplate  # the generator's outlets have furniture to learn
    for workers in (1, 2):
        report = run([tmp_path / "in.jsonl"], tmp_path / f"out{workers}", workers=workers)
        assert report.result.boilerplate == in_memory.boilerplate


def test_documents_without_shingles_stay_out_of_lsh_and_are_accounted_for() -> None:
    # Each text is a furniture line and a rule: the rule normalises to nothing, so no
    # shingle is left, and the all-empty signatures would make every pair a candidate.
    docs = [Document(f"d{k}", f"Follow us on Twitter @courier{k}\n* * *") for k in range(40)]
    docs.append(Document("copy", docs[0].text))
    result = dedup(docs)
    assert result.stats["candidates_lsh"] == 0
    assert result.stats["lsh_without_shingles"] == 40
    kinds = {row.doc_id: (row.kind, row.cluster_id) for row in result.assignments}
    # exact copies are still found by the digest of the whole text
    assert kinds["copy"][1] == kinds["d0"][1]
    assert {kinds["copy"][0], kinds["d0"][0]} == {"exact", "representative"}
    assert result.stats["kept"] + result.stats["grouped"] == len(docs)


def test_a_bilingual_story_and_its_english_lead_are_one_copy() -> None:
    """Once, the story (mostly Chinese) was shingled by characters and its copy cut to
    the English lead by words: they never matched (issue 13, one unit for a text and
    its copies)."""
    english = (
        "The foreign ministry said on Saturday that the two governments would deepen "
        "their cooperation in trade, energy and transport over the coming year. "
    )
    chinese = "外交部星期六表示两国政府将在未来一年深化贸易能源和交通领域的合作双方同意加强沟通"
    docs = [
        Document("story", english * 2 + chinese * 3),
        Document("lead", english * 2),
        Document("other", "Heavy rain closed schools across the north for a third day."),
    ]
    rows = {r.doc_id: (r.cluster_id, r.kind) for r in dedup(docs).assignments}
    assert rows == {
        "story": ("story", "representative"),
        "lead": ("story", "contained"),
        "other": ("other", "unique"),
    }


def test_story_passages_are_kept_from_the_decision_and_equal_a_fresh_alignment() -> None:
    """with_evidence keeps a story's passages, found to decide it, rather than align again."""
    from dataclasses import replace

    from newsdedup.backends.local import fingerprint_stream
    from newsdedup.pipeline import _settled, with_evidence
    from newsdedup.stages.boilerplate import learn_from_documents

    docs = list(story_pair())
    result = dedup(docs)
    (story,) = result.matches
    assert story.kind == "story" and story.passages
    config = _settled(Config(), len(docs))
    furniture = learn_from_documents(docs, config.boilerplate)
    prints = list(fingerprint_stream(docs, config, furniture=furniture))
    bare = replace(result, matches=(replace(story, passages=()),))
    again = with_evidence(bare, {d.id: d for d in docs}, prints, config, furniture)
    assert again.matches == result.matches
