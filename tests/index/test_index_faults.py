"""kill -9 during an add leaves the index as it was before that add, wherever it lands."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsdedup import Index
from newsdedup.synthetic import generate

# Adds the second half of the corpus; SIGKILLs itself just before SQL statement number
# KILL_AT runs (counted by SQLite's trace hook), or never when it is 0.
ADD = """
import json, os, signal, sys
from newsdedup import Document, Index

path, batch, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
docs = [Document(**row) for row in json.load(open(batch))]
index = Index.open(path)
seen = [0]

def trace(statement):
    seen[0] += 1
    if seen[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

index._store._db.set_trace_callback(trace)
index.add(docs)
print(seen[0])
"""


def _state(path: Path) -> str:
    """Everything the index holds, as SQL text (opening it recovers from a kill first)."""
    with Index.open(path) as index:
        index.stats()
    db = sqlite3.connect(path)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


def _add(path: Path, batch: Path, kill_at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ADD, str(path), str(batch), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An index holding half a synthetic corpus, and the other half as a batch file."""
    folder = tmp_path_factory.mktemp("faults")
    docs = sorted(generate(25, seed=5, rewrites=True).documents(), key=lambda d: d.published or "")
    half = len(docs) // 2
    path = folder / "base.ndx"
    with Index.create(path) as index:
        index.add(docs[:half])
    batch = folder / "batch.json"
    fields = ("id", "text", "title", "published", "source", "url")
    batch.write_text(json.dumps([{f: getattr(d, f) for f in fields} for d in docs[half:]]))
    return path, batch


def test_killed_anywhere_in_an_add_the_index_is_as_before(halves, tmp_path: Path) -> None:
    base, batch = halves
    whole = tmp_path / "whole.ndx"
    whole.write_bytes(base.read_bytes())
    done = _add(whole, batch, 0)
    assert done.returncode == 0, done.stderr
    statements = int(done.stdout.split()[-1])
    after = _state(whole)
    before = _state(base)
    assert before != after
    # The first statement, the first writes, the middle, the last before COMMIT, COMMIT.
    points = sorted({1, 3, 6, statements // 3, statements // 2, statements - 1, statements})
    for kill_at in points:
        path = tmp_path / f"killed-{kill_at}.ndx"
        path.write_bytes(base.read_bytes())
        killed = _add(path, batch, kill_at)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        assert _state(path) == before, f"killed before statement {kill_at} of {statements}"
    again = _add(path, batch, 0)  # and the add can be made again, to the same end
    assert again.returncode == 0, again.stderr
    assert _state(path) == after


def test_killed_at_a_random_moment_the_index_is_before_or_after(halves, tmp_path: Path) -> None:
    base, batch = halves
    before = _state(base)
    timed = tmp_path / "timed.ndx"
    timed.write_bytes(base.read_bytes())
    start = time.perf_counter()
    assert _add(timed, batch, 0).returncode == 0
    after, elapsed = _state(timed), time.perf_counter() - start
    for delay in (0.7 * elapsed, 0.85 * elapsed, 0.95 * elapsed):
        path = tmp_path / f"timed-{delay}.ndx"
        path.write_bytes(base.read_bytes())
        process = subprocess.Popen(
            [sys.executable, "-c", ADD, str(path), str(batch), "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(60)
        state = _state(path)
        assert state in (before, after), f"killed after {delay:.2f} s of {elapsed:.2f} s"
