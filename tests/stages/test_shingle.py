import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import ShingleConfig
from newsdedup.stages.shingle import (
    combine,
    shingle_texts,
    shingles,
    token_hash,
    unit_for,
    word_hashes,
)


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


def _thue_morse(letters: bytes, k: int) -> bytes:
    """The Thue-Morse word of length 2^k over two letters."""
    bits = [0]
    for _ in range(k):
        bits += [1 - b for b in bits]
    return bytes(letters[b] for b in bits)


def _old_polynomial(token: bytes) -> int:
    """The token hash before issue 14: sum(byte[k] * P**k) modulo 2^64."""
    value, power, p = 0, 1, 0x9E3779B97F4A7C17
    for byte in token:
        value = (value + byte * power) % 2**64
        power = power * p % 2**64
    return value


def test_thue_morse_tokens_that_fooled_the_polynomial_no_longer_collide():
    # The difference of the two words' polynomials is (a - b) * prod(1 - P**(2**j)), a
    # product of ever more even factors: zero modulo 2^64 from 2^10 letters on, whatever
    # the odd base. Two texts differing in that token were copies of each other.
    first, second = _thue_morse(b"ab", 10), _thue_morse(b"ba", 10)
    assert _old_polynomial(first) == _old_polynomial(second)
    assert token_hash(first) != token_hash(second)
    cfg = ShingleConfig(unit="word", size=3)
    texts = [f"the wire story {word.decode()} said on tuesday" for word in (first, second)]
    assert np.intersect1d(shingles(texts[0], cfg), shingles(texts[1], cfg)).size == 2
    batch = shingle_texts(texts, cfg)  # the batch path
    assert np.intersect1d(batch.shingles[0], batch.shingles[1]).size == 2


@pytest.mark.parametrize("compiled", [True, False])
@given(st.lists(st.binary(min_size=1, max_size=70).filter(lambda b: b" " not in b), max_size=12))
def test_token_hashes_are_xxh64_compiled_or_not(compiled: bool, tokens: list[bytes]) -> None:
    import xxhash

    from newsdedup.stages.shingle import _span_hashes

    buf = np.frombuffer(b" ".join(tokens), dtype=np.uint8)
    starts, ends, at = [], [], 0
    for token in tokens:
        starts.append(at)
        ends.append(at + len(token))
        at += len(token) + 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSDEDUP_JIT", "1" if compiled else "0")
        got = _span_hashes(buf, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64))
    assert got.tolist() == [xxhash.xxh64_intdigest(token) for token in tokens]


ENGLISH = (
    "The foreign ministry said on Saturday that the two governments would deepen their "
    "cooperation in trade, energy and transport over the coming year. "
)
CHINESE = "外交部星期六表示两国政府将在未来一年深化贸易能源和交通领域的合作双方同意加强沟通"


def test_a_text_and_its_cut_down_copy_are_cut_into_the_same_units():
    """A bilingual text is mostly Chinese (once shingled by characters); its copy, cut to
    the English lead, is all words. They share every shingle of the copy."""
    from newsdedup.stages.clean import normalize
    from newsdedup.stages.shingle import mixes

    cfg = ShingleConfig()
    original, copy = normalize(ENGLISH + CHINESE * 3), normalize(ENGLISH)
    assert unit_for(original, cfg) == "char" and unit_for(copy, cfg) == "word"
    assert mixes(original, cfg) and not mixes(copy, cfg)
    a, b = shingles(original, cfg), shingles(copy, cfg)
    assert np.isin(b, a).all() and b.size > 10
    padded = normalize(CHINESE + " " + ENGLISH + " " + CHINESE)
    assert np.isin(b, shingles(padded, cfg)).all()


def test_mixed_units_shingle_a_text_of_one_script_as_its_own_unit_does():
    from newsdedup.stages.shingle import char_hashes, mixed_units, mixed_windows

    cfg = ShingleConfig()
    chinese = CHINESE[:30]
    mixed = np.unique(mixed_windows(*mixed_units(chinese, cfg)))
    assert np.array_equal(mixed, combine(char_hashes(chinese), cfg.char_size))
    short = CHINESE[:3]  # shorter than a shingle: one of all its characters
    assert np.array_equal(
        np.unique(mixed_windows(*mixed_units(short, cfg))), combine(char_hashes(short), 4)
    )


@given(
    st.lists(
        st.sampled_from(["北", "京", "今天", "ภาษา", "word", "2024", "年", "ü", " ", "hello"]),
        max_size=30,
    )
)
def test_compiled_mixed_units_equal_the_reference(parts: list[str]) -> None:
    from newsdedup.stages import fingerprint as prints
    from newsdedup.stages.clean import normalize

    cfg = ShingleConfig()
    texts = ["".join(parts), "lead " + "".join(parts), "".join(parts) + " tail"]
    packed = prints._pack(texts, cfg)
    values, bounds = prints._windows(packed, cfg)
    for i, text in enumerate(texts):
        got = np.unique(values[bounds[i] : bounds[i + 1]])
        norm = normalize(text)
        want = shingles(norm, cfg) if norm else np.zeros(0, np.uint32)
        assert np.array_equal(got, want), text
