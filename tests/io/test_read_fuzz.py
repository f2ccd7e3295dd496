"""Fuzzing the readers: random bytes, random JSON and random CSV never crash them, and every
record is either read or counted as skipped.

With ``on_error="skip"`` a reader may stop only with :class:`InputError` (a file it cannot
read on from: an unclosed quote, an array that breaks off); otherwise documents plus skips
equal the records the file holds, counted here independently of the reader.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdedup.config import ReadConfig
from newsdedup.data import Document, Skip
from newsdedup.errors import InputError
from newsdedup.io.read import read

SKIP_ALL = ReadConfig(on_error="skip", on_empty="skip", max_chars=200)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values that make records interesting: ids and texts of every type, surrogates, controls.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u2028", "\ufeff", " ", "é" * 250]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
keys = st.sampled_from(["id", "text", "title", "date", "txet", "Text", "body", "x"])
records = st.one_of(st.dictionaries(keys, values, max_size=5), values)


def run_reader(path: Path, cfg: ReadConfig = SKIP_ALL) -> tuple[list[Document], list[Skip]] | None:
    """Documents and skips, or None when the reader stopped with an InputError."""
    try:
        items = list(read([path], cfg))
    except InputError as exc:
        assert str(exc)  # a message, saying what to do
        return None
    docs = [i for i in items if isinstance(i, Document)]
    skips = [i for i in items if isinstance(i, Skip)]
    assert len(docs) + len(skips) == len(items)
    assert len({d.id for d in docs}) == len(docs)
    return docs, skips


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".jsonl", ".json", ".csv", ".tsv"]))
def test_random_bytes_never_crash(tmp_path_factory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    path.write_bytes(data)
    got = run_reader(path)
    if got is not None and suffix == ".jsonl":
        docs, skips = got
        assert len(docs) + len(skips) == sum(1 for line in data.split(b"\n") if line.strip())


@FUZZ
@given(rows=st.lists(records, max_size=8), blank=st.booleans())
def test_random_json_lines_are_all_accounted_for(tmp_path_factory, rows, blank: bool) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    lines = [json.dumps(row, ensure_ascii=True) for row in rows]
    path.write_text(("\n\n" if blank else "\n").join(lines) + "\n", encoding="utf-8")
    got = run_reader(path)
    assert got is not None  # JSONL never stops a run that skips bad records
    docs, skips = got
    assert len(docs) + len(skips) == len(rows)
    for doc in docs:
        doc.text.encode("utf-8")  # what is read can be written
        doc.id.encode("utf-8")


@FUZZ
@given(rows=st.lists(records, max_size=8))
def test_random_json_arrays_are_all_accounted_for(tmp_path_factory, rows) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.json"
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    got = run_reader(path)
    if not rows:
        assert got is not None and got == ([], [])
        return
    assert got is not None
    docs, skips = got
    assert len(docs) + len(skips) == len(rows)


cells = st.one_of(st.text(max_size=12), st.sampled_from(['"', '""', ",", "\n", "\r\n", ";", "\t"]))


@FUZZ
@given(
    header=st.lists(st.sampled_from(["id", "text", "title", "x"]), min_size=1, max_size=4),
    rows=st.lists(st.lists(cells, max_size=5), max_size=8),
    raw=st.booleans(),
    delimiter=st.sampled_from([",", "\t", ";"]),
)
def test_random_csv_is_all_accounted_for(tmp_path_factory, header, rows, raw, delimiter) -> None:
    """Rows written properly, or glued by hand (broken quoting): counted either way."""
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    if raw:
        text = "\n".join(delimiter.join(row) for row in [header, *rows]) + "\n"
    else:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
        text = out.getvalue()
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    cfg = ReadConfig(on_error="skip", on_empty="skip", delimiter=delimiter)
    got = run_reader(path, cfg)
    try:
        expected = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    except csv.Error:
        return  # broken beyond what a reference can count: the reader's error is enough
    if got is None:
        return
    docs, skips = got
    assert len(docs) + len(skips) == max(len(expected) - 1, 0)
