import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import Config, ShingleConfig
from newsdedup.data import Document
from newsdedup.dates import seconds
from newsdedup.stages.align import (
    ShingleRarity,
    held_when,
    shared_passages,
    shingle_rarity,
)
from newsdedup.stages.boilerplate import Boilerplate
from newsdedup.stages.clean import normalize
from newsdedup.stages.fingerprint import fingerprint

QUOTE = "malign interventions and unilateral coercive measures led by the United States"
A = f"Tehran said on Saturday it rejected what it called “{QUOTE},” in a statement."
B = f"Officials in Caracas welcomed the message. It denounced {QUOTE.upper()}! Nothing else."
CFG = ShingleConfig()


def texts(passage, a, b):
    return a[passage.a_start : passage.a_end], b[passage.b_start : passage.b_end]


def test_shared_quote_is_found_in_both_originals():
    (p,) = shared_passages(A, B, ShingleRarity.empty(), CFG)
    left, right = texts(p, A, B)
    assert normalize(left) == normalize(right) == normalize(QUOTE)
    assert p.words == 11 and p.found_in == 2


def test_a_changed_word_does_not_split_a_passage():
    a = "one two three four five six seven eight nine ten eleven twelve"
    b = "one two three four five SIX7 seven eight nine ten eleven twelve"
    (p,) = shared_passages(a, b, ShingleRarity.empty(), CFG)
    assert (p.a_start, p.a_end) == (0, len(a)) and (p.b_start, p.b_end) == (0, len(b))


def test_short_common_phrases_are_not_evidence():
    assert (
        shared_passages(
            "he said on tuesday that", "she said on tuesday too", ShingleRarity.empty(), CFG
        )
        == ()
    )


def test_furniture_lines_are_left_out():
    furniture = "Sign up for our daily newsletter about the harbour and the weather"
    a, b = f"{furniture}\nFirst story body here.", f"{furniture}\nAnother story entirely."
    assert shared_passages(a, b, ShingleRarity.empty(), CFG, Boilerplate()) == ()
    assert len(shared_passages(a, b, ShingleRarity.empty(), CFG)) == 1


def test_found_in_counts_other_documents_holding_the_passage():
    config = Config()
    docs = [Document("a", A), Document("b", B), Document("c", f"Again: {QUOTE}.")]
    rare = shingle_rarity([fingerprint(d, config) for d in docs])
    (p,) = shared_passages(A, B, rare, CFG)
    assert p.found_in == 3


words = st.lists(
    st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]),
    max_size=40,
)


def disjoint(spans):
    spans = sorted(spans)
    return all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))


@given(words, words)
def test_passages_begin_and_end_on_shared_words_and_never_overlap(a_words, b_words):
    a, b = " ".join(a_words), ", ".join(b_words)
    passages = shared_passages(a, b, ShingleRarity.empty(), CFG)
    for p in passages:
        left, right = (normalize(t).split() for t in texts(p, a, b))
        assert left[:3] == right[:3] and left[-3:] == right[-3:]  # merged only across gaps
        assert p.words >= 5
    assert disjoint([(p.a_start, p.a_end) for p in passages])
    assert disjoint([(p.b_start, p.b_end) for p in passages])


def per_token(line):
    import re

    from newsdedup.stages.clean import spacing_table

    out = []
    for token in re.finditer(r"\S+", line.translate(spacing_table())):
        for word in normalize(token.group()).split():
            out.append((word, token.start(), token.end()))
    return out


@given(st.text(max_size=80))
def test_line_words_are_the_normalised_line_or_its_tokens_in_order(line):
    from newsdedup.stages.align import _line_words

    words, starts, ends = _line_words(line, 0, "word")
    # the words matching uses (the line normalised whole), else token by token
    assert words in (normalize(line).split(), [w for w, _, _ in per_token(line)])
    assert len(words) == len(starts) == len(ends)
    assert all(0 <= a < b <= len(line) for a, b in zip(starts, ends, strict=True))
    assert starts == sorted(starts)


@given(
    st.lists(st.sampled_from(["Harbour", "said,", "“quote”", "U.S.", "état", "42%"]), max_size=12)
)
def test_line_words_spans_hold_their_words_on_ordinary_text(tokens):
    from newsdedup.stages.align import _line_words

    line = " ".join(tokens)
    assert list(zip(*_line_words(line, 0, "word"), strict=True)) == per_token(line)


def test_rarest_is_the_shingle_found_in_counts():
    config = Config()
    docs = [Document("a", A), Document("b", B), Document("c", f"Again: {QUOTE}.")]
    docs.append(Document("d", "led by the United States, officials said on Monday."))
    rare = shingle_rarity([fingerprint(d, config) for d in docs])
    hashes = fingerprint(Document("x", QUOTE), config).shingles
    fewest, rarest = rare.rarest(hashes, [0, hashes.size])
    assert fewest.tolist() == [3] == [rare.found_in(hashes)]
    (key,) = rarest.tolist()
    assert rare.found_in(np.array([key], hashes.dtype)) == 3


days = st.sampled_from([None, "2025-01-01", "2025-01-02", "2025-03-01", "2025-07-15"])
sentences = st.lists(
    st.sampled_from(["a quiet day in the port", "the minister said", "grain prices rose again"]),
    min_size=1,
    max_size=3,
).map(". ".join)


@given(st.lists(st.tuples(sentences, days), min_size=1, max_size=8))
def test_held_when_lists_the_dates_of_distinct_texts_holding_each_shingle(corpus):
    config = Config()
    fps = [
        fingerprint(Document(f"d{k}", text, published=day), config)
        for k, (text, day) in enumerate(corpus)
    ]
    keys = np.unique(np.concatenate([fp.shingles for fp in fps]))
    holders = held_when(fps, keys, threads=2)
    first = {}
    for fp in fps:  # an exact copy counts once, with the first copy's date
        first.setdefault(fp.digest, fp)
    for k, key in enumerate(keys.tolist()):
        expected = sorted(
            seconds(fp.published)
            for fp in first.values()
            if fp.published and key in set(fp.shingles.tolist())
        )
        got = holders.times[holders.bounds[k] : holders.bounds[k + 1]].tolist()
        assert got == expected
    assert holders.held(keys).tolist() == np.diff(holders.bounds).tolist()
    # how many fall in a span: all of them in an endless one, none in an empty one
    lo, hi = np.full(keys.size, -np.inf), np.full(keys.size, np.inf)
    assert holders.dated(keys, lo, hi).tolist() == holders.held(keys).tolist()
    assert not holders.dated(keys, hi, lo).any()
    absent = np.array([k for k in range(5) if k not in set(keys.tolist())], keys.dtype)
    assert not holders.held(absent).any() and not holders.dated(absent, lo[:5], hi[:5]).any()
