"""The ``newsdedup`` command line: options -> Config -> one library call -> summary.

Only this module talks to people: it turns :class:`~newsdedup.errors.NewsDedupError` into
a one-line message and an exit code (1 bad input, 2 bad usage). Heavy modules are
imported inside the commands so that ``newsdedup --help`` stays instant.
"""

from __future__ import annotations

import functools
import gc
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from newsdedup import __version__
from newsdedup.errors import NewsDedupError

F = TypeVar("F", bound=Callable[..., Any])

# (flag, config section, key, click type, help). A flag left unset keeps the config
# file's value, or the default.
_RUN_OPTIONS: tuple[tuple[str, str, str, Any, str], ...] = (
    (
        "--threshold",
        "verify",
        "threshold",
        click.FloatRange(0, 1, min_open=True),
        "Jaccard at which two texts are near copies; LSH is tuned to it too. [0.5]",
    ),
    (
        "--containment",
        "verify",
        "containment",
        click.FloatRange(0, 1, min_open=True),
        "Share of the shorter text inside the longer that makes a truncated or padded copy. [0.8]",
    ),
    (
        "--min-shingles",
        "verify",
        "min_shingles",
        click.IntRange(1),
        "Shingles the shorter text needs for a containment match. [10]",
    ),
    (
        "--lsh-threshold",
        "lsh",
        "threshold",
        click.FloatRange(0, 1, min_open=True),
        "Similarity at which LSH must reach --recall (default: --threshold).",
    ),
    (
        "--recall",
        "lsh",
        "recall",
        click.FloatRange(0, 1, min_open=True, max_open=True),
        "Candidate probability wanted at the LSH threshold. [0.99]",
    ),
    (
        "--bands",
        "lsh",
        "bands",
        click.IntRange(1),
        "LSH bands (with --rows; default: chosen from threshold and recall).",
    ),
    ("--rows", "lsh", "rows", click.IntRange(1), "LSH rows per band (with --bands)."),
    (
        "--max-bucket",
        "lsh",
        "max_bucket",
        click.IntRange(0),
        "Documents in one LSH bucket beyond which it is chained, not paired all with all; "
        "0: no cap. [2000]",
    ),
    ("--num-perm", "minhash", "num_perm", click.IntRange(8, 1024), "MinHash permutations. [128]"),
    ("--seed", "minhash", "seed", int, "Seed of the MinHash permutations. [1]"),
    ("--shingle-size", "shingle", "size", click.IntRange(1, 16), "Words per shingle. [3]"),
    (
        "--char-shingle-size",
        "shingle",
        "char_size",
        click.IntRange(1, 32),
        "Characters per shingle, for scripts without spaces. [4]",
    ),
    (
        "--unit",
        "shingle",
        "unit",
        click.Choice(["auto", "word", "char"]),
        "Shingle by word, by character, or choose character by character. [auto]",
    ),
    (
        "--keep",
        "choose",
        "policy",
        click.Choice(["earliest", "longest", "source"]),
        "Which copy to keep. [earliest]",
    ),
    (
        "--source-priority",
        "choose",
        "source_priority",
        str,
        "Outlets to prefer, comma-separated, for --keep source.",
    ),
    ("--id-field", "read", "id_field", str, "Input field with the document id. [id]"),
    ("--text-field", "read", "text_field", str, "Input field with the text. [text]"),
    ("--title-field", "read", "title_field", str, "Input field with the headline. [title]"),
    (
        "--date-field",
        "read",
        "date_field",
        str,
        "Input field with the date: ISO 8601, RFC 822, epoch seconds or 'Feb 26, 1987'. [date]",
    ),
    ("--source-field", "read", "source_field", str, "Input field with the outlet. [source]"),
    ("--url-field", "read", "url_field", str, "Input field with the URL. [url]"),
    (
        "--format",
        "read",
        "format",
        click.Choice(["auto", "jsonl", "json", "csv", "tsv", "parquet", "txt"]),
        "Input format. [auto: from the file name; a folder is read as .txt files]",
    ),
    (
        "--delimiter",
        "read",
        "delimiter",
        str,
        "Field delimiter of CSV and TSV inputs, e.g. ';'. [comma; tab for .tsv]",
    ),
    (
        "--auto-ids/--no-auto-ids",
        "read",
        "auto_ids",
        None,
        "Number the records (ids FILE:LINE) instead of reading --id-field. [off]",
    ),
    (
        "--on-error",
        "read",
        "on_error",
        click.Choice(["fail", "skip"]),
        "Stop at a bad record, or skip it and list it in the skipped table. [fail]",
    ),
    (
        "--on-empty",
        "read",
        "on_empty",
        click.Choice(["keep", "skip", "fail"]),
        "What to do with an empty text. [keep]",
    ),
    ("--max-chars", "read", "max_chars", click.IntRange(1), "Longest text accepted. [5000000]"),
    (
        "--rewrites/--no-rewrites",
        "rewrite",
        "enabled",
        None,
        "Also group rewritten versions (shared rare wording), not only copies. [on]",
    ),
    (
        "--rewrite-threshold",
        "rewrite",
        "threshold",
        click.FloatRange(0, 1, min_open=True),
        "IDF-weighted character similarity that makes a rewrite, dates within the window. [0.08]",
    ),
    (
        "--rewrite-undated",
        "rewrite",
        "undated",
        click.FloatRange(0, 1, min_open=True),
        "The same when either date is unknown. [0.12]",
    ),
    (
        "--level",
        "decide",
        "level",
        click.Choice(["copies", "rewrites", "stories"]),
        "How far grouping goes: copies; and rewrites (written from the same copy); and "
        "stories (reports carrying the same source words, decided by a fitted model). "
        "[stories]",
    ),
    (
        "--decision-model",
        "decide",
        "model",
        click.Path(exists=True, dir_okay=False),
        "A story decision model (JSON) refitted with benchmarks/fit_decision.py. [packaged]",
    ),
    (
        "--date-window",
        "rewrite",
        "window_days",
        click.FloatRange(0),
        "Days apart beyond which only copies match, not rewrites. [3]",
    ),
    (
        "--boilerplate/--no-boilerplate",
        "boilerplate",
        "enabled",
        None,
        "Set site furniture aside before comparing (learned per source, and common patterns). [on]",
    ),
    (
        "--boilerplate-min-docs",
        "boilerplate",
        "min_docs",
        click.IntRange(2),
        "Documents of one source a line must recur in to be its furniture. [5]",
    ),
    (
        "--output-format",
        "write",
        "format",
        click.Choice(["csv", "jsonl", "parquet"]),
        "Format of the output tables. [csv]",
    ),
)


def _option_name(flag: str) -> str:
    return flag.split("/")[0].lstrip("-").replace("-", "_")


def run_options(func: F) -> F:
    """Add every config option of ``run`` to a command (an on/off flag has no type)."""
    for flag, _, _, kind, text in reversed(_RUN_OPTIONS):
        typed = {} if kind is None else {"type": kind}
        func = click.option(flag, default=None, help=text, **typed)(func)
    return func


def build_config(config_file: Path | None, options: dict[str, Any]) -> Any:
    """Config from an optional TOML file, overridden by the options that were given."""
    from newsdedup.config import Config

    config = Config.from_toml(config_file) if config_file else Config()
    overrides: dict[str, dict[str, Any]] = {}
    if options.get("threshold") is not None and options.get("lsh_threshold") is None:
        options = {**options, "lsh_threshold": options["threshold"]}
    for flag, section, key, _, _ in _RUN_OPTIONS:
        value = options.get(_option_name(flag))
        if value is None:
            continue
        if key == "source_priority":
            value = [name.strip() for name in value.split(",") if name.strip()]
        overrides.setdefault(section, {})[key] = value
    return config.replace(overrides)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it unwinds a run as Ctrl-C does."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``).

    So ``kill`` (and a supervisor stopping the job) removes the run's temporary files,
    stops its workers and leaves the output as it was, as Ctrl-C does (issue 14). Only the
    main thread may set handlers; elsewhere (a test harness's thread) nothing changes.

    Python raises a signal's exception wherever the main thread is, and when that is a
    callback from C (numba's compiler calls some while it compiles) the exception is
    printed as "ignored" and lost, and the run goes on. :func:`_stop_again` catches such a
    stop and sends the signal again, to land once the callback has returned.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, _terminate)
    hook = sys.unraisablehook
    sys.unraisablehook = _stop_again
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
        sys.unraisablehook = hook


def _stop_again(unraisable: Any) -> None:
    """The ``sys.unraisablehook`` of a run: a lost Ctrl-C or SIGTERM is sent again."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)
        return
    stop = signal.SIGTERM if isinstance(unraisable.exc_value, Terminated) else signal.SIGINT
    threading.Timer(0.01, signal.raise_signal, (stop,)).start()


def friendly_errors(func: F) -> F:
    """Turn library errors into a message on stderr and an exit code; never a traceback.

    Ctrl-C exits with 130 and SIGTERM with 143 (128 + the signal's number, as shells do),
    after the run has cleaned up after itself.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with _sigterm_as_interrupt():
                return func(*args, **kwargs)
        except NewsDedupError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except BrokenExecutor:
            click.secho(_BROKEN, fg="red", err=True)
            sys.exit(1)
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, Terminated)
        # Out of the handler, the interrupted frames are gone, and with them the
        # generators whose cleanup (the spill folder, the workers) their closing runs.
        gc.collect()
        name = "Terminated (SIGTERM)" if terminated else "Interrupted"
        click.secho(f"{name}: stopped; no partial output was left.", fg="red", err=True)
        sys.exit(143 if terminated else 130)

    return wrapper  # type: ignore[return-value]


_BROKEN = (
    "Error: a worker process stopped unexpectedly (was it killed, or out of memory?); "
    "run again, with fewer --workers if memory is short."
)


def _existing_inputs(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Local inputs must exist (``-`` and URLs are checked when they are read)."""
    from newsdedup.io.inputs import needs_staging

    for name in value:
        if not needs_staging(name) and not Path(name).exists():
            raise click.BadParameter(f"Path '{name}' does not exist.", ctx, param)
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="newsdedup")
def main() -> None:
    """Find and group duplicate and near-duplicate articles in news corpora."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, callback=_existing_inputs)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Output folder (created; an earlier run there is replaced).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML config file; options given here override it.",
)
@click.option("--dump-config", is_flag=True, help="Print the resolved config as TOML and exit.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary.")
@click.option("--report", "make_report", is_flag=True, help="Also write OUT/report.html.")
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    help="Processes that fingerprint documents; never changes the result. [number of cores]",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Where the work runs: local processes, or Apache Spark (pip install "
    "'newsdedup[spark]'). Never changes the result.",
)
@click.option(
    "--spark-master",
    metavar="URL",
    default=None,
    help="Spark master for --engine spark: local[2], spark://HOST:7077, yarn... [local[*]]",
)
@run_options
@friendly_errors
def run(
    inputs: tuple[str, ...],
    out: Path,
    config_file: Path | None,
    dump_config: bool,
    quiet: bool,
    make_report: bool = False,
    workers: int | None = None,
    engine: str = "local",
    spark_master: str | None = None,
    **options: Any,
) -> None:
    """Group the duplicates in INPUTS and write the results to OUT.

    INPUTS are JSONL (.jsonl), JSON arrays (.json), CSV or TSV files (each also .gz,
    .bz2, .xz, .zst), Parquet files, folders of .txt files, - for standard input, or URLs
    that fsspec reads (s3://, gs://, https://...). OUT gets clusters, pairs (with the
    shared passages), boilerplate and skipped tables, the cleaned corpus under cleaned/,
    manifest.json and timings.json. Copies and rewritten versions are grouped;
    independent reports of one event are kept apart.
    """
    config = build_config(config_file, options)
    if dump_config:
        click.echo(config.to_toml(), nl=False)
        return
    from newsdedup.pipeline import run as run_pipeline
    from newsdedup.summary import print_summary, progress_display

    if spark_master and engine != "spark":
        raise click.UsageError("--spark-master needs --engine spark.")
    runner = None
    if engine == "spark":
        import logging

        from newsdedup.backends.spark import SparkEngine

        # Py4J logs a failed job's tracebacks on the root logger; the error is said once,
        # below, and Spark's own log says why.
        logging.getLogger().setLevel(logging.CRITICAL)
        runner = SparkEngine(master=spark_master, threads=workers or _cores())
    with progress_display(quiet) as progress:
        report = run_pipeline(
            list(inputs),
            out,
            config,
            progress=progress,
            workers=workers or _cores(),
            engine=runner,
        )
    if not quiet:
        print_summary(report)
    if make_report:
        from newsdedup.report import write_report

        path = write_report(out)
        if not quiet:
            click.echo(f"Report: {path}")


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--stories",
    default=200,
    show_default=True,
    type=click.IntRange(1),
    help="Original stories to write.",
)
@click.option(
    "--copies",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Derived copies per story, on average.",
)
@click.option("--rewrites", is_flag=True, help="Also write heavy rewrites of some stories.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option(
    "--gold",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the true clusters as CSV (id,cluster).",
)
@friendly_errors
def generate(
    out: Path, stories: int, copies: float, rewrites: bool, seed: int, gold: Path | None
) -> None:
    """Write a synthetic corpus of wire stories and their copies to OUT (JSONL).

    Copies are verbatim, truncated, re-headlined or wrapped in site boilerplate; some
    stories are independent reports on the same topic, which must not be merged.
    """
    from newsdedup.synthetic import generate as make_corpus
    from newsdedup.synthetic import write_jsonl

    corpus = make_corpus(stories, seed=seed, copies=copies, rewrites=rewrites)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(corpus, out, gold_path=gold)
    click.echo(
        f"Wrote {len(corpus.docs)} articles to {out}"
        + (f" and their clusters to {gold}" if gold else "")
    )


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "--gold",
    "gold",
    required=True,
    type=click.Path(path_type=Path),
    help="Gold labels, CSV: 'id,cluster' (true groups) or 'a,b,label' (labelled pairs).",
)
@click.option(
    "--positive",
    default=None,
    help="Pair gold: labels meaning 'duplicate', e.g. WD,PD, or a rule on numeric labels, "
    "e.g. '>=1.5'. [labels that read as yes: 1, true, duplicate, WD, PD, ...]",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@friendly_errors
def evaluate(run_dir: Path, gold: Path, positive: str | None, as_json: bool) -> None:
    """Score the grouping of a finished run in RUN_DIR against gold labels.

    Cluster gold gives pair precision/recall/F1, B-cubed precision/recall/F1 and the
    adjusted Rand index over the gold documents. Pair gold gives precision and recall
    over the pool of documents it names (merged pairs not labelled positive count as
    false), and how many pairs of each label were merged.
    """
    import json

    from newsdedup.evaluate import evaluate_run

    result = evaluate_run(run_dir, gold, positive=positive)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, sort_keys=True))
        return
    from newsdedup.display import print_evaluation

    print_evaluation(result)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "--bins",
    default=10,
    show_default=True,
    type=click.IntRange(2, 100),
    help="Equal similarity bins over [0, 1].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the histogram and curve as JSON.")
@friendly_errors
def thresholds(run_dir: Path, bins: int, as_json: bool) -> None:
    """Show how a run's thresholds cut: verified similarities beside the LSH S-curve.

    For each similarity bin: the verified pairs whose Jaccard, and whose containment,
    fall in it, and the probability that LSH, with the run's bands and rows, makes a
    pair of that Jaccard a candidate at all.
    """
    import json

    from newsdedup.thresholds import threshold_guidance

    guidance = threshold_guidance(run_dir, bins=bins)
    if as_json:
        click.echo(json.dumps(guidance.to_dict(), indent=2, sort_keys=True))
        return
    from newsdedup.display import print_guidance

    print_guidance(guidance)


@main.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write. [RUN_DIR/report.html]",
)
@click.option(
    "--max-clusters",
    default=1000,
    show_default=True,
    type=click.IntRange(1),
    help="List at most this many clusters, the largest first.",
)
@friendly_errors
def report(run_dir: Path, out: Path | None, max_clusters: int) -> None:
    """Write an HTML report of the run in RUN_DIR: one file that needs no network.

    It shows a summary, the method, plots, and every cluster (the largest first) with its
    members side by side and their shared passages highlighted. Run it from the folder you
    ran `newsdedup run` in: it re-reads the inputs for the texts.
    """
    from newsdedup.report import write_report

    path = write_report(run_dir, out, max_clusters=max_clusters)
    click.echo(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("doc_a")
@click.argument("doc_b")
@click.option("--json", "as_json", is_flag=True, help="Print scores and passages as JSON.")
@friendly_errors
def explain(run_dir: Path, doc_a: str, doc_b: str, as_json: bool) -> None:
    """Show why DOC_A and DOC_B of the run in RUN_DIR were grouped, or not.

    Prints the pair's match kind and scores, then the two texts side by side with the
    passages they share highlighted. The texts are read again from the run's inputs, so
    run it from the folder you ran `newsdedup run` in.
    """
    from newsdedup.explain import explain as explain_pair

    result = explain_pair(run_dir, doc_a, doc_b)
    if as_json:
        import json

        passages = [[p.a_start, p.a_end, p.b_start, p.b_end, p.words] for p in result.passages]
        data = {
            "doc_a": doc_a,
            "doc_b": doc_b,
            "kind": result.kind,
            "scores": result.scores,
            "same_cluster": result.same_cluster,
            "passages": passages,
        }
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    from newsdedup.display import print_explanation

    print_explanation(result)


@main.group()
def index() -> None:
    """A persistent index that groups each new batch against everything it holds.

    One SQLite file: `create` it, `add` each day's articles (grouped against the index and
    themselves, outputs as `run` writes them with -o), `query` a text without storing it,
    see its `stats`, `compact` it.
    """


@index.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--documents",
    default=125_000,
    show_default=True,
    type=click.IntRange(1),
    help="Documents the index is expected to hold: chooses the n-gram sample as run does.",
)
@click.option(
    "--learn-from",
    multiple=True,
    type=click.Path(exists=True),
    help="Learn each source's furniture from these inputs now (else from the first add).",
)
@run_options
@friendly_errors
def index_create(
    path: Path,
    config_file: Path | None,
    documents: int,
    learn_from: tuple[str, ...],
    **options: Any,
) -> None:
    """Make a new, empty index at PATH with the given settings (frozen in it)."""
    from newsdedup.index import Index

    config = build_config(config_file, options)
    docs = None
    if learn_from:
        from newsdedup.data import Document
        from newsdedup.io.read import read

        docs = [d for d in read(list(learn_from), config.read) if isinstance(d, Document)]
    with Index.create(path, config, documents=documents, furniture_from=docs) as made:
        stats = made.stats()
    click.echo(f"Made {path} (schema {stats.schema}, level {stats.level}).")


@index.command("add")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("inputs", nargs=-1, required=True, callback=_existing_inputs)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the batch's outputs here, as `run` writes them.",
)
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds to wait for another process that is writing the index.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary.")
@friendly_errors
def index_add(
    path: Path, inputs: tuple[str, ...], out: Path | None, timeout: float, quiet: bool
) -> None:
    """Group the documents of INPUTS against the index at PATH and themselves; store them.

    One transaction: if it is stopped, the index stays as it was before.
    """
    from newsdedup.index import Index

    with Index.open(path, timeout=timeout) as opened:
        added = opened.add(list(inputs), out=out)
    if quiet:
        return
    stats = added.result.stats
    click.echo(
        f"Batch {added.batch}: {stats['documents']:,} documents, {stats['kept']:,} kept, "
        f"{stats['grouped']:,} grouped, {stats['skipped']:,} skipped; "
        f"{len(added.moved):,} stored documents moved; "
        f"{sum(added.timings.values()):.2f} s."
    )
    if out is not None:
        click.echo(f"Outputs: {out}")


@index.command("query")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("text", required=False)
@click.option(
    "--file",
    "text_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the text from this file (UTF-8) instead.",
)
@click.option("--date", "published", help="The text's publication date, if known.")
@click.option("--source", help="The text's source, if known.")
@click.option("--json", "as_json", is_flag=True, help="Print the matches as JSON.")
@friendly_errors
def index_query(
    path: Path,
    text: str | None,
    text_file: Path | None,
    published: str | None,
    source: str | None,
    as_json: bool,
) -> None:
    """Say what TEXT (or --file) matches in the index at PATH, with evidence; store nothing."""
    from newsdedup.data import Document
    from newsdedup.index import Index

    if (text is None) == (text_file is None):
        raise click.UsageError("Give a TEXT or --file, one of the two.")
    body = text if text is not None else text_file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    with Index.open(path) as opened:
        found = opened.query(Document("query", body, published=published, source=source))
    rows: list[dict[str, Any]] = [
        {
            "doc": m.b if m.a == "query" else m.a,
            "kind": m.kind,
            "cluster": found.clusters.get(m.b if m.a == "query" else m.a),
            "jaccard": m.jaccard,
            "containment": m.containment,
            "similarity": m.similarity,
            "score": m.score,
            "passages": [[p.a_start, p.a_end, p.b_start, p.b_end, p.words] for p in m.passages],
        }
        for m in found.matches
    ]
    if as_json:
        import json

        click.echo(json.dumps({"cluster": found.cluster, "matches": rows}, indent=2))
        return
    if not rows:
        click.echo("No match: the text is new to the index.")
        return
    click.echo(f"Would join cluster {found.cluster}.")
    for row in rows:
        click.echo(
            f"  {row['doc']}  {row['kind']:<9} jaccard {row['jaccard']:.3f}  "
            f"containment {row['containment']:.3f}  passages {len(row['passages'])}"
        )


@index.command("stats")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@friendly_errors
def index_stats(path: Path, as_json: bool) -> None:
    """Say what the index at PATH holds and the room it takes."""
    from newsdedup.index import Index

    with Index.open(path) as opened:
        stats = opened.stats()
    held = stats.store
    figures = {
        "schema": stats.schema,
        "written_by": stats.written_by,
        "level": stats.level,
        "sample": stats.sample,
        "documents": held.documents,
        "distinct_texts": held.distinct,
        "batches": held.batches,
        "clusters": held.clusters,
        "matches": held.matches,
        "ngrams": held.grams,
        "bytes": held.bytes,
        "text_bytes": held.text_bytes,
        "bytes_per_document_beside_texts": round(stats.bytes_per_document, 1),
    }
    if as_json:
        import json

        click.echo(json.dumps({**figures, "tables": dict(held.tables)}, indent=2))
        return
    for key, value in figures.items():
        click.echo(
            f"{key.replace('_', ' '):<32} {value:,}"
            if isinstance(value, (int, float))
            else f"{key.replace('_', ' '):<32} {value}"
        )


@index.command("compact")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@friendly_errors
def index_compact(path: Path) -> None:
    """Fold the write-ahead log into the index at PATH and give back free space."""
    from newsdedup.index import Index

    with Index.open(path) as opened:
        before = opened.stats().store.bytes
        opened.compact()
        after = opened.stats().store.bytes
    click.echo(f"Compacted {path}: {before:,} -> {after:,} bytes.")


def _cores() -> int:
    """CPU cores this process may use."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
