"""Faults: real runs killed at many moments (issue 14).

A run killed with ``kill -9`` at any moment leaves the earlier output whole, or none,
never part of one, and no process behind it; the next run removes what it left (beside
the output and in the temp folder) and writes the same bytes as a run never disturbed.
SIGTERM and Ctrl-C stop a run cleanly: exit 143 or 130, no traceback, nothing left.

Every run is a real ``newsdedup run`` in a process of its own, with a temp folder of its
own (``TMPDIR``) and a tag in its environment that its workers inherit, so what it leaves
and which processes outlive it can be seen.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsdedup.synthetic import generate, write_jsonl

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="kills processes and reads /proc"
)

CLI = [sys.executable, "-c", "import sys; from newsdedup.cli import main; sys.exit(main())"]
STORIES = 600  # about 1,400 articles: every stage runs, a run takes seconds
TIMINGS = "timings.json"  # holds times: its bytes differ from run to run


@dataclass(frozen=True)
class World:
    """The corpus, where runs happen, and what an undisturbed run writes."""

    root: Path
    temp: Path
    tag: str
    reference: dict[str, bytes]
    seconds: dict[int, float]  # how long an undisturbed run takes, by worker count

    @property
    def out(self) -> Path:
        return self.root / "runs" / "out"

    def start(self, workers: int, **popen: object) -> subprocess.Popen[bytes]:
        """Start a run; its stderr goes to ``self.stderr``.

        Not to a pipe: workers that outlive a killed run would hold it open, and reading
        it would never end.
        """
        env = {**os.environ, "TMPDIR": str(self.temp), "NEWSDEDUP_FAULT_TAG": self.tag}
        args = ["run", "corpus.jsonl", "-o", "runs/out", "-q", "--workers", str(workers)]
        with open(self.stderr, "wb") as err:
            return subprocess.Popen(
                [*CLI, *args],
                cwd=self.root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                **popen,  # type: ignore[call-overload]
            )

    @property
    def stderr(self) -> Path:
        return self.root / "stderr.txt"

    def run(self, workers: int = 1) -> float:
        """Run to the end; return how long it took."""
        started = time.monotonic()
        process = self.start(workers)
        assert process.wait(timeout=120) == 0, self.stderr.read_text()
        return time.monotonic() - started


def output(folder: Path) -> dict[str, bytes] | None:
    """Every file of an output folder by its path (timings without their times), or None."""
    if not folder.exists():
        return None
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {
        p.relative_to(folder).as_posix(): b"" if p.name == TIMINGS else p.read_bytes()
        for p in files
    }


def survivors(tag: str) -> list[int]:
    """Processes still running (not zombies) whose environment carries ``tag``."""
    found = []
    needle = f"NEWSDEDUP_FAULT_TAG={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                found += [] if state == "Z" else [int(entry.name)]
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def no_survivors(tag: str, seconds: float = 10.0) -> list[int]:
    """Wait up to ``seconds`` for every process of ``tag`` to exit; return those left."""
    deadline = time.monotonic() + seconds
    while (left := survivors(tag)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # leave nothing running when the test fails
        os.kill(pid, signal.SIGKILL)
    return left


def leftovers(world: World) -> list[str]:
    """What is beside the output, and spill folders in the temp folder."""
    beside = sorted(p.name for p in world.out.parent.iterdir() if p.name != "out")
    spills = sorted(p.name for p in world.temp.iterdir() if p.name.startswith("newsdedup-spill-"))
    return beside + spills


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("faults")
    write_jsonl(generate(STORIES, seed=3, copies=1.0, rewrites=True), root / "corpus.jsonl")
    (root / "runs").mkdir()
    (root / "temp").mkdir()
    world = World(root, root / "temp", uuid.uuid4().hex, {}, {})
    world.seconds[1] = world.run(1)
    found = output(world.out)
    assert found is not None and TIMINGS in found
    world.reference.update(found)
    assert leftovers(world) == []
    return world


def kill_at(world: World, workers: int, delay: float) -> str:
    """Start a run, kill it with SIGKILL after ``delay`` seconds, check what is left.

    Returns what the output folder held then: none, the earlier output, or this run's.
    """
    before = output(world.out)
    folder = world.out.stat().st_ino if before is not None else None
    process = world.start(workers)
    time.sleep(delay)
    process.kill()
    process.wait()
    after = output(world.out)
    assert after is None or after == world.reference, f"partial output, killed at {delay:.2f} s"
    if before is not None:  # an earlier whole output is never lost
        assert after is not None or (world.out.parent / f".out.old-{process.pid}").is_dir()
    assert no_survivors(world.tag) == [], f"processes left, killed at {delay:.2f} s"
    if after is None:
        return f"{workers}w@{delay:.2f}s:none"
    kept = world.out.stat().st_ino == folder
    return f"{workers}w@{delay:.2f}s:{'earlier' if kept else 'written'}"


def test_a_run_killed_at_any_moment_leaves_a_whole_output_or_none(world: World) -> None:
    """kill -9 at 14 moments over a run, by one worker and by two, then runs to the end."""
    one = world.seconds[1]
    shutil.rmtree(world.out)
    seen = [kill_at(world, 1, delay) for delay in (0.05, 0.2, 0.5, 0.3 * one, 0.45 * one)]
    world.seconds[2] = world.run(2)  # the same bytes, whatever the worker count
    assert output(world.out) == world.reference
    assert leftovers(world) == []
    two = world.seconds[2]
    # The first run (measured) is the slowest: 0.95 of it is about the end of the others.
    seen += [kill_at(world, 1, f * one) for f in (0.55, 0.65, 0.75, 0.85, 0.95)]
    seen += [kill_at(world, 2, f * two) for f in (0.4, 0.6, 0.8, 0.95)]
    world.run()
    assert output(world.out) == world.reference
    assert leftovers(world) == []
    print(f"runs take {one:.2f} s (1 worker), {two:.2f} s (2); killed:", *seen)


@pytest.mark.parametrize(
    ("stop", "code", "message", "moments"),
    [
        (signal.SIGTERM, 143, "Terminated (SIGTERM): stopped", ("spilling", "late")),
        (signal.SIGINT, 130, "Interrupted: stopped", ("spilling",)),
    ],
)
def test_sigterm_and_ctrl_c_stop_a_run_cleanly(
    world: World, stop: signal.Signals, code: int, message: str, moments: tuple[str, ...]
) -> None:
    """Stopped while two workers fingerprint (the spill folder is there), or near its end."""
    for moment in moments:
        # Ctrl-C goes to the terminal's whole process group: the workers get it too.
        process = world.start(2, start_new_session=True)
        deadline = time.monotonic() + 60
        if moment == "spilling":
            while not leftovers(world) and time.monotonic() < deadline:
                time.sleep(0.02)
        else:
            time.sleep(0.85 * world.seconds.get(2, 2 * world.seconds[1]))
        os.killpg(process.pid, stop) if stop == signal.SIGINT else process.send_signal(stop)
        process.wait(timeout=60)
        text = world.stderr.read_text()
        if process.returncode == code:
            assert text.strip().splitlines() == [message + "; no partial output was left."]
        else:  # it had finished: exit 0, or killed by the signal as it exited
            assert process.returncode in (0, -stop), text
            assert output(world.out) == world.reference
        assert "Traceback" not in text and "leaked" not in text
        assert output(world.out) in (None, world.reference)
        assert leftovers(world) == []
        assert no_survivors(world.tag) == []
        print(f"{stop.name} {moment}: exit {process.returncode}")
