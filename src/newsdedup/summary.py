"""What the CLI shows people: progress while a run works and a summary table at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsdedup.data import UnreadDates
    from newsdedup.pipeline import ProgressHook, RunReport


@contextmanager
def progress_display(quiet: bool) -> Iterator[ProgressHook | None]:
    """Yield a progress hook that draws rich progress on stderr, or ``None`` when quiet."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} docs"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def hook(stage: str, done: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=None)
            bar.update(tasks[stage], completed=done)

        yield hook


def print_summary(report: RunReport) -> None:
    """Print counts, the accounting check and timings of a finished run."""
    import click
    from rich.console import Console
    from rich.table import Table

    stats = report.result.stats
    table = Table(title=f"newsdedup: {report.out}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("documents read", stats["documents"]),
        ("kept (cleaned corpus)", stats["kept"]),
        ("grouped under a kept copy", stats["grouped"]),
        ("  exact copies", stats.get("kind_exact", 0)),
        ("  near copies", stats.get("kind_near", 0)),
        ("  truncated or padded copies", stats.get("kind_contained", 0)),
        ("  rewritten versions", stats.get("kind_rewrite", 0)),
        ("  reports of the same story", stats.get("kind_story", 0)),
        ("clusters with copies", stats["clusters_with_copies"]),
        ("empty texts (kept alone)", stats.get("kind_empty", 0)),
        ("skipped records", stats["skipped"]),
        ("candidates / verified", f"{stats['candidates']:,} / {stats['verified']:,}"),
    ]
    if stats.get("lsh_capped_buckets"):
        rows.append(("LSH buckets chained (over --max-bucket)", stats["lsh_capped_buckets"]))
    if stats.get("lsh_without_shingles"):
        rows.append(("texts with no shingles (exact copies only)", stats["lsh_without_shingles"]))
    for label, value in rows:
        table.add_row(label, f"{value:,}" if isinstance(value, int) else str(value))
    for stage, seconds in report.timings.items():
        table.add_row(f"time: {stage.replace('_', ' ')}", f"{seconds:.2f} s")
    Console().print(table)
    # Plain echo, not rich: the accounting line must not be re-wrapped or styled away.
    click.echo(
        f"Every document accounted for: {stats['documents']:,} read = "
        f"{stats['kept']:,} kept + {stats['grouped']:,} grouped"
        + (
            f" (and {stats['skipped']:,} {'record' if stats['skipped'] == 1 else 'records'}"
            " skipped, listed in skipped)"
            if stats["skipped"]
            else ""
        )
    )
    if report.result.unread_dates is not None:
        click.echo(unread_dates_line(report.result.unread_dates))


def unread_dates_line(dates: UnreadDates) -> str:
    """Say how many dates could not be read, with the first one and where it was."""
    where = f"document {dates.doc_id!r}"
    if dates.origin is not None:
        where = f"{dates.origin.file} line {dates.origin.line}"
    many = f"{dates.count:,} dates" if dates.count != 1 else "1 date"
    those = "those documents count" if dates.count != 1 else "that document counts"
    return (
        f"{many} could not be read, e.g. {dates.example!r} ({where}); {those} as undated "
        "(dates read: ISO 8601, RFC 822, epoch seconds, written ones like 'Feb 26, 1987')."
    )
