"""What ``evaluate``, ``thresholds`` and ``explain`` show people: rich tables.

Each function turns one result record into renderables and prints them; the numbers
themselves come from :mod:`newsdedup.evaluate` and :mod:`newsdedup.thresholds`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsdedup.evaluate import ClusterScores, Evaluation, PairScores
    from newsdedup.explain import Explanation
    from newsdedup.thresholds import ThresholdGuidance


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _table(title: str, *columns: str) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for number, name in enumerate(columns):
        table.add_column(name, justify="left" if number == 0 else "right")
    return table


def _cluster_table(scores: ClusterScores) -> Any:
    table = _table(
        f"Against cluster gold ({scores.documents:,} documents)", "metric", "P", "R", "F1"
    )
    table.add_row(
        "pairs",
        f"{scores.pair_precision:.3f}",
        f"{scores.pair_recall:.3f}",
        f"{scores.pair_f1:.3f}",
    )
    table.add_row(
        "B-cubed",
        f"{scores.bcubed_precision:.3f}",
        f"{scores.bcubed_recall:.3f}",
        f"{scores.bcubed_f1:.3f}",
    )
    table.add_row("adjusted Rand index", f"{scores.ari:.3f}", "", "")
    return table


def _pair_tables(scores: PairScores, positive: tuple[str, ...]) -> list[Any]:
    summary = _table(
        f"Against labelled pairs (pool of {scores.documents:,} documents; "
        f"positive: {', '.join(positive)})",
        "metric",
        "value",
    )
    summary.add_row("precision (merged pool pairs that are positive)", f"{scores.precision:.3f}")
    summary.add_row("recall (positive pairs merged)", f"{scores.recall:.3f}")
    summary.add_row("F1", f"{scores.f1:.3f}")
    summary.add_row(
        "positive pairs / merged pool pairs", f"{scores.positives:,} / {scores.predicted:,}"
    )
    confusion = _table(
        "Labelled pairs by label", "label", "pairs", "merged", "not merged", "recall"
    )
    for label, (pairs, merged) in scores.merged_by_label.items():
        share = f"{merged / pairs:.3f}" if pairs else "-"
        name = f"{label} (positive)" if label in positive else label
        confusion.add_row(name, f"{pairs:,}", f"{merged:,}", f"{pairs - merged:,}", share)
    unlabelled = scores.predicted - sum(m for _, m in scores.merged_by_label.values())
    confusion.add_row("(unlabelled pool pairs)", "", f"{unlabelled:,}", "", "")
    return [summary, confusion]


def print_evaluation(evaluation: Evaluation) -> None:
    """Print the scores of a run against gold, with a note on gold ids the run lacks."""
    console = _console()
    console.print(f"Run {evaluation.run_dir} against {evaluation.gold_path} ({evaluation.kind})")
    if evaluation.missing_ids:
        examples = ", ".join(evaluation.missing_examples)
        console.print(
            f"[yellow]{evaluation.missing_ids:,} of {evaluation.gold_ids:,} gold ids are not in "
            f"the run and are left out (e.g. {examples})[/yellow]"
        )
    if evaluation.skipped_pairs:
        console.print(
            f"[yellow]{evaluation.skipped_pairs:,} labelled pairs name such an id and are "
            "left out[/yellow]"
        )
    if evaluation.clusters is not None:
        console.print(_cluster_table(evaluation.clusters))
    if evaluation.pairs is not None:
        for table in _pair_tables(evaluation.pairs, evaluation.positive):
            console.print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def print_guidance(guidance: ThresholdGuidance) -> None:
    """Print the similarity histogram beside the LSH S-curve, with the thresholds marked."""
    console = _console()
    console.print(
        f"Run {guidance.run_dir}: LSH {guidance.bands} bands x {guidance.rows} rows "
        f"(tuned to Jaccard {_fmt(guidance.lsh_threshold)}); LSH finds half of the pairs at "
        f"Jaccard {guidance.half_at:.2f} and 99% at {guidance.most_at:.2f}.\n"
        f"Verify thresholds: Jaccard {_fmt(guidance.verify_threshold)}, containment "
        f"{_fmt(guidance.containment_threshold)}. {guidance.verified_pairs:,} verified copies and "
        f"rewrites, {guidance.exact_pairs:,} exact pairs (not binned)."
    )
    table = _table(
        "Verified pairs per similarity bin",
        "bin",
        "Jaccard",
        "containment",
        "rewrite similarity",
        "P(candidate)",
        "threshold",
    )
    bars = [
        ("rewrite " + k.replace("_", " "), v)
        for k, v in (guidance.rewrite_thresholds or {}).items()
    ]
    for b in guidance.bins:
        marks = [
            name
            for name, value in (
                ("Jaccard", guidance.verify_threshold),
                ("containment", guidance.containment_threshold),
                ("LSH", guidance.lsh_threshold),
                *bars,
            )
            if value is not None and b.low <= value < b.high + (b.high >= 1.0)
        ]
        table.add_row(
            f"{b.low:.2f}-{b.high:.2f}",
            f"{b.jaccard:,}",
            f"{b.containment:,}",
            f"{b.similarity:,}",
            f"{b.candidate_low:.3f}-{b.candidate_high:.3f}",
            ", ".join(marks),
        )
    console.print(table)
    console.print(
        "Rewrite similarity: rewrites whose IDF-weighted character similarity falls in the bin "
        f"({guidance.rewrite_pairs:,} rewrites). "
        "Jaccard, containment: verified pairs whose similarity falls in the bin. Pairs below "
        "both thresholds are rejected, so they are not counted: a low-Jaccard pair was kept "
        "by its containment. P(candidate): the chance that LSH compares a pair of that "
        "Jaccard at all, at the bin's edges."
    )


_MARKS = ("bold black on yellow", "bold black on cyan")


# Control characters other than line breaks and tabs, shown as their Unicode pictures (or
# a replacement character), one for one, so an article cannot move the cursor, clear the
# screen or retitle the terminal, and passage spans still fall where they did.
_CONTROLS = {code: 0x2400 + code for code in range(32) if chr(code) not in "\n\t"}
_CONTROLS |= {0x7F: 0x2421} | {code: 0xFFFD for code in range(0x80, 0xA0)}


def safe(text: str) -> str:
    """``text`` with terminal control characters made visible, one character for one."""
    return text.translate(_CONTROLS)


def _plain(text: str) -> str:
    """``text`` safe to print through rich: no control characters, no markup."""
    from rich.markup import escape

    return escape(safe(text))


def _marked(text: str, spans: list[tuple[int, int]]) -> Any:
    """``text`` as rich Text with each span highlighted and numbered, in turn."""
    from rich.text import Text

    shown = Text(safe(text))
    for number, (start, end) in enumerate(spans, start=1):
        shown.stylize(_MARKS[number % 2], start, end)
    return shown


def _heading(doc_id: str, title: str | None, published: str | None, source: str | None) -> str:
    details = ", ".join(part for part in (source, published) if part)
    heading = f"{doc_id}" + (f" ({details})" if details else "") + (f"\n{title}" if title else "")
    return _plain(heading)


def print_explanation(explanation: Explanation) -> None:
    """Print the pair's decision and scores, then both texts with shared passages marked."""
    from rich.table import Table

    console = _console()
    e = explanation
    verdict = f"verified as {e.kind}" if e.kind else "not a verified pair"
    cluster = "the same cluster" if e.same_cluster else f"clusters {e.cluster_a} and {e.cluster_b}"
    a, b = _plain(e.a.id), _plain(e.b.id)
    cluster = _plain(cluster)
    console.print(f"[bold]{a}[/] and [bold]{b}[/]: {verdict}, in {cluster}.")
    if e.scores:
        console.print(", ".join(f"{k} {v}" for k, v in e.scores.items() if v not in (None, "")))
    words = sum(p.words for p in e.passages)
    console.print(f"{len(e.passages)} shared passages, {words} words.")
    table = Table(show_lines=False, expand=True)
    table.add_column(_heading(e.a.id, e.a.title, e.a.published, e.a.source), ratio=1)
    table.add_column(_heading(e.b.id, e.b.title, e.b.published, e.b.source), ratio=1)
    table.add_row(
        _marked(e.a.text, [(p.a_start, p.a_end) for p in e.passages]),
        _marked(e.b.text, [(p.b_start, p.b_end) for p in e.passages]),
    )
    console.print(table)
