"""Tests for newsdedup.io.leftovers: what killed runs left, removed only when theirs is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdedup.config import Config
from newsdedup.data import Document
from newsdedup.io.leftovers import alive, remove_dead_siblings, remove_dead_spills

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process ids are asked with kill 0")


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not alive(child.pid)
    return child.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The id of another process, running for the length of the test."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def folder(path: Path, content: str = "x") -> Path:
    path.mkdir()
    (path / "part").write_text(content)
    return path


def test_alive_says_yes_to_running_processes_and_when_unsure(dead_pid: int, live_pid: int) -> None:
    assert alive(os.getpid())
    assert alive(live_pid)
    assert not alive(dead_pid)
    assert alive(0) and alive(-1)  # never a process group


def test_siblings_of_dead_runs_are_removed(tmp_path: Path, dead_pid: int) -> None:
    out = tmp_path / "out"
    folder(out)
    (out / "manifest.json").write_text("{}")
    dead = [folder(tmp_path / f".out.{kind}-{dead_pid}") for kind in ("tmp", "cleaned", "old")]
    assert sorted(remove_dead_siblings(out)) == sorted(dead)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "manifest.json").is_file()


def test_siblings_of_live_runs_and_other_names_are_kept(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    out = tmp_path / "out"
    kept = [
        folder(tmp_path / f".out.tmp-{live_pid}"),  # a run going on beside this one
        folder(tmp_path / f".out.cleaned-{os.getpid()}"),  # this process's own
        folder(tmp_path / f".other.tmp-{dead_pid}"),  # another output's
        folder(tmp_path / f"out.tmp-{dead_pid}"),  # not hidden: not ours
        folder(tmp_path / f".out.tmp-{dead_pid}x"),
        folder(tmp_path / f".out.tmp-{dead_pid}.bak"),
        folder(tmp_path / f".out.spare-{dead_pid}"),
        folder(tmp_path / ".out.tmp-"),
    ]
    (tmp_path / f".out.tmp-{dead_pid}-file").write_text("x")
    plain = tmp_path / f".out.cleaned-{dead_pid}"
    plain.write_text("a file, not our folder")
    link = tmp_path / f".out.old-{dead_pid}"
    link.symlink_to(folder(tmp_path / "elsewhere"))
    assert remove_dead_siblings(out) == []
    assert all(path.exists() for path in [*kept, plain, link, tmp_path / "elsewhere" / "part"])


def test_an_earlier_output_moved_aside_comes_back_when_out_is_missing(
    tmp_path: Path, dead_pid: int
) -> None:
    """Killed between moving the earlier output aside and moving the new one in."""
    out = tmp_path / "out"
    folder(tmp_path / f".out.old-{dead_pid}", "earlier")
    folder(tmp_path / f".out.tmp-{dead_pid}", "new")
    remove_dead_siblings(out)
    assert (out / "part").read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_spill_folders_of_dead_runs_are_removed(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    dead = folder(tmp_path / f"newsdedup-spill-{dead_pid}-ab_c12z9")
    kept = [
        folder(tmp_path / f"newsdedup-spill-{live_pid}-abcdefgh"),
        folder(tmp_path / f"newsdedup-spill-{os.getpid()}-abcdefgh"),
        folder(tmp_path / "newsdedup-spill-abcdefgh"),  # named before ids: whose is unknown
        folder(tmp_path / f"newsdedup-spill-{dead_pid}-abcdefgh-mine"),
        folder(tmp_path / f"newsdedup-spill-{dead_pid}-ABCDEFGH"),
        folder(tmp_path / f"newsdedup-stage-{dead_pid}-abcdefgh"),  # inputs' to remove
        folder(tmp_path / f"pymp-{dead_pid}-abcdefgh"),
    ]
    (tmp_path / f"newsdedup-spill-{dead_pid}-abcdefgi").write_text("a file")
    assert remove_dead_spills(tmp_path) == [dead]
    assert not dead.exists()
    assert all(path.exists() for path in kept)
    assert (tmp_path / f"newsdedup-spill-{dead_pid}-abcdefgi").is_file()


def test_the_temp_folder_is_the_default(
    tmp_path: Path, dead_pid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = folder(tmp_path / f"newsdedup-spill-{dead_pid}-abcdefgh")
    assert remove_dead_spills() == [dead]


def test_a_spilling_run_names_its_folder_after_itself_and_removes_dead_ones(
    tmp_path: Path, dead_pid: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup.backends.local import fingerprint_stream

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = folder(tmp_path / f"newsdedup-spill-{dead_pid}-abcdefgh")
    docs = [Document(f"d{i}", f"story number {i} about the harbour and the rain") for i in range(9)]
    stream = fingerprint_stream(docs, Config(), spill=True)
    next(stream)
    (now,) = [p.name for p in tmp_path.iterdir()]
    assert not dead.exists()
    assert now.startswith(f"newsdedup-spill-{os.getpid()}-")
    assert len(list(stream)) == 8
    assert list(tmp_path.iterdir()) == []


def test_writing_an_output_removes_what_dead_runs_left_beside_it(
    tmp_path: Path, dead_pid: int
) -> None:
    from newsdedup.io.write import atomic_output_dir

    out = tmp_path / "out"
    folder(tmp_path / f".out.tmp-{dead_pid}")
    folder(tmp_path / f".out.cleaned-{dead_pid}")
    with atomic_output_dir(out) as work:
        (work / "manifest.json").write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
