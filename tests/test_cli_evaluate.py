"""CLI tests of `newsdedup evaluate` and `newsdedup thresholds`, every exit included."""

import json

import pytest
from click.testing import CliRunner

from newsdedup.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The README's demo, run through the CLI: (folder, run folder, gold file)."""
    folder = tmp_path_factory.mktemp("demo")
    runner = CliRunner()
    corpus, gold, out = folder / "corpus.jsonl", folder / "gold.csv", folder / "out"
    result = runner.invoke(main, ["generate", str(corpus), "--stories", "30", "--gold", str(gold)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["run", str(corpus), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return folder, out, gold


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_evaluate_prints_a_table(demo):
    _, out, gold = demo
    result = invoke("evaluate", out, "--gold", gold)
    assert result.exit_code == 0, result.output
    for text in ("pairs", "B-cubed", "adjusted Rand index", "(clusters)"):
        assert text in result.output


def test_evaluate_json_matches_the_python_api(demo):
    from newsdedup import evaluate_run

    _, out, gold = demo
    result = invoke("evaluate", out, "--gold", gold, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == json.loads(json.dumps(evaluate_run(out, gold).to_dict()))
    assert data["kind"] == "clusters"
    assert 0.0 <= data["scores"]["ari"] <= 1.0


def test_evaluate_pair_gold_with_positive_option(demo, tmp_path):
    _, out, gold = demo
    ids = [line.split(",")[0] for line in gold.read_text().splitlines()[1:]]
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(f"a,b,label\n{ids[0]},{ids[1]},1.5\n{ids[2]},{ids[3]},0.5\n")
    result = invoke("evaluate", out, "--gold", pairs, "--positive", ">=1")
    assert result.exit_code == 0, result.output
    assert "Labelled pairs by label" in result.output
    assert "1.5 (positive)" in result.output
    data = json.loads(
        invoke("evaluate", out, "--gold", pairs, "--positive", "1.5", "--json").output
    )
    assert data["positive"] == ["1.5"]
    assert data["scores"]["positives"] == 1


def test_evaluate_reports_gold_ids_missing_from_the_run(demo, tmp_path):
    _, out, gold = demo
    extra = tmp_path / "gold.csv"
    extra.write_text(gold.read_text() + "ghost,zz\n")
    result = invoke("evaluate", out, "--gold", extra)
    assert result.exit_code == 0, result.output
    assert "1 of" in result.output
    assert "ghost" in result.output


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda d: ["evaluate", d / "missing", "--gold", d / "gold.csv"], 1, "does not exist"),
        (lambda d: ["evaluate", d, "--gold", d / "gold.csv"], 1, "no manifest.json"),
        (lambda d: ["evaluate", d / "out", "--gold", d / "nope.csv"], 1, "does not exist"),
        (lambda d: ["evaluate", d / "out"], 2, "Missing option '--gold'"),
        (lambda d: ["evaluate", d / "out", "--gold", d / "bad.csv"], 1, "line 1 has the header"),
        (lambda d: ["evaluate", d / "out", "--gold", d / "ghosts.csv"], 1, "none of the 2 ids"),
        (lambda d: ["evaluate", d / "out", "--gold", d / "scores.csv"], 2, "--positive"),
        (
            lambda d: ["evaluate", d / "out", "--gold", d / "scores.csv", "--positive", "7"],
            2,
            "never uses",
        ),
    ],
)
def test_evaluate_errors(demo, make, code, message):
    folder, _, gold = demo
    (folder / "bad.csv").write_text("doc,group\na,1\n")
    (folder / "ghosts.csv").write_text("id,cluster\nghost-1,a\nghost-2,a\n")
    first = gold.read_text().splitlines()[1].split(",")[0]
    (folder / "scores.csv").write_text(f"a,b,label\n{first},x,0.7\n")
    result = invoke(*make(folder))
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_thresholds_prints_the_histogram_and_s_curve(demo):
    _, out, _ = demo
    result = invoke("thresholds", out)
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())  # rich wraps lines at the terminal width
    for text in ("bands x", "P(candidate)", "0.50-0.60", "verified copies and rewrites"):
        assert text in shown


def test_thresholds_json_matches_the_python_api(demo):
    from newsdedup import threshold_guidance

    _, out, _ = demo
    result = invoke("thresholds", out, "--json", "--bins", "5")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == json.loads(json.dumps(threshold_guidance(out, bins=5).to_dict()))
    assert len(data["bins"]) == 5


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["missing"], 1, "does not exist"),
        (["."], 1, "no manifest.json"),
        (["out", "--bins", "1"], 2, "--bins"),
        ([], 2, "Missing argument"),
    ],
)
def test_thresholds_errors(demo, args, code, message):
    folder, _, _ = demo
    paths = [str(folder / a) if i == 0 else a for i, a in enumerate(args)]
    result = invoke("thresholds", *paths)
    assert result.exit_code == code, result.output
    assert message in result.output
