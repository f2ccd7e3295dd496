import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.errors import ConfigError, InputError
from newsdedup.io.rundir import read_pairs
from newsdedup.thresholds import (
    candidate_probability,
    histogram,
    similarity_at,
    threshold_guidance,
)

similarities = st.floats(0.0, 1.0, allow_nan=False)


def test_histogram_hand_computed():
    assert histogram([0.0, 0.05, 0.1, 0.55, 0.99, 1.0], 10) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]


@given(st.lists(similarities, max_size=50), st.integers(2, 30))
def test_histogram_counts_every_value_once(values, bins):
    assert sum(histogram(values, bins)) == len(values)


def test_s_curve_hand_computed():
    # 2 bands of 2 rows at s = 0.5: 1 - (1 - 0.25)^2 = 0.4375
    assert candidate_probability(0.5, 2, 2) == pytest.approx(0.4375)
    assert candidate_probability(0.0, 20, 5) == 0.0
    assert candidate_probability(1.0, 20, 5) == 1.0


@given(similarities, similarities, st.integers(1, 64), st.integers(1, 16))
def test_s_curve_rises_with_similarity(a, b, bands, rows):
    low, high = sorted((a, b))
    assert candidate_probability(low, bands, rows) <= candidate_probability(high, bands, rows)


@given(st.floats(0.01, 0.99), st.integers(1, 64), st.integers(1, 16))
def test_similarity_at_inverts_the_s_curve(chance, bands, rows):
    s = similarity_at(chance, bands, rows)
    assert candidate_probability(s, bands, rows) == pytest.approx(chance, abs=1e-9)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from newsdedup import Config, run
    from newsdedup.synthetic import generate, write_jsonl

    folder = tmp_path_factory.mktemp("demo")
    write_jsonl(generate(25, seed=5, copies=1.5), folder / "corpus.jsonl")
    run([folder / "corpus.jsonl"], folder / "out", Config())
    return folder / "out"


def test_guidance_matches_the_run(demo_run):
    guidance = threshold_guidance(demo_run)
    manifest = json.loads((demo_run / "manifest.json").read_text())
    pairs = read_pairs(demo_run)
    verified = [p for p in pairs if p.kind != "exact"]
    assert (guidance.bands, guidance.rows) == (
        manifest["stats"]["lsh_bands"],
        manifest["stats"]["lsh_rows"],
    )
    assert guidance.verify_threshold == manifest["config"]["verify"]["threshold"]
    assert guidance.verified_pairs == len(verified) > 0
    assert guidance.exact_pairs == len(pairs) - len(verified)
    assert sum(b.jaccard for b in guidance.bins) == len(verified)
    assert sum(b.containment for b in guidance.bins) == len(verified)
    assert len(guidance.bins) == 10
    assert guidance.bins[5].candidate_low == pytest.approx(
        candidate_probability(0.5, guidance.bands, guidance.rows)
    )
    assert guidance.half_at < guidance.most_at
    assert json.loads(json.dumps(guidance.to_dict()))["bins"][0]["low"] == 0.0


def test_guidance_bins(demo_run):
    assert len(threshold_guidance(demo_run, bins=20).bins) == 20
    with pytest.raises(ConfigError, match="between 2 and 100"):
        threshold_guidance(demo_run, bins=1)


def test_guidance_needs_the_banding_in_the_manifest(demo_run, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(demo_run, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["stats"]["lsh_bands"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="LSH bands and rows"):
        threshold_guidance(copy)
    (copy / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match="not readable JSON"):
        threshold_guidance(copy)


def test_guidance_needs_a_pairs_table(demo_run, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(demo_run, copy)
    (copy / "pairs.csv").unlink()
    with pytest.raises(InputError, match="no pairs table"):
        threshold_guidance(copy)


def test_rewrites_are_binned_by_their_similarity_with_the_bars(tmp_path):
    from newsdedup import run
    from newsdedup.synthetic import generate, write_jsonl

    write_jsonl(generate(80, seed=2, rewrites=True), tmp_path / "c.jsonl")
    run([tmp_path / "c.jsonl"], tmp_path / "out")
    guidance = threshold_guidance(tmp_path / "out")
    rewrites = [p.similarity for p in read_pairs(tmp_path / "out") if p.kind == "rewrite"]
    assert guidance.rewrite_pairs == len(rewrites) > 0
    assert sum(b.similarity for b in guidance.bins) == len(rewrites)
    assert guidance.rewrite_thresholds == {"threshold": 0.08, "undated": 0.12, "same_source": 0.5}
