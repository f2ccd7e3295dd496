"""The HTML report of a run: one self-contained page a researcher can audit.

``write_report(run_dir)`` reads a folder written by ``newsdedup run`` (its manifest and
tables, and the inputs the manifest names, for the texts) and writes ``report.html``: a
corpus summary, a methods paragraph, plots, a searchable and sortable list of clusters,
and each cluster's members side by side with their shared passages highlighted. The page
needs no network: styles, script and SVG plots are inline.

Modules: :mod:`~newsdedup.report.load` reads, :mod:`~newsdedup.report.spans` finds the
passages to highlight, :mod:`~newsdedup.report.svg` draws, :mod:`~newsdedup.report.page`
renders and escapes.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from newsdedup.errors import ConfigError, OutputError

REPORT_NAME = "report.html"
MAX_CLUSTERS = 1000
MAX_MEMBERS = 50
# Characters of article text embedded at most (the texts of the largest clusters that fit),
# so the page of a huge run stays a few megabytes and opens quickly.
TEXT_BUDGET = 4_000_000


def write_report(
    run_dir: str | Path,
    out: str | Path | None = None,
    *,
    max_clusters: int = MAX_CLUSTERS,
    max_members: int = MAX_MEMBERS,
) -> Path:
    """Write the HTML report of the run in ``run_dir``, atomically; same run, same bytes.

    Args:
        run_dir: A folder written by ``newsdedup run``.
        out: Where to write; default ``run_dir/report.html``.
        max_clusters: List at most this many clusters, the largest first (the page says so).
        max_members: Show at most this many members of one cluster, the most similar first.

    Returns:
        The path written.

    Raises:
        InputError: ``run_dir`` is not a complete run folder.
        ConfigError: ``max_clusters`` or ``max_members`` is out of range.
        OutputError: The report cannot be written.
    """
    from newsdedup.report.load import load_run
    from newsdedup.report.page import render

    if max_clusters < 1 or max_members < 2:
        raise ConfigError(
            f"max_clusters must be at least 1 and max_members at least 2; "
            f"got {max_clusters} and {max_members}"
        )
    run_dir = Path(run_dir)
    target = Path(out) if out is not None else run_dir / REPORT_NAME
    data = load_run(
        run_dir, max_clusters=max_clusters, max_members=max_members, text_budget=TEXT_BUDGET
    )
    _write_atomically(render(data), target)
    return target


def _write_atomically(text: str, path: Path) -> None:
    tmp = path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(text.encode("utf-8"))
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write the report {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
