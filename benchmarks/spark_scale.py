"""The Spark engine against the local engine on one synthetic corpus: one command, one run.

    python benchmarks/spark_scale.py [--n 1000000] [--master 'local[2]'] [--json OUT.json]
        [--keep-corpus] [--snapshot]

Writes ``--n`` synthetic articles as ``benchmarks/throughput.py`` does (its ``write_corpus``),
then runs, each in a child process:

* the local engine: ``newsdedup run CORPUS -o OUT --workers 2``;
* the Spark engine on ``--master``: a small driver script that builds its own session with
  Spark's event log on (``spark.eventLog.enabled``, ``spark.eventLog.dir``), and runs
  ``newsdedup.pipeline.run([CORPUS], OUT, engine=SparkEngine(spark, threads=2))``.

For each: wall time (``throughput.measure``), the peak RSS of the process tree
(``throughput._tree_rss``) and, sampled from ``/proc`` every 0.25 s by name, the peak RSS
(and PSS, which splits the pages forked processes share) of the driver Python process, of
the driver JVM (``java ... SparkSubmit``; in local mode the executors are its threads) and
of the executors' Python workers (``pyspark.daemon`` and the workers it forks), or of the
local engine's worker processes; their CPU seconds; and the stage times of the output
folder's ``timings.json``. From the event log: per newsdedup stage (the driver script labels
every Spark job with the newsdedup task it runs), the Spark stages and tasks, shuffle bytes
read and written, executor run time, bytes of task results sent to the driver, and records
read. Then: are ``clusters.csv`` and ``pairs.csv`` of the two runs byte-identical, and a
table of both runs with the ratio spark / local.

A warm-up run (the local engine on the corpus's first 2,000 articles, not measured) fills
numba's cache for the code measured first. ``--snapshot`` measures the committed HEAD: its
``src/`` unpacked by ``git archive`` and put first on the children's ``PYTHONPATH`` (the
Spark driver script records that its executors import it), not the working tree, which
other people may be editing during the run.

Before each measurement the 1-minute load average is read (``uptime``); above ``--calm``
(1.5) the script waits a minute at a time, up to ``--calm-wait`` seconds (900), and records
the load it measured under. A Spark run longer than ``--spark-timeout`` (1,500 s) is stopped
and recorded as such. Corpora go under ``--tmp`` (default ``/tmp/newsdedup-bench``); the
corpus is deleted at the end unless ``--keep-corpus``.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from throughput import _tree_rss, measure, process_children, write_corpus

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("clusters.csv", "pairs.csv")

# The Spark run's driver: argv = master, corpus, out, event log folder, info JSON, threads.
_DRIVER = r"""
import json, os, sys, time
from importlib import resources
from pyspark.sql import SparkSession
from newsdedup.backends.spark import SparkEngine
from newsdedup.pipeline import run

master, corpus, out, events, info, threads = sys.argv[1:7]
log = resources.files("newsdedup.backends").joinpath("spark-log4j2.properties")
start = time.perf_counter()
spark = (
    SparkSession.builder.appName("newsdedup-spark-scale")
    .master(master)
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log}")
    .config("spark.eventLog.enabled", "true")
    .config("spark.eventLog.dir", "file://" + events)
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
session_s = time.perf_counter() - start


sc = spark.sparkContext
labels = {}  # id of an item drawn -> the newsdedup task it is drawn for
parallelize = sc.parallelize


def labelled(batch, slices=None):
    # Jobs are submitted from the engine's job thread: the description is set there, when
    # the batch is parallelized (it is a thread's property), from its items' label.
    found = [_label_of(item) for item in batch] if isinstance(batch, list) else []
    if found and found[0]:
        sc.setJobDescription(found[0])
    return parallelize(batch, slices)


def _label_of(item):
    # Kept jobs parallelize (number, item) pairs: then the item carries the label.
    found = labels.pop(id(item), None)
    if found is None and isinstance(item, tuple) and len(item) == 2:
        found = labels.pop(id(item[1]), None)
    return found


sc.parallelize = labelled


def _drawn(task, context, items):
    label = task.__name__.strip("_").removesuffix("_task")
    if isinstance(context, tuple) and context and callable(context[0]):
        label += ": " + context[0].__name__
    for item in items:
        labels[id(item)] = label
        yield item


class Labelled(SparkEngine):
    # Every Spark job is labelled with the newsdedup task it runs (and, for a block read by
    # the executor, the job it runs on the block's documents).
    def map_chunks(self, task, context, items, **options):
        return super().map_chunks(task, context, _drawn(task, context, items), **options)

    # The fingerprint pass's jobs (kept on the executors) are labelled alike: without
    # this they took the label of the survey's last job.
    def _kept(self, task, context, items, **options):
        return super()._kept(task, context, _drawn(task, context, items), **options)

    # The global steps' shuffles run from this thread: each labelled with its step, not
    # left under the label of the job before it.
    def _step(self, name, method, *args, **kwargs):
        sc.setJobDescription(name)
        try:
            return getattr(super(), method)(*args, **kwargs)
        finally:
            sc.setJobDescription("driver")

    def lsh(self, *args, **kwargs):
        return self._step("lsh buckets and lead keys", "lsh", *args, **kwargs)

    def leads(self, *args, **kwargs):
        return self._step("lead keys", "leads", *args, **kwargs)

    def rarity(self, *args, **kwargs):
        return self._step("n-gram document frequencies", "rarity", *args, **kwargs)

    def rare_pairs(self, *args, **kwargs):
        return self._step("rare n-gram candidates", "rare_pairs", *args, **kwargs)

    def verify(self, *args, **kwargs):
        return self._step("verify", "verify", *args, **kwargs)

    def shingle_rarity(self, *args, **kwargs):
        return self._step("passage rarity", "shingle_rarity", *args, **kwargs)


def where(_):
    import newsdedup

    yield newsdedup.__file__


sc.setJobDescription("probe")
executor_module = sc.parallelize([0], 1).mapPartitions(where).collect()[0]
sc.setJobDescription("driver")
report = run([corpus], out, engine=Labelled(spark, threads=int(threads)))
run_s = time.perf_counter() - start - session_s
conf = {k: v for k, v in sc.getConf().getAll() if not k.endswith("extraJavaOptions")}
spark.stop()
import newsdedup

usage = os.times()
json.dump(
    {
        "session_s": round(session_s, 2),
        "run_s": round(run_s, 2),
        "driver_cpu_s": round(usage.user + usage.system, 1),
        "driver_module": newsdedup.__file__,
        "driver_pythonpath": os.environ.get("PYTHONPATH"),
        "executor_module": executor_module,
        "spark_conf": conf,
    },
    open(info, "w"),
    indent=1,
)
"""


# ---------------------------------------------------------------- processes, by role


def _descendants(root: int, children: dict[int, list[int]]) -> list[int]:
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _role(pid: int, top: int) -> str | None:
    """``driver``, ``jvm``, ``executors`` or ``workers`` (any other descendant)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
    except OSError:
        return None
    line = b" ".join(argv)
    if pid == top:
        return "driver"
    if b"SparkSubmit" in line and b"java" in argv[0]:
        return "jvm"
    if b"pyspark.daemon" in line or b"pyspark.worker" in line:
        return "executors"
    return "workers"


def _memory(pid: int) -> tuple[int, int, int] | None:
    """RSS, anonymous RSS and PSS of one process, in bytes."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            status = dict(line.split(":", 1) for line in handle if line.startswith("Rss"))
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            pss = next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
    except (OSError, StopIteration, ValueError):
        return None
    rss = sum(int(v.split()[0]) for v in status.values())
    anon = int(status.get("RssAnon", "0 kB").split()[0])
    return rss * 1024, anon * 1024, pss * 1024


def _cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process so far."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RoleSampler:
    """Peaks of memory, by role, of this process's descendants while ``measure`` runs.

    ``measure`` starts one child; the sampler finds it among this process's children and
    sorts it and its descendants by role every ``every`` seconds. For each role it keeps the
    peak of the role's summed RSS, anonymous RSS and PSS, the peak RSS of its largest
    process, the largest number of its processes alive at once, and its CPU seconds (the
    last reading of each process: a process that ends loses at most ``every`` seconds).
    ``tree_rss`` is ``throughput._tree_rss`` of the child.
    """

    def __init__(self, every: float = 0.25, timeout: float | None = None) -> None:
        self.every, self.timeout = every, timeout
        self.peaks: dict[str, dict[str, float]] = {}
        self.cpu: dict[int, tuple[str, float]] = {}
        self.tree_peak = 0
        self.timed_out = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RoleSampler:
        self._start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            children = process_children()
            tops = children.get(me, [])
            if not tops:
                continue
            top = tops[0]
            if self.timeout and time.perf_counter() - self._start > self.timeout:
                self._kill(top, children)
                continue
            self.tree_peak = max(self.tree_peak, _tree_rss(top)[0])
            sums: dict[str, list[float]] = {}
            for pid in [top, *_descendants(top, children)]:
                role = _role(pid, top)
                memory = _memory(pid)
                if role is None or memory is None:
                    continue
                cell = sums.setdefault(role, [0, 0, 0, 0, 0])
                cell[0] += memory[0]
                cell[1] += memory[1]
                cell[2] += memory[2]
                cell[3] = max(cell[3], memory[0])
                cell[4] += 1
                seconds = _cpu(pid)
                if seconds is not None:
                    self.cpu[pid] = (role, seconds)
            for role, (rss, anon, pss, largest, count) in sums.items():
                peak = self.peaks.setdefault(role, {})
                for key, value in (
                    ("rss_mb", rss),
                    ("anon_mb", anon),
                    ("pss_mb", pss),
                    ("largest_rss_mb", largest),
                ):
                    peak[key] = max(peak.get(key, 0), round(value / 2**20, 1))
                peak["processes"] = max(peak.get("processes", 0), count)

    def _kill(self, top: int, children: dict[int, list[int]]) -> None:
        """Stop the run: its processes, by id, deepest first."""
        if not self.timed_out:
            print(f"  over {self.timeout:.0f} s: stopping the run", flush=True)
        self.timed_out = True
        for pid in [*reversed(_descendants(top, children)), top]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def report(self) -> dict[str, Any]:
        roles: dict[str, Any] = {role: dict(peak) for role, peak in self.peaks.items()}
        for role, seconds in self.cpu.values():
            roles.setdefault(role, {})
            roles[role]["cpu_s"] = round(roles[role].get("cpu_s", 0) + seconds, 1)
        return {"roles": roles, "tree_rss_mb_sampled": round(self.tree_peak / 2**20, 1)}


# ---------------------------------------------------------------- Spark's event log


def _accumulated(info: dict[str, Any]) -> dict[str, float]:
    return {
        item["Name"]: float(item["Value"])
        for item in info.get("Accumulables", [])
        if str(item.get("Name", "")).startswith("internal.metrics.")
        and str(item.get("Value", "")).lstrip("-").isdigit()
    }


_METRICS = {
    "shuffle_read_bytes": (
        "internal.metrics.shuffle.read.remoteBytesRead",
        "internal.metrics.shuffle.read.localBytesRead",
    ),
    "shuffle_write_bytes": ("internal.metrics.shuffle.write.bytesWritten",),
    "shuffle_records_written": ("internal.metrics.shuffle.write.recordsWritten",),
    "executor_run_s": ("internal.metrics.executorRunTime",),
    "executor_jvm_cpu_s": ("internal.metrics.executorCpuTime",),
    "result_bytes": ("internal.metrics.resultSize",),
    "input_records": ("internal.metrics.input.recordsRead",),
    "input_bytes": ("internal.metrics.input.bytesRead",),
    "gc_s": ("internal.metrics.jvmGCTime",),
}
_SCALE = {"executor_run_s": 1e-3, "executor_jvm_cpu_s": 1e-9, "gc_s": 1e-3}


def spark_stages(events: Path) -> dict[str, Any]:
    """Per newsdedup stage (a job's description), the sums over its Spark stages."""
    logs = [p for p in events.iterdir() if p.is_file()]
    labels: dict[int, str] = {}
    by_label: dict[str, dict[str, float]] = {}
    for log in logs:
        with log.open() as handle:
            for line in handle:
                event = json.loads(line)
                kind = event.get("Event")
                if kind == "SparkListenerStageSubmitted":
                    info, props = event["Stage Info"], event.get("Properties") or {}
                    label = props.get("spark.job.description") or info["Stage Name"]
                    labels[info["Stage ID"]] = label
                elif kind == "SparkListenerStageCompleted":
                    info = event["Stage Info"]
                    label = labels.get(info["Stage ID"], info["Stage Name"])
                    row = by_label.setdefault(label, {"spark_stages": 0, "tasks": 0})
                    row["spark_stages"] += 1
                    row["tasks"] += info.get("Number of Tasks", 0)
                    wall = (info.get("Completion Time", 0) - info.get("Submission Time", 0)) / 1e3
                    row["stage_wall_s"] = row.get("stage_wall_s", 0) + wall
                    found = _accumulated(info)
                    for key, names in _METRICS.items():
                        value = sum(found.get(name, 0) for name in names)
                        row[key] = row.get(key, 0) + value * _SCALE.get(key, 1)
    for row in by_label.values():
        for key, value in row.items():
            row[key] = round(value, 2) if isinstance(value, float) else value
    return {"event_logs": [p.name for p in logs], "stages": by_label}


# ---------------------------------------------------------------- runs


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def calm(limit: float, patience: float) -> dict[str, Any]:
    """Wait (a minute at a time, up to ``patience`` s) for the 1-minute load to drop."""
    waited = 0
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"  {uptime}", flush=True)
    while _load() > limit and waited < patience:
        time.sleep(60)
        waited += 60
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"  waited {waited} s: {uptime}", flush=True)
    return {"uptime": uptime, "load_1min": _load(), "waited_s": waited, "calm": _load() <= limit}


def _busy() -> float:
    """CPU seconds the whole machine has spent busy (``/proc/stat``, all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _, _, irq, softirq = fields[:7]  # not idle, iowait or steal
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def measured(
    name: str, cmd: Sequence[str], out: Path, args: argparse.Namespace, timeout: float | None
) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    print(f"{name}: {' '.join(cmd)}", flush=True)
    before = calm(args.calm, args.calm_wait)
    busy = _busy()
    with RoleSampler(timeout=timeout) as sampler:
        result: dict[str, Any] = dict(measure(cmd))
    result.update(sampler.report())
    result["load_before"] = before
    result["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    # What else ran: the machine's busy CPU seconds less the run's own (sampled) ones.
    ours = sum(role.get("cpu_s", 0) for role in result["roles"].values())
    result["machine_busy_cpu_s"] = round(_busy() - busy, 1)
    result["others_cpu_s"] = round(result["machine_busy_cpu_s"] - ours, 1)
    if sampler.timed_out:
        result["timed_out_after_s"] = timeout
    timings, manifest = out / "timings.json", out / "manifest.json"
    if timings.exists():
        result["timings"] = json.loads(timings.read_text())
    if manifest.exists():
        result["stats"] = json.loads(manifest.read_text()).get("stats")
    print(f"  {json.dumps(result)}", flush=True)
    return result


def compare(local: Path, spark: Path) -> dict[str, Any]:
    same = {}
    for name in COMPARED:
        a, b = local / name, spark / name
        same[name] = a.exists() and b.exists() and filecmp.cmp(a, b, shallow=False)
    return same


def _git(*args: str) -> str:
    out = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return out.stdout.strip()


# ---------------------------------------------------------------- table


_ROWS: list[tuple[str, str, str]] = [
    # (label, role or "" for the run itself, key)
    ("wall s", "", "seconds"),
    ("  learn_boilerplate s", "timings", "learn_boilerplate"),
    ("  read_and_fingerprint s", "timings", "read_and_fingerprint"),
    ("  match_and_cluster s", "timings", "match_and_cluster"),
    ("  align_passages s", "timings", "align_passages"),
    ("driver Python peak RSS MB", "driver", "rss_mb"),
    ("  of it anonymous MB", "driver", "anon_mb"),
    ("driver JVM peak RSS MB", "jvm", "rss_mb"),
    ("executor / worker Python peak RSS MB (sum)", "executors", "rss_mb"),
    ("  the same, PSS MB", "executors", "pss_mb"),
    ("  largest one process MB", "executors", "largest_rss_mb"),
    ("process tree peak RSS MB", "", "tree_rss_mb"),
    ("driver Python CPU s", "driver", "cpu_s"),
    ("driver JVM CPU s", "jvm", "cpu_s"),
    ("executor / worker Python CPU s", "executors", "cpu_s"),
    ("CPU s of other people's processes meanwhile", "", "others_cpu_s"),
]


def _get(row: dict[str, Any], role: str, key: str) -> Any:
    if not role:
        return row.get(key)
    if role == "timings":
        return row.get("timings", {}).get(key)
    roles = row.get("roles", {})
    if role == "executors" and role not in roles:  # the local engine's worker processes
        role = "workers"
    return roles.get(role, {}).get(key)


def table(report: dict[str, Any]) -> list[tuple[str, Any, Any, Any]]:
    """Rows of (what, local, spark, spark / local)."""
    local, spark = report["local"], report["spark"]
    rows: list[tuple[str, Any, Any, Any]] = []
    for name, role, key in _ROWS:
        a, b = _get(local, role, key), _get(spark, role, key)
        numbers = isinstance(a, int | float) and isinstance(b, int | float) and a
        rows.append((name, a, b, round(b / a, 2) if numbers else None))
    for label, row in report.get("spark_stages", {}).get("stages", {}).items():
        shuffled = f"{row['shuffle_read_bytes']:,.0f} / {row['shuffle_write_bytes']:,.0f}"
        rows += [
            (
                f"spark '{label}': stages / tasks",
                None,
                f"{row['spark_stages']} / {row['tasks']}",
                None,
            ),
            ("  shuffle read / write bytes", None, shuffled, None),
            ("  task results to driver MB", None, round(row["result_bytes"] / 1e6, 1), None),
            ("  executor run time s", None, row["executor_run_s"], None),
        ]
    return rows


def show(rows: list[tuple[str, Any, Any, Any]]) -> None:
    cell = lambda v: "-" if v is None else (f"{v:,}" if isinstance(v, int | float) else str(v))  # noqa: E731
    print(f"{'':46s} {'local':>14s} {'spark':>24s} {'spark/local':>12s}")
    for name, a, b, ratio in rows:
        print(f"{name:46s} {cell(a):>14s} {cell(b):>24s} {cell(ratio):>12s}")


# ---------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic articles")
    parser.add_argument("--master", default="local[2]", help="Spark master")
    parser.add_argument("--workers", type=int, default=2, help="local workers, driver threads")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--keep-corpus", action="store_true", help="keep the corpus file")
    parser.add_argument("--tmp", type=Path, default=Path("/tmp/newsdedup-bench"))
    parser.add_argument("--calm", type=float, default=1.5, help="wait while load is above")
    parser.add_argument("--calm-wait", type=float, default=900, help="wait at most, s")
    parser.add_argument("--spark-timeout", type=float, default=1500, help="stop Spark after, s")
    parser.add_argument("--skip-local", action="store_true", help="the Spark run only")
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="measure the committed HEAD: its src/ unpacked (git archive) under --tmp and put "
        "first on the children's PYTHONPATH, not the working tree's src/",
    )
    args = parser.parse_args(argv)

    import pyspark

    commit = _git("rev-parse", "--short", "HEAD")
    code = "working tree"
    if args.snapshot:
        snap = args.tmp / f"src-{commit}"
        if not (snap / "src").exists():
            snap.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(snap)], input=archive.stdout, check=True)
        path = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = str(snap / "src") + (os.pathsep + path if path else "")
        code = f"snapshot of {commit} in {snap / 'src'}"
    report: dict[str, Any] = {
        "n": args.n,
        "master": args.master,
        "workers": args.workers,
        "commit": commit,
        "code": code,
        "src_uncommitted_in_working_tree": _git("status", "--porcelain", "--", "src"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pyspark": pyspark.__version__,
            "java": subprocess.run(
                ["java", "-version"], capture_output=True, text=True
            ).stderr.splitlines()[0],
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        },
    }
    start = time.perf_counter()
    corpus = write_corpus(args.tmp / f"synthetic-{args.n}.jsonl", args.n)
    size = corpus.stat().st_size
    report["corpus"] = {
        "path": str(corpus),
        "bytes": size,
        "write_s": round(time.perf_counter() - start, 1),
    }
    print(f"corpus: {args.n:,} articles, {size / 1e6:,.0f} MB ({corpus})", flush=True)

    out_local, out_spark = args.tmp / f"out-local-{args.n}", args.tmp / f"out-spark-{args.n}"
    exe = str(Path(sys.executable).with_name("newsdedup"))
    # Warm-up, not measured: numba's cache of the code measured filled (it compiles once).
    warm = args.tmp / "warm-up.jsonl"
    with corpus.open("rb") as source, warm.open("wb") as sink:
        sink.writelines(line for _, line in zip(range(2_000), source, strict=False))
    subprocess.run(
        [exe, "run", str(warm), "-o", str(args.tmp / "out-warm-up"), "--quiet"],
        check=True,
        capture_output=True,
    )
    if not args.skip_local:
        cmd = [exe, "run", str(corpus), "-o", str(out_local), "--workers", str(args.workers)]
        report["local"] = measured("local engine", cmd, out_local, args, None)

    with tempfile.TemporaryDirectory(prefix="newsdedup-spark-events-") as tmp:
        events, info = Path(tmp) / "events", Path(tmp) / "driver.json"
        events.mkdir()
        driver = Path(tmp) / "spark_driver.py"
        driver.write_text(_DRIVER)
        cmd = [sys.executable, str(driver), args.master, str(corpus), str(out_spark),
               str(events), str(info), str(args.workers)]  # fmt: skip
        report["spark"] = measured(f"spark engine, {args.master}", cmd, out_spark, args,
                                   args.spark_timeout)  # fmt: skip
        if info.exists():
            report["spark"]["driver_script"] = json.loads(info.read_text())
        report["spark_stages"] = spark_stages(events)

    if not args.skip_local:
        report["byte_identical"] = compare(out_local, out_spark)
        print(f"byte-identical (local vs spark): {report['byte_identical']}", flush=True)
        report["table"] = [list(row) for row in table(report)]
        show(table(report))
    print(json.dumps(report.get("spark_stages"), indent=1), flush=True)
    if not args.keep_corpus:
        corpus.unlink(missing_ok=True)
        corpus.with_suffix(".done").unlink(missing_ok=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
