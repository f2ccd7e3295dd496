"""The quality benchmark's own pieces: peers must shingle and group as the tools do."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "quality.py"


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("quality_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_shingles_keep_text_dedups_empty_tokens(quality):
    # text-dedup splits on every single non-word character: ", " leaves an empty token.
    assert quality.word_ngrams("A, b c", 2) == {b"a ", b" b", b"b c"}
    assert quality.word_ngrams("Ab", 5) == {b"ab"}
    assert quality.word_ngrams("a b c", 2, min_length=5) == set()
    # Unicode words (Urdu) are words.
    assert quality.word_ngrams("پاکستان کی حکومت", 2) == {
        "پاکستان کی".encode(),
        "کی حکومت".encode(),
    }


def test_components_group_by_edges(quality):
    groups = quality.components(["a", "b", "c", "d"], [(1, 2), (3, 2)])
    assert groups == {"a": "a", "b": "b", "c": "b", "d": "b"}


def test_seeds_verdict(quality):
    gold = {"x": "1", "y": "1", "z": "z"}
    assert quality.seeds_verdict({"x": "a", "y": "a", "z": "b"}, gold) == (True, True)
    assert quality.seeds_verdict({"x": "a", "y": "b", "z": "b"}, gold) == (False, False)


def test_peers_find_a_verbatim_copy(quality):
    from newsdedup import Document

    text = " ".join(f"word{i}" for i in range(60))
    docs = [Document("a", text), Document("b", text + "."), Document("c", "other story " * 20)]
    for name, (factory, seed) in quality.METHODS.items():
        if name.startswith("rensa"):
            pytest.importorskip("rensa")
        groups = factory(seed)(docs)
        assert groups["a"] == groups["b"] != groups["c"], name
