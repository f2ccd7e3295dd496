"""The batch shingling path equals the per-text reference, text by text."""

import numpy as np
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.config import ShingleConfig
from newsdedup.stages.clean import digest, normalize
from newsdedup.stages.shingle import (
    shingle_and_window,
    shingle_texts,
    shingles,
    token_hash,
    window_texts,
    word_hashes,
)

# Words, punctuation, runs of spaces and controls, case, accents, ligatures, CJK, Urdu, emoji.
_PIECES = st.sampled_from(
    [
        "the", "Wire", "STORY", "a", "1987", "U.S.", "don't", "co-op", " ", "  ", "\n\n", "\t",
        ",", ".", "!", "©", "—", "“quoted”", "Straße", "ﬁnance", "é", "e\u0301", "İstanbul",
        "中国人民银行", "宣布", "اردو", "خبر", "\u200c", "\x00", "\x1f", "½", "😀", "Ⅻ", "ǅ",
    ]
)  # fmt: skip
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)


def _reference(text: str, cfg: ShingleConfig) -> tuple[str, int, np.ndarray]:
    norm = normalize(text)
    return (digest(norm) if norm else "", len(norm), shingles(norm, cfg))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_TEXTS, max_size=12),
    st.sampled_from(["auto", "word", "char"]),
    st.integers(1, 5),
)
def test_batch_equals_per_text_reference(texts, unit, size):
    cfg = ShingleConfig(unit=unit, size=size, char_size=size)
    batch = shingle_texts(texts, cfg)
    for i, text in enumerate(texts):
        key, length, sets = _reference(text, cfg)
        assert batch.digests[i] == key
        assert batch.lengths[i] == length
        assert np.array_equal(batch.shingles[i], sets)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS, max_size=12), st.integers(1, 5))
def test_windows_hold_exactly_each_texts_shingles(texts, size):
    cfg = ShingleConfig(size=size, char_size=size)
    batch, windows = shingle_and_window(texts, cfg)
    assert np.all(np.diff(windows.doc) >= 0)
    for i in range(len(texts)):
        assert np.array_equal(np.unique(windows.values[windows.doc == i]), batch.shingles[i])
    again = window_texts(texts, cfg)
    assert np.array_equal(again.doc, windows.doc) and np.array_equal(again.values, windows.values)


@given(st.lists(st.text(alphabet="abcxyz0123é中", min_size=1, max_size=80), max_size=30))
def test_word_hashes_are_xxh64_of_each_token(tokens):
    reference = np.array([token_hash(t.encode()) for t in tokens], dtype=np.uint64)
    assert np.array_equal(word_hashes(" ".join(tokens)), reference)
    assert all(token_hash(t.encode()) == xxhash.xxh64_intdigest(t.encode()) for t in tokens)


def test_a_text_shingles_the_same_alone_or_in_any_batch():
    cfg = ShingleConfig()
    texts = ["One two three four.", "", "Zwei drei vier fünf!", "one TWO three, four"]
    alone = [shingle_texts([t], cfg).shingles[0] for t in texts]
    together = shingle_texts(texts, cfg).shingles
    assert all(np.array_equal(a, b) for a, b in zip(alone, together, strict=True))
    assert np.array_equal(together[0], together[3])  # same normalised text


@settings(max_examples=500, deadline=None)
@given(st.one_of(_TEXTS, st.text(max_size=60)))
def test_fast_normalize_equals_clean_normalize(text):
    from newsdedup.stages.shingle import _normalize_fast

    assert _normalize_fast(text) == normalize(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS, max_size=10), st.integers(2, 6), st.sampled_from([1, 3]))
def test_char_gram_sets_equal_rewrite_char_grams(texts, size, sample):
    from newsdedup.config import RewriteConfig
    from newsdedup.stages.rewrite import char_grams
    from newsdedup.stages.shingle import char_gram_sets

    normalized = [normalize(t) for t in texts]
    cfg = RewriteConfig(char_size=size, sample=sample)
    for norm, got in zip(normalized, char_gram_sets(normalized, size, sample), strict=True):
        assert np.array_equal(got, char_grams(norm, cfg))
