"""Evidence fast paths equal their references; the worker count never changes the passages."""

import json
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.backends import local
from newsdedup.config import BoilerplateConfig, Config, ShingleConfig
from newsdedup.data import Document
from newsdedup.pipeline import run
from newsdedup.stages import evidence
from newsdedup.stages.align import (
    _MAX_POSITIONS,
    _runs,
    shared_passages,
    shingle_rarity,
    units,
    units_by_line,
)
from newsdedup.stages.boilerplate import Boilerplate, is_furniture, learn
from newsdedup.stages.fingerprint import fingerprint
from newsdedup.synthetic import iter_articles

CFG = ShingleConfig()
SITE = "daily.example"
FURNITURE_LINE = "Sign up for the Daily Example newsletter, every morning"
GALLERY = "Morning briefing: from the harbour desk"
LEARNED = learn([(SITE, f"{GALLERY}\nStory {n}.") for n in "ab"], BoilerplateConfig(min_docs=2))

# Characters that stress the plain path's table: ASCII, punctuation that normalises to a
# space (curly quotes, dashes, ©, no-break and thin spaces, the ellipsis), and characters
# that must send a text down the reference path (a soft hyphen joins words, a combining
# accent or a ligature changes them, ℃ and ½ decompose into letters and digits, ¨ into a
# space and a combining mark, CJK is cut into characters, İ and ß change length when folded).
ODD = "“”‘’–—©\u00a0\u2009…\u00ad\u0301ﬁ℃½¨中文İß\u2028\r\t"
alphabet = st.sampled_from(list("abcXYZ019 .,;:!?'\"-()/@\n") + list(ODD))
words = st.sampled_from(["alpha", "Beta", "gamma", "U.S.", "état", "it’s", "said,", "—"])
lines = st.one_of(
    st.text(alphabet, max_size=30),
    st.lists(words, min_size=1, max_size=12).map(" ".join),
    st.sampled_from([FURNITURE_LINE, "Share this", GALLERY, f" {GALLERY.upper()}!"]),
)
texts = st.lists(lines, max_size=8).map("\n".join)
furnitures = st.sampled_from([Boilerplate(patterns=False), Boilerplate(), LEARNED])


def _same_units(left, right):
    assert left.unit == right.unit
    assert np.array_equal(left.starts, right.starts)
    assert np.array_equal(left.ends, right.ends)
    assert np.array_equal(left.hashes, right.hashes) and left.hashes.dtype == right.hashes.dtype


def test_the_learned_line_is_furniture_of_its_site_only():
    assert is_furniture(GALLERY, SITE, LEARNED) and not is_furniture(GALLERY, None, LEARNED)


@settings(max_examples=300)
@given(texts, furnitures, st.sampled_from([SITE, None]))
def test_units_equal_the_line_by_line_reference(text, furniture, site):
    _same_units(units(text, CFG, site, furniture), units_by_line(text, CFG, site, furniture))


@given(texts)
def test_units_equal_the_reference_for_every_unit_setting(text):
    for cfg in (ShingleConfig(unit="word"), ShingleConfig(unit="char"), ShingleConfig(size=1)):
        _same_units(
            units(text, cfg, None, Boilerplate()), units_by_line(text, cfg, None, Boilerplate())
        )


def test_plain_text_takes_the_table_and_keeps_offsets_into_the_original():
    text = "“Rates rose,” he said — again.\nSign up for our newsletter today\n© Daily"
    cut = units(text, CFG, None, Boilerplate())
    shown = [text[s:e] for s, e in zip(cut.starts, cut.ends, strict=True)]
    assert shown == ["Rates", "rose", "he", "said", "again", "Daily"]
    _same_units(cut, units_by_line(text, CFG, None, Boilerplate()))


def runs_reference(a, b):
    """The diagonal runs, one position at a time (the implementation the numpy one replaced)."""
    where = defaultdict(list)
    for j, h in enumerate(b.tolist()):
        where[h].append(j)
    runs, open_runs = [], {}
    for i, h in enumerate(a.tolist()):
        positions = where.get(h, ())
        following = {}
        if len(positions) <= _MAX_POSITIONS:
            for j in positions:
                following[j] = open_runs.get(j - 1, (i, j))
        for j, (a0, b0) in open_runs.items():
            if j + 1 not in following:
                runs.append((i - a0, a0, b0))
        open_runs = following
    runs.extend((len(a) - a0, a0, b0) for a0, b0 in open_runs.values())
    return sorted(runs)


# Few distinct values, so that some repeat about _MAX_POSITIONS times and runs cross.
hash_arrays = st.lists(st.integers(0, 3), max_size=40).map(lambda v: np.array(v, np.uint32))


@settings(max_examples=300)
@given(hash_arrays, hash_arrays)
def test_runs_equal_the_reference(a, b):
    lengths, a_starts, b_starts = _runs(a, b)
    found = sorted(zip(lengths.tolist(), a_starts.tolist(), b_starts.tolist(), strict=True))
    assert found == runs_reference(a, b)


@pytest.mark.parametrize("repeats", [_MAX_POSITIONS, _MAX_POSITIONS + 1])
def test_runs_leave_out_hashes_repeated_too_often(repeats):
    a = np.array([5, 1, 2, 3], np.uint32)
    b = np.array([1] * (repeats - 1) + [5, 1, 2, 3], np.uint32)  # 1 is in b ``repeats`` times
    found = sorted(zip(*(x.tolist() for x in _runs(a, b)), strict=True))
    assert found == runs_reference(a, b)
    assert (4 if repeats == _MAX_POSITIONS else 1, 0, repeats - 1) in found


def _fingerprints(rows):
    config = Config()
    return [fingerprint(Document(r["id"], r["text"]), config) for r in rows]


def test_counting_only_some_shingles_gives_their_full_counts():
    fps = _fingerprints(list(iter_articles(80, seed=3)))
    fps.append(fps[0])  # an exact copy is counted once
    everything = shingle_rarity(fps)
    keys = np.concatenate([fps[1].shingles[:50], fps[7].shingles, np.array([7, 7], np.uint32)])
    some = shingle_rarity(fps, keys)
    threaded = shingle_rarity(fps, keys, threads=2)
    assert np.array_equal(threaded.counts.counts, some.counts.counts)
    for key in np.unique(keys).tolist():
        probe = np.array([key], np.uint32)
        assert some.found_in(probe) == everything.found_in(probe)
    reference_keys, reference_df = np.unique(
        np.concatenate([fp.shingles for fp in fps[:-1]]), return_counts=True
    )
    where = np.searchsorted(reference_keys, keys)
    assert (reference_df[where] == everything.counts.counts[everything.counts.find(keys)]).all()


def _pairs_and_texts(rows, n_pairs):
    ids = [r["id"] for r in rows]
    texts = {r["id"]: (r["text"], None) for r in rows}
    rng = np.random.default_rng(0)
    pairs = sorted(
        {tuple(sorted(rng.choice(ids, 2, replace=False).tolist())) for _ in range(n_pairs)}
    )
    return pairs, texts


def test_batched_passages_equal_pair_by_pair(monkeypatch):
    monkeypatch.setattr(evidence, "CHUNK", 7)
    rows = list(iter_articles(120, seed=9))
    for r in rows[40:80]:  # copies with edits, so pairs share long passages
        r["text"] = rows[int(r["id"][-2:]) % 40]["text"].replace(" the ", " a ", 2)
    fps = _fingerprints(rows)
    pairs, texts = _pairs_and_texts(rows, 60)
    pairs += [(rows[i]["id"], rows[i + 40]["id"]) for i in range(40)]
    batched = evidence.passages(pairs, texts, fps, CFG, Boilerplate())
    rare = shingle_rarity(fps)
    assert any(batched)
    for (a, b), found in zip(pairs, batched, strict=True):
        assert found == shared_passages(texts[a][0], texts[b][0], rare, CFG, Boilerplate())


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "timings.json"
    }


def test_two_workers_write_the_same_pairs_table_as_one(tmp_path, monkeypatch):
    monkeypatch.setattr(evidence, "CHUNK", 5)
    monkeypatch.setattr(local, "_POOL_LEAST", 0)  # align over the pool however few pairs
    rows = list(iter_articles(400, seed=11))
    rows[7]["text"] = "“" + rows[8]["text"].replace(" ", "\u00a0", 3) + "” ©"
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    one = run([corpus], tmp_path / "one", workers=1)
    run([corpus], tmp_path / "two", workers=2)
    assert sum(bool(m.passages) for m in one.result.matches) >= 10
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
