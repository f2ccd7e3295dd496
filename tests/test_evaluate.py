from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.errors import ConfigError, InputError
from newsdedup.evaluate import (
    evaluate_run,
    positive_labels,
    read_gold,
    score_clusters,
    score_pairs,
)
from newsdedup.io.rundir import read_clusters

labels = st.lists(st.integers(0, 4), min_size=2, max_size=30)


def as_map(values, prefix="c"):
    return {f"d{i}": f"{prefix}{v}" for i, v in enumerate(values)}


def test_hand_computed_case():
    # gold: {a b c} {d e}; predicted: {a b} {c d e}
    gold = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2"}
    pred = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}
    s = score_clusters(pred, gold)
    # predicted pairs: ab, cd, ce, de (4); gold pairs: ab, ac, bc, de (4); shared: ab, de
    assert s.pair_precision == pytest.approx(0.5)
    assert s.pair_recall == pytest.approx(0.5)
    # B-cubed precision: a 1, b 1, c 1/3, d 2/3, e 2/3 -> 11/15
    # B-cubed recall: a 2/3 b 2/3 c 1/3 d 1 e 1 -> 11/15
    assert s.bcubed_precision == pytest.approx(11 / 15)
    assert s.bcubed_recall == pytest.approx(11 / 15)
    # ARI: index 2, expected 4*4/10 = 1.6, max 4 -> (2 - 1.6) / (4 - 1.6)
    assert s.ari == pytest.approx(0.4 / 2.4)


def test_scores_only_gold_documents():
    gold = {"a": "1", "b": "1"}
    pred = {"a": "x", "b": "x", "noise": "x"}
    assert score_clusters(pred, gold).pair_precision == 1.0


@given(labels)
def test_perfect_prediction_scores_one(values):
    gold = as_map(values)
    s = score_clusters(gold, gold)
    assert (s.pair_precision, s.pair_recall, s.bcubed_f1, s.ari) == (1.0, 1.0, 1.0, 1.0)


@given(labels, labels)
def test_ari_does_not_change_when_labels_are_renamed(a, b):
    n = min(len(a), len(b))
    gold, pred = as_map(a[:n]), as_map(b[:n])
    renamed = as_map(b[:n], prefix="other-")
    assert score_clusters(pred, gold).ari == pytest.approx(score_clusters(renamed, gold).ari)


@given(labels, labels)
def test_pair_metrics_are_symmetric(a, b):
    n = min(len(a), len(b))
    x, y = as_map(a[:n]), as_map(b[:n])
    forward, backward = score_clusters(x, y), score_clusters(y, x)
    assert forward.pair_precision == pytest.approx(backward.pair_recall)
    assert forward.pair_f1 == pytest.approx(backward.pair_f1)
    assert forward.ari == pytest.approx(backward.ari)


def test_pair_gold_counts_unlabelled_merges_as_false_positives():
    pred = {"a": "1", "ap": "1", "b": "2", "bp": "3", "c": "1"}
    pairs = [("a", "ap", "WD"), ("b", "bp", "PD"), ("c", "cp", "ND")]
    s = score_pairs(pred, pairs, positive={"WD", "PD"})
    # merged pool pairs: a-ap, a-c, ap-c -> 3 predicted, 1 true positive, 2 positives
    assert (s.predicted, s.true_positives, s.positives) == (3, 1, 2)
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(0.5)
    assert s.merged_by_label == {"ND": (1, 0), "PD": (1, 0), "WD": (1, 1)}


# ---------------------------------------------------------------- more hand-computed cases


def test_all_singletons_against_all_singletons_is_perfect():
    gold = {"a": "1", "b": "2", "c": "3"}
    pred = {"a": "x", "b": "y", "c": "z"}
    s = score_clusters(pred, gold)
    assert (s.pair_precision, s.pair_recall, s.bcubed_f1, s.ari) == (1.0, 1.0, 1.0, 1.0)


def test_everything_in_one_cluster_against_pairs():
    # gold: {a b} {c d}; predicted: {a b c d}. Predicted pairs 6, gold pairs 2, shared 2.
    gold = {"a": "1", "b": "1", "c": "2", "d": "2"}
    pred = dict.fromkeys(gold, "x")
    s = score_clusters(pred, gold)
    assert s.pair_precision == pytest.approx(2 / 6)
    assert s.pair_recall == 1.0
    assert s.bcubed_precision == pytest.approx(0.5)
    assert s.bcubed_recall == 1.0
    # index 2, expected 6*2/6 = 2, max 4: (2 - 2) / (4 - 2) = 0
    assert s.ari == pytest.approx(0.0)


def test_pair_scores_with_every_positive_merged_and_nothing_else():
    pred = {"a": "1", "ap": "1", "b": "2", "bp": "2", "c": "3", "cp": "4"}
    pairs = [("a", "ap", "WD"), ("bp", "b", "PD"), ("c", "cp", "ND")]
    s = score_pairs(pred, pairs, positive={"WD", "PD"})
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
    assert s.merged_by_label == {"ND": (1, 0), "PD": (1, 1), "WD": (1, 1)}


@given(labels, labels)
def test_bcubed_precision_and_recall_swap_with_the_roles(a, b):
    n = min(len(a), len(b))
    x, y = as_map(a[:n]), as_map(b[:n])
    forward, backward = score_clusters(x, y), score_clusters(y, x)
    assert forward.bcubed_precision == pytest.approx(backward.bcubed_recall)


@given(labels)
def test_scores_stay_in_range(values):
    gold = as_map(values)
    pred = as_map(list(reversed(values)))
    s = score_clusters(pred, gold)
    for value in (s.pair_precision, s.pair_recall, s.pair_f1, s.bcubed_f1):
        assert 0.0 <= value <= 1.0
    assert -1.0 <= s.ari <= 1.0


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.booleans()), max_size=25))
def test_pair_gold_perfect_prediction_has_full_recall(triples):
    # Predict exactly the connected components of the positive pairs: every positive is merged.
    pairs = [(f"d{a}", f"d{b}", "WD" if pos else "ND") for a, b, pos in triples if a != b]
    parent = {f"d{i}": f"d{i}" for i in range(10)}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b, label in pairs:
        if label == "WD":
            parent[find(a)] = find(b)
    pred = {doc: find(doc) for doc in parent}
    s = score_pairs(pred, pairs, positive={"WD"})
    assert s.recall == 1.0
    assert s.true_positives == s.positives


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=20), labels)
def test_pair_gold_does_not_depend_on_the_order_within_a_pair(edges, values):
    pairs = [(f"d{a}", f"d{b}", "WD") for a, b in edges if a != b]
    swapped = [(b, a, label) for a, b, label in pairs]
    pred = {f"d{i}": f"c{values[i % len(values)]}" for i in range(7)}
    assert score_pairs(pred, pairs, {"WD"}) == score_pairs(pred, swapped, {"WD"})


# ---------------------------------------------------------------- gold files and positive labels


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_read_cluster_gold(tmp_path):
    gold = read_gold(write(tmp_path / "g.csv", "\ufeffid,cluster\na,1\nb,1\n\nc,2\n"))
    assert gold.kind == "clusters"
    assert gold.clusters == {"a": "1", "b": "1", "c": "2"}


def test_read_pair_gold_ignores_extra_columns(tmp_path):
    gold = read_gold(write(tmp_path / "g.csv", "a,b,label,note\nx,y,WD,copied\nx,z,ND,\n"))
    assert gold.kind == "pairs"
    assert gold.pairs == (("x", "y", "WD"), ("x", "z", "ND"))
    assert gold.labels == ["ND", "WD"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("doc,group\na,1\n", "line 1 has the header 'doc,group'"),
        ("id,cluster\n", "no labels"),
        ("id,cluster\na,1\nb\n", "line 3"),
        ("id,cluster\na,1\nb,\n", "line 3"),
        ("id,cluster\na,1\na,2\n", "line 3 lists the id 'a' again (first on line 2)"),
        ("a,b,label\nx,x,WD\n", "line 2 pairs the id 'x' with itself"),
        ("a,b,label\nx,y,WD\ny,x,ND\n", "line 3 labels the pair 'y', 'x' again"),
    ],
)
def test_bad_gold_files_name_the_line_and_fix(tmp_path, text, message):
    with pytest.raises(InputError, match=r"g\.csv") as info:
        read_gold(write(tmp_path / "g.csv", text))
    assert message in str(info.value)


def test_gold_that_is_not_utf8(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes(b"id,cluster\na,\xff\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_gold(path)


def test_missing_gold_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_gold(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("labels", "spec", "expected"),
    [
        (["ND", "PD", "WD"], None, {"PD", "WD"}),
        (["0", "1"], None, {"1"}),
        (["duplicate", "different"], None, {"duplicate"}),
        (["ND", "PD", "WD"], "WD", {"WD"}),
        (["ND", "PD", "WD"], " WD, PD ", {"WD", "PD"}),
        (["0.5", "1.5", "2.0"], ">=1.5", {"1.5", "2.0"}),
        (["0.5", "1.5", "2.0"], ">1.5", {"2.0"}),
    ],
)
def test_positive_labels(labels, spec, expected):
    assert positive_labels(labels, spec) == expected


@pytest.mark.parametrize(
    ("labels", "spec", "message"),
    [
        (["0.5", "1.5", "2.0"], None, "--positive"),
        (["ND"], None, "cannot tell"),
        (["ND", "WD"], "XD", "'XD', which the gold never uses"),
        (["0.5", "1.0"], ">=1.5", "selects no label"),
        (["WD", "ND"], ">=1", "compares numbers"),
    ],
)
def test_positive_labels_that_cannot_be_told(labels, spec, message):
    with pytest.raises(ConfigError, match=message):
        positive_labels(labels, spec)


# ---------------------------------------------------------------- a run folder against gold


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """A real run on a small synthetic corpus: (run folder, cluster gold file)."""
    from newsdedup import Config, run
    from newsdedup.synthetic import generate, write_jsonl

    folder = tmp_path_factory.mktemp("demo")
    corpus = generate(25, seed=3, copies=1.5)
    write_jsonl(corpus, folder / "corpus.jsonl", gold_path=folder / "gold.csv")
    run([folder / "corpus.jsonl"], folder / "out", Config())
    return folder / "out", folder / "gold.csv"


def test_evaluate_run_against_cluster_gold(demo_run):
    out, gold_path = demo_run
    result = evaluate_run(out, gold_path)
    gold = read_gold(gold_path)
    assert result.kind == "clusters"
    assert result.missing_ids == 0
    assert result.clusters == score_clusters(read_clusters(out), gold.clusters)
    assert result.clusters.documents == len(gold.clusters)


def test_evaluate_run_reads_every_table_format(demo_run, tmp_path):
    from newsdedup import Config, run

    out, gold_path = demo_run
    corpus = out.parent / "corpus.jsonl"
    scores = set()
    for fmt in ("csv", "jsonl", "parquet"):
        config = Config().replace({"write": {"format": fmt}})
        run([corpus], tmp_path / fmt, config)
        scores.add(evaluate_run(tmp_path / fmt, gold_path).clusters)
    assert len(scores) == 1


def test_evaluate_run_counts_gold_ids_missing_from_the_run(demo_run, tmp_path):
    out, gold_path = demo_run
    lines = gold_path.read_text().splitlines()
    gold = write(tmp_path / "g.csv", "\n".join([*lines, "ghost-1,x", "ghost-2,x"]) + "\n")
    result = evaluate_run(out, gold)
    assert (result.missing_ids, result.missing_examples) == (2, ("ghost-1", "ghost-2"))
    assert result.clusters == evaluate_run(out, gold_path).clusters


def test_evaluate_run_against_pair_gold(demo_run, tmp_path):
    out, gold_path = demo_run
    clusters = read_gold(gold_path).clusters
    ids = sorted(clusters)
    together = [(a, b) for a, b in pairwise(ids) if clusters[a] == clusters[b]]
    apart = [(a, b) for a, b in pairwise(ids) if clusters[a] != clusters[b]]
    rows = [f"{a},{b},dup" for a, b in together] + [f"{a},{b},different" for a, b in apart]
    gold = write(tmp_path / "p.csv", "a,b,label\n" + "\n".join([*rows, "x,ghost,dup"]) + "\n")
    result = evaluate_run(out, gold)
    assert result.kind == "pairs"
    assert result.positive == ("dup",)
    assert (result.missing_ids, result.skipped_pairs) == (2, 1)
    expected = score_pairs(
        read_clusters(out), [(a, b, "dup") for a, b in together]
        + [(a, b, "different") for a, b in apart], {"dup"}
    )  # fmt: skip
    assert result.pairs == expected
    data = result.to_dict()
    assert data["scores"]["merged_by_label"]["dup"]["pairs"] == len(together)


def test_evaluate_run_with_no_gold_id_in_the_run(demo_run, tmp_path):
    out, _ = demo_run
    with pytest.raises(InputError, match="none of the 2 ids"):
        evaluate_run(out, write(tmp_path / "g.csv", "id,cluster\nx,1\ny,1\n"))


def test_evaluate_run_needs_a_run_folder(tmp_path):
    gold = write(tmp_path / "g.csv", "id,cluster\nx,1\n")
    with pytest.raises(InputError, match="does not exist"):
        evaluate_run(tmp_path / "nope", gold)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no manifest\.json"):
        evaluate_run(tmp_path / "empty", gold)


def test_evaluate_on_onestopenglish(shared_data, tmp_path):
    from newsdedup import Config, run

    folder = shared_data / "onestopenglish"
    run([folder / "docs.jsonl"], tmp_path / "out", Config())
    result = evaluate_run(tmp_path / "out", folder / "gold.csv")
    assert result.clusters is not None
    assert result.missing_ids == 0
    assert result.clusters.documents == 294
    # Teachers' rewrites share wording: whatever newsdedup merges there is nearly all right.
    assert result.clusters.pair_precision > 0.9
