"""The README's examples of the incremental index run, and print what it says they print."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Incremental index\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def test_the_python_example_prints_what_the_readme_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (code,) = _blocks("python")
    expected = [line.strip()[2:] for line in code.splitlines() if line.strip().startswith("# ")]
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    assert printed.getvalue().splitlines() == expected


def test_the_command_line_example_runs(tmp_path: Path) -> None:
    (script,) = _blocks("bash")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Would join cluster" in done.stdout
    assert (tmp_path / "demo" / "tuesday" / "clusters.csv").is_file()
    rows = (tmp_path / "demo" / "tuesday" / "clusters.csv").read_text().splitlines()
    assert len(rows) - 1 == len((tmp_path / "demo" / "tuesday.jsonl").read_text().splitlines())
