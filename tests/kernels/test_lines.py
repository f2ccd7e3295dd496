"""The line kernel equals the Python line path: XXH64, splitting, normalising, keys."""

import re

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.config import BoilerplateConfig
from newsdedup.stages import boilerplate
from newsdedup.stages.boilerplate import (
    Boilerplate,
    chunk_lines,
    furniture_spans,
    is_furniture,
    keyed_chunk,
    keyed_lines,
    learn,
    split_lines,
    strip,
    strip_chunk,
)

line_kernels = pytest.importorskip("newsdedup.kernels.lines")

# Line breaks of every kind str.splitlines knows, ASCII whitespace that is not a break,
# punctuation, furniture wording, and a little non-ASCII (those texts take the Python path).
PIECES = [
    "\n",
    "\r\n",
    "\r",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\t",
    " ",
    "  ",
    "***",
    "--",
    "Word",
    "the",
    "Follow us on Twitter",
    "Sign up for our newsletter",
    "Photo: Reuters",
    "Share this",
    "Advertisement",
    "read more",
    "© 2024 Planet",
    "All rights reserved.",
    "Comments are closed",
    "café",
    "\u2028",
    "\x85",
    "Zürich",
    "42",
    "\xa0",  # blank for str.strip, not for the kernel's ASCII
    "\u3000",
    "\u2003x",
    "£5",
]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@given(st.binary(max_size=300))
def test_xxh64_equals_the_library(data):
    buf = np.frombuffer(b"ab" + data, dtype=np.uint8)
    assert int(line_kernels.xxh64(buf, 2, 2 + len(data))) == xxhash.xxh64_intdigest(data)


def _python(texts_):
    """Every line of every text by the line-by-line path."""
    return boilerplate._joined_lines(
        [boilerplate._python_lines(i, text) for i, text in enumerate(texts_)]
    )


@settings(max_examples=200)
@given(st.lists(texts, max_size=8))
def test_chunk_lines_equal_the_python_path(chunk):
    got, want = chunk_lines(chunk), _python(chunk)
    for column in ("owner", "starts", "ends", "words", "hashes"):
        assert getattr(got, column).tolist() == getattr(want, column).tolist(), column
    assert [got.normal(i) for i in range(got.owner.size)] == [
        want.normal(i) for i in range(want.owner.size)
    ]
    # ... and the lines are split_lines' lines.
    assert [
        chunk[t][a:b].strip() for t, a, b in zip(got.owner, got.starts, got.ends, strict=True)
    ] == [line for text in chunk for line in split_lines(text)]


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["Planet", "Star", None]), texts), max_size=8))
def test_keyed_chunk_equals_keyed_lines(docs):
    sites = [site for site, _ in docs]
    chunk = [text for _, text in docs]
    keys, bounds = keyed_chunk(chunk, sites)
    for i, (site, text) in enumerate(docs):
        want = set(keyed_lines(site, text)) if site is not None and text else set()
        assert keys[bounds[i] : bounds[i + 1]].tolist() == sorted(want)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.sampled_from(["Planet", "Star", None]), texts), max_size=8),
    st.lists(texts, max_size=6),
    st.booleans(),
)
def test_strip_chunk_equals_strip(docs, teaching, patterns):
    # Learn from the chunk itself and from texts repeated in one source, so some lines
    # are learned furniture, some pattern furniture, some both, some neither.
    taught = [(site, text) for site, text in docs if site] + [("Planet", t) for t in teaching]
    bp = learn(taught * 2, BoilerplateConfig(min_docs=2, patterns=patterns))
    sites = [site for site, _ in docs]
    chunk = [text for _, text in docs]
    seen_one: dict[int, tuple[str, str]] = {}
    seen_all: dict[int, tuple[str, str]] = {}
    want = [strip(text, site, bp, seen_one) for site, text in docs]
    got = strip_chunk(chunk, sites, bp, seen_all)
    assert got == want
    assert [g is t for g, t in zip(got, chunk, strict=True)] == [
        w is t for w, t in zip(want, chunk, strict=True)
    ]
    assert seen_all == seen_one


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.sampled_from(["Planet", "Star", None]), texts), max_size=8),
    st.lists(texts, max_size=6),
    st.booleans(),
)
def test_furniture_spans_are_the_lines_is_furniture_finds(docs, teaching, patterns):
    taught = [(site, text) for site, text in docs if site] + [("Planet", t) for t in teaching]
    bp = learn(taught * 2, BoilerplateConfig(min_docs=2, patterns=patterns))
    got = furniture_spans([text for _, text in docs], [site for site, _ in docs], bp)
    for (site, text), spans in zip(docs, got, strict=True):
        if any(mark in text for mark in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028"):
            assert spans is None  # lines end otherwise than at "\n": looked at one by one
            continue
        want = [
            (line.start(), line.end())
            for line in re.finditer(r"[^\n]+", text)
            if line.group().strip() and is_furniture(line.group(), site, bp)
        ]
        assert spans == want


def test_without_the_kernels_the_python_path_gives_the_same(monkeypatch):
    chunk = ["Story one.\nFollow us on Twitter\n\nBody here.", "Zürich news\r\nShare this"]
    sites = ["Planet", None]
    bp = Boilerplate(patterns=True)
    fast = (strip_chunk(chunk, sites, bp), keyed_chunk(chunk, sites)[0].tolist())
    monkeypatch.setenv("NEWSDEDUP_JIT", "0")
    assert boilerplate._line_kernels() is None
    assert (strip_chunk(chunk, sites, bp), keyed_chunk(chunk, sites)[0].tolist()) == fast
    assert fast[0] == ["Story one.\nBody here.", "Zürich news"]
