from itertools import combinations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup import Config, Document, dedup
from newsdedup.stages.leads import WINDOWS, WORDS, entry_pairs, lead_entries, lead_keys, lead_pairs


def words(n, start=0):
    return " ".join(f"w{i}" for i in range(start, start + n))


def keys_of(text):
    raw = lead_keys(text)
    return [raw[k : k + 8] for k in range(0, len(raw), 8)]


def test_lead_keys_are_the_first_windows_of_normalised_words():
    assert lead_keys(words(7)) == b""
    assert len(keys_of(words(8))) == 1
    assert len(keys_of(words(WINDOWS * WORDS + 50))) == WINDOWS
    # case, punctuation and spacing do not change a key; a changed word does
    assert lead_keys("The Cat, sat on the mat today; at noon!") == lead_keys(
        "the cat sat   on the MAT today at noon"
    )
    assert lead_keys(words(8)) != lead_keys(words(8, start=1))
    # the window's place is part of its key
    assert keys_of(words(16))[1] != keys_of(words(8, start=8))[0]


@given(
    st.lists(st.lists(st.integers(0, 6), max_size=3), max_size=12),
    st.integers(2, 5),
)
def test_lead_pairs_equal_every_pair_sharing_a_key_of_a_small_bucket(keys, cap):
    holders: dict[int, set[int]] = {}
    for doc, ks in enumerate(keys):
        for key in ks:
            holders.setdefault(key, set()).add(doc)
    want = {
        pair
        for docs in holders.values()
        if 2 <= len(docs) <= cap
        for pair in combinations(sorted(docs), 2)
    }
    got = lead_pairs([np.array(k, dtype=np.uint64).tobytes() for k in keys], cap=cap)
    assert got.dtype == np.int64 and got.shape[1] == 2
    assert [tuple(p) for p in got.tolist()] == sorted(want)


def test_a_copy_cut_to_a_fifth_is_found_a_month_later():
    body = " ".join(f"sentence{i} about the harbour works and the city budget." for i in range(60))
    cut = " ".join(body.split()[: len(body.split()) // 5])
    docs = [
        Document("full", body, published="2024-01-01"),
        Document("cut", cut, published="2024-02-01"),
        Document("other", words(120), published="2024-01-15"),
    ]
    result = dedup(docs, Config().replace({"decide": {"level": "copies"}}))
    rows = {row.doc_id: row for row in result.assignments}
    assert rows["cut"].cluster_id == "full"
    assert rows["cut"].kind == "contained"
    assert result.stats["candidates_lead"] >= 1


@given(
    st.lists(st.lists(st.integers(0, 6), max_size=3), max_size=40),
    st.integers(2, 5),
    st.integers(1, 9),
    st.integers(1, 4),
)
def test_lead_entries_gathered_anywhere_give_the_pairs_of_lead_pairs(keys, cap, chunk, parts):
    raw = [np.array(k, dtype=np.uint64).tobytes() for k in keys]
    pieces = [
        lead_entries(raw[lo : lo + chunk], np.arange(lo, min(lo + chunk, len(raw))))
        for lo in range(0, len(raw), chunk)
    ]
    flat = np.concatenate([np.zeros(0, np.uint64), *(f for f, _ in pieces)])
    owner = np.concatenate([np.zeros(0, np.int64), *(o for _, o in pieces)])
    where = (flat % np.uint64(parts)).astype(np.int64)
    found = [entry_pairs(flat[where == p], owner[where == p], cap) for p in range(parts)]
    pairs = np.unique(np.concatenate([np.zeros((0, 2), np.int64), *found]), axis=0)
    assert pairs.tolist() == lead_pairs(raw, cap=cap).tolist()
