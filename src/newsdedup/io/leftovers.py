"""Leftovers: what runs that were killed left behind, found and removed by a later run.

A run names every temporary folder it makes after its process id: beside the output folder
``.<out>.tmp-<pid>``, ``.<out>.cleaned-<pid>`` and ``.<out>.old-<pid>``
(:mod:`newsdedup.io.write`), in the temp folder ``newsdedup-spill-<pid>-<8 chars>``
(:mod:`newsdedup.backends.local`; staging folders for standard input and URLs are seen to
by :func:`newsdedup.io.inputs.remove_dead_stages`). A run that is stopped (Ctrl-C, SIGTERM,
an error) removes its own on the way out; one that is killed (``kill -9``, the
out-of-memory killer, a power cut) cannot, and a million documents leave gigabytes. So
each run removes those of runs whose process is gone (issue 14). Only names of exactly
these shapes are touched, and never one whose process is alive, so a run going on beside
this one keeps its files.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

from newsdedup.backends.spill import SPILL_PREFIX

_SIBLING_KINDS = ("tmp", "cleaned", "old")
_SPILL = re.compile(re.escape(SPILL_PREFIX) + r"([0-9]+)-[a-z0-9_]{8}")  # tempfile's names


def alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running (when in doubt, it is).

    A process of another user counts as alive; so does every process where liveness
    cannot be asked without side effects (Windows, where ``os.kill`` with 0 would send
    Ctrl-C to it): their files are kept.
    """
    if pid <= 0 or os.name != "posix":
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, and is someone else's
        return True
    return True


def remove_dead_siblings(out: Path) -> list[Path]:
    """Remove the temporary folders beside ``out`` that killed runs left; return them.

    An earlier output that a killed run had moved aside (``.<out>.old-<pid>``) while
    ``out`` itself is missing is moved back to ``out`` rather than removed.
    """
    pattern = re.compile(
        re.escape(f".{out.name}.") + "(" + "|".join(_SIBLING_KINDS) + r")-([0-9]+)"
    )
    removed = []
    for path in _entries(out.parent):
        found = pattern.fullmatch(path.name)
        if found is None or alive(int(found.group(2))) or not _plain_folder(path):
            continue
        if found.group(1) == "old" and not out.exists():
            with suppress(OSError):
                os.rename(path, out)
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def remove_dead_spills(folder: Path | None = None) -> list[Path]:
    """Remove the spill folders that killed runs left in the temp folder.

    Args:
        folder: Where to look; default the temp folder (``TMPDIR``).

    Returns:
        The folders removed.
    """
    where = Path(tempfile.gettempdir()) if folder is None else folder
    removed = []
    for path in _entries(where):
        found = _SPILL.fullmatch(path.name)
        if found is None or alive(int(found.group(1))) or not _plain_folder(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _entries(folder: Path) -> list[Path]:
    """What ``folder`` holds, or nothing when it cannot be listed (looking never fails a run)."""
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _plain_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()
