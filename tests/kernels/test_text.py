"""The compiled kernels equal the numpy reference path, bit for bit."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.config import Config
from newsdedup.stages import fingerprint as prints
from newsdedup.stages.clean import normalize
from newsdedup.stages.fingerprint import fingerprint_texts, numpy_columns, use_jit
from newsdedup.stages.minhash import window_signatures
from newsdedup.stages.shingle import char_gram_sets, window_texts
from newsdedup.synthetic import iter_articles

kernels = pytest.importorskip("newsdedup.kernels.text")

_WORDS = st.sampled_from(
    [
        "the", "Wire", "STORY", "a", "1987", "U.S.", "don't", "co-op", "Straße", "ﬁnance",
        "é", "e\u0301", "İstanbul", "中国人民银行", "宣布", "اردو", "\u200c", "😀", "Ⅻ", "½",
    ]
)  # fmt: skip
_SPACES = st.sampled_from([" ", "  ", "\n\n", "\t", " , ", ". ", " — ", "!!", "\x00", "\x1f"])
_PIECE_TEXTS = st.lists(st.one_of(_WORDS, _SPACES), max_size=40).map("".join)
_LONG_TOKENS = st.integers(1, 3000).map(lambda n: "x" * n + " y" + " Z" * (n % 5))
_TEXTS = st.one_of(
    _PIECE_TEXTS,
    st.text(max_size=300),  # any Unicode
    st.text(st.characters(max_codepoint=127), max_size=300),  # any ASCII, controls included
    st.sampled_from(["", " ", "one", "two words", "  \t\n  ", "A-B", "🙂"]),
    _LONG_TOKENS,
    st.lists(st.sampled_from(["a", "b", " " * 9]), max_size=60).map("".join),
)


def _config(unit: str, size: int, sample: int, scheme: str) -> Config:
    return Config().replace(
        {
            "shingle": {"unit": unit, "size": size, "char_size": size + 1},
            "minhash": {"scheme": scheme, "num_perm": 64},
            "rewrite": {"sample": sample},
        }
    )


def _assert_same(texts: list[str], config: Config) -> None:
    got, want = prints._compiled_columns(texts, config), numpy_columns(texts, config)
    assert got.digests == want.digests
    assert got.lengths == want.lengths
    assert got.bounds == want.bounds
    assert got.shingles.dtype == np.uint32 and np.array_equal(got.shingles, want.shingles)
    assert np.array_equal(got.signatures, want.signatures)
    assert len(got.grams) == len(want.grams) == len(texts)
    for mine, ref in zip(got.grams, want.grams, strict=True):
        assert mine.dtype == np.uint32 and np.array_equal(mine, ref)
    ref_sigs = window_signatures(window_texts(texts, config.shingle), config.minhash)
    assert np.array_equal(prints._compiled_texts(texts, config), ref_sigs)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_TEXTS, max_size=10),
    st.sampled_from(["auto", "word", "char"]),
    st.integers(1, 5),
    st.sampled_from([1, 3, 4]),
    st.sampled_from(["oph", "affine32"]),
)
def test_kernels_equal_numpy_on_generated_texts(texts, unit, size, sample, scheme):
    _assert_same(texts, _config(unit, size, sample, scheme))


@pytest.mark.parametrize("sample", [1, 4])
def test_kernels_equal_numpy_on_a_synthetic_corpus(sample):
    texts = [record["text"] for record in iter_articles(600, seed=11)]
    assert any(not t.isascii() for t in texts)  # the corpus exercises the normalising path
    config = Config().replace({"rewrite": {"sample": sample}})
    for lo in range(0, len(texts), 256):
        _assert_same(texts[lo : lo + 256], config)


def test_kernels_char_grams_equal_char_gram_sets():
    texts = ["ab cd", "a", "", "中国人民银行宣布", "straße und ﬁnance " * 50]
    packed = prints._pack(texts, Config().shingle)
    for sample in (1, 3):
        values, bounds = kernels.sorted_sets(
            *kernels.char_gram_windows(packed.text, packed.offsets, 5, sample)
        )
        want = char_gram_sets([normalize(t) for t in texts], 5, sample)
        for i, ref in enumerate(want):
            assert np.array_equal(values[bounds[i] : bounds[i + 1]], ref)


def test_documents_without_shingles_have_empty_signatures():
    sigs = prints._compiled_texts(["", "!!!", "a b c"], Config())
    assert (sigs[:2] == 0xFFFFFFFF).all() and (sigs[2] != 0xFFFFFFFF).all()


def test_switch_uses_kernels_unless_disabled(monkeypatch):
    monkeypatch.delenv("NEWSDEDUP_JIT", raising=False)
    assert use_jit()
    monkeypatch.setenv("NEWSDEDUP_JIT", "0")
    assert not use_jit()
    called = []
    monkeypatch.setattr(kernels, "oph_signatures", lambda *a: called.append(a))
    assert fingerprint_texts(["a b c"], Config()).shape == (1, 128)
    assert not called  # the numpy path ran
    monkeypatch.setenv("NEWSDEDUP_JIT", "1")
    fingerprint_texts(["a b c"], Config())
    assert called  # the kernels ran


def test_switch_falls_back_to_numpy_without_numba(monkeypatch):
    monkeypatch.delenv("NEWSDEDUP_JIT", raising=False)
    monkeypatch.setitem(sys.modules, "newsdedup.kernels.text", None)  # import raises ImportError
    assert not use_jit()
    assert fingerprint_texts(["a b c d"], Config()).shape == (1, 128)


def test_help_does_not_import_numba():
    code = "import sys, newsdedup.cli; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
