"""The SQLite store: arrays and texts kept bit for bit, versions refused, writers kept apart."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.data import Document, Fingerprint, Match
from newsdedup.errors import StoreError
from newsdedup.index.sqlite import APPLICATION_ID, SQLiteStore
from newsdedup.index.store import SCHEMA_VERSION, Entry


def _entry(doc_id: str, shingles: list[int], *, distinct: bool = True) -> Entry:
    fp = Fingerprint(
        doc_id,
        f"digest-{doc_id}",
        np.array(sorted(set(shingles)), dtype=np.uint32),
        42,
        "2024-03-05",
        "Wire",
        np.array([1, 5, 2**32 - 1], dtype=np.uint32),
        "wire",
        np.arange(8, dtype=np.uint32) * 7,
        "",
        bytes(range(16)),
    )
    doc = Document(
        doc_id, f"text of {doc_id} é 漢", "A title", "2024-03-05", "Wire", None, {"k": 1}
    )
    bands = np.array([2**64 - 1, 3], dtype=np.uint64)
    return Entry(fp, doc, distinct, bands, 1.7e9, fp.digest)


def test_a_stored_fingerprint_and_document_come_back_as_they_were(tmp_path: Path) -> None:
    store = SQLiteStore.create(tmp_path / "i.ndx", {"config": {}})
    entry = _entry("a", [3, 1, 2**32 - 1])
    with store.writing():
        store.put([entry], 1)
    back = store.fingerprints(["a"])["a"]
    fp = entry.fingerprint
    assert back == replace(fp, shingles=back.shingles, grams=None, signature=None)
    assert back.shingles.size == 0  # made again from the text when matched
    assert store.documents(["a"])["a"] == entry.document
    assert store.band_neighbours(np.array([2**64 - 1], dtype=np.uint64)) == {"a"}
    assert store.lead_sizes(np.frombuffer(bytes(range(8)), dtype=np.uint64)) == {
        int(np.frombuffer(bytes(range(8)), dtype=np.uint64)[0]): 1
    }
    store.close()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=30), min_size=1, max_size=6))
def test_frequencies_count_each_distinct_document_once(tmp_path_factory, sets) -> None:
    path = tmp_path_factory.mktemp("f") / "i.ndx"
    store = SQLiteStore.create(path, {"config": {}})
    entries = []
    for k, values in enumerate(sets):
        e = _entry(str(k), [1], distinct=k % 3 != 2)
        grams = np.array(sorted(set(values)), dtype=np.uint32)
        entries.append(replace(e, fingerprint=replace(e.fingerprint, grams=grams)))
    with store.writing():
        store.put(entries, 1)
    counted = [set(v) for k, v in enumerate(sets) if k % 3 != 2]
    probe = np.arange(0, 40, dtype=np.uint32)
    probe = np.unique(np.concatenate([probe, *[np.array(v, dtype=np.uint32) for v in sets]]))
    expected = [sum(int(g) in held for held in counted) for g in probe]
    assert store.frequencies(probe).tolist() == expected  # read by one scan
    for g, n in zip(probe.tolist(), expected, strict=True):  # looked up one by one
        assert store.frequencies(np.array([g], dtype=np.uint32)).tolist() == [n]
    store.close()


def test_an_index_of_another_schema_version_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "i.ndx"
    SQLiteStore.create(path, {"config": {}, "newsdedup_version": "0.1.0"}).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(
        StoreError, match=f"schema {SCHEMA_VERSION + 1}.*reads schema {SCHEMA_VERSION}"
    ):
        SQLiteStore.open(path)


@pytest.mark.parametrize("kind", ["other sqlite", "not sqlite", "missing"])
def test_what_is_not_an_index_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "i.ndx"
    if kind == "other sqlite":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE t (x)")
    elif kind == "not sqlite":
        path.write_bytes(b"PK\x03\x04 a zip, not an index" * 40)
    with pytest.raises(StoreError, match=r"not a newsdedup index|no index at"):
        SQLiteStore.open(path)


def test_creating_over_an_existing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "i.ndx"
    path.write_text("precious")
    with pytest.raises(StoreError, match="already exists"):
        SQLiteStore.create(path, {"config": {}})
    assert path.read_text() == "precious"


def test_the_header_marks_the_file_as_an_index(tmp_path: Path) -> None:
    path = tmp_path / "i.ndx"
    SQLiteStore.create(path, {"config": {}}).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = SQLiteStore.create(tmp_path / "i.ndx", {"config": {}})
    with pytest.raises(RuntimeError), store.writing():
        store.put([_entry("a", [1, 2])], 1)
        store.put_matches([Match("a", "b", 0.9, 0.9, "near")])
        raise RuntimeError("stopped")
    assert store.counts() == (0, 0, 0)
    assert store.matches_of(["a"]) == []
    assert store.frequencies(np.array([1, 5], dtype=np.uint32)).tolist() == [0, 0]


def test_counts_read_in_a_failed_write_are_forgotten(tmp_path: Path) -> None:
    store = SQLiteStore.create(tmp_path / "i.ndx", {"config": {}})
    many = np.arange(0, 2**32 - 1, 2**14, dtype=np.uint32)  # every page: read all, and kept
    entry = _entry("a", [1])
    with store.writing():
        store.put([replace(entry, fingerprint=replace(entry.fingerprint, grams=many))], 1)
    assert store.frequencies(many).tolist() == [1] * many.size
    with pytest.raises(RuntimeError), store.writing():
        other = _entry("b", [1])
        store.put([replace(other, fingerprint=replace(other.fingerprint, grams=many))], 2)
        assert store.frequencies(many).tolist() == [2] * many.size
        raise RuntimeError("stopped")
    assert store.frequencies(many).tolist() == [1] * many.size
    store.close()


def test_a_second_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "i.ndx"
    SQLiteStore.create(path, {"config": {}}).close()
    first = SQLiteStore.open(path, timeout=5)
    second = SQLiteStore.open(path, timeout=0.2)
    with first.writing():
        with (
            pytest.raises(StoreError, match="being written by another process"),
            second.writing(),
        ):
            pass
        first.put([_entry("a", [1])], 1)
    with second.writing():  # free again: the second writer goes on
        second.put([_entry("b", [1])], 2)
    assert second.counts() == (2, 2, 2)
    first.close()
    second.close()


def test_a_waiting_writer_goes_on_when_the_first_commits(tmp_path: Path) -> None:
    path = tmp_path / "i.ndx"
    SQLiteStore.create(path, {"config": {}}).close()
    first = SQLiteStore.open(path)
    done = []

    def later() -> None:
        second = SQLiteStore.open(path, timeout=10)
        with second.writing():
            second.put([_entry("b", [1])], 2)
        done.append(second.counts())
        second.close()

    with first.writing():
        first.put([_entry("a", [1])], 1)
        thread = threading.Thread(target=later)
        thread.start()
        time.sleep(0.3)
        assert not done  # still waiting for the lock
    thread.join(10)
    assert done == [(2, 2, 2)]
    first.close()
