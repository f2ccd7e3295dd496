import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import ShingleConfig
from newsdedup.shingle import combine, shingles, unit_for, word_hashes


def test_word_shingles_count_distinct_trigrams():
    text = "a b c d e a b c"
    # trigrams: abc bcd cde dea eab abc -> 5 distinct
    assert shingles(text, ShingleConfig(unit="word", size=3)).size == 5


def test_short_text_still_has_one_shingle():
    assert shingles("two words", ShingleConfig(unit="word", size=5)).size == 1
    assert shingles("", ShingleConfig(unit="word")).size == 0


def test_shingles_sorted_unique_uint32():
    out = shingles("one two three four five six seven", ShingleConfig(unit="word", size=2))
    assert out.dtype == np.uint32
    assert np.all(np.diff(out.astype(np.int64)) > 0)


def test_order_matters_within_a_shingle():
    cfg = ShingleConfig(unit="word", size=2)
    assert not np.array_equal(shingles("a b", cfg), shingles("b a", cfg))


def test_char_shingles_for_chinese_ignore_spaces():
    cfg = ShingleConfig(unit="auto", char_size=3)
    assert unit_for("中国人民银行宣布降息", cfg) == "char"
    assert np.array_equal(
        shingles("中国人民 银行宣布降息", cfg), shingles("中国人民银行宣布降息", cfg)
    )
    assert shingles("中国人民银行", cfg).size == 4


def test_unit_forced_by_config():
    assert unit_for("中国人民银行", ShingleConfig(unit="word")) == "word"
    assert unit_for("plain english", ShingleConfig(unit="char")) == "char"


@given(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=40), st.integers(1, 5))
def test_combine_matches_a_plain_reference(tokens, size):
    text = " ".join(tokens)
    hashes = word_hashes(text)
    fast = combine(hashes, size)
    width = min(size, len(tokens))
    grams = {tuple(tokens[i : i + width]) for i in range(len(tokens) - width + 1)}
    # Same number of distinct shingles as distinct n-grams (no 32-bit collision at this size).
    assert fast.size == len(grams)
