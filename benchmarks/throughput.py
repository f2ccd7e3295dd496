"""Throughput of newsdedup against the Python MinHash peers: one command, one run.

    python benchmarks/throughput.py [--quick] [--part1] [--fp-docs N] [--million] [--workers N]
        [--json out.json]

Part 1 (alone with ``--part1``), fingerprints per second, one corpus (synthetic wire articles
of about 2.8 KB from ``newsdedup.synthetic.iter_articles``), texts in, 128-value signatures
out, in chunks of 256 texts. The methods are in ``benchmarks/peers.py``: newsdedup (oph with
its kernels and its numpy path, the full fingerprint, affine32) and the peers (datasketch
``MinHash.update`` and ``.bulk``, rensa ``RMinHash`` and its bulk entry points, plain numpy),
each peer with the fastest word 3-gram shingling it can take, timed apart from its
signatures. Then:

* one core: every method in this process (rensa's rayon pool held to one thread), round
  robin, best of three, by wall time and by CPU time;
* two cores: some methods again on ``multiprocessing.Pool(2)``, and rensa with two rayon
  threads in one process;
* cold start: each method in a fresh interpreter, import and first chunk, with numba's cache
  emptied (``NUMBA_CACHE_DIR`` a new directory: the kernels compile) and then filled.

Part 2, end to end: ``newsdedup run`` as a child process on 100k synthetic articles (1M with
``--million``; 10k with ``--quick``), Reuters-21578 and BBC News: wall time, docs/s, MB/s and
peak RSS (``os.wait4`` of the child: the largest single process; plus the whole process
tree's sampled peak), the 100k -> 1M cost ratio, and a plain single-process datasketch script
(``benchmarks/datasketch_baseline.py``) on the same synthetic corpus.

Corpora are written under ``--tmp`` (default ``/tmp/newsdedup-bench``) and the 1M corpus
(about 2.8 GB) is deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

import peers
from newsdedup.synthetic import iter_articles

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


# ---------------------------------------------------------------- part 1: fingerprints

CHUNK = 256  # texts per call, as newsdedup's workers take them (backends.local.CHUNK)


def _chunks(texts: Sequence[str]) -> list[list[str]]:
    return [list(texts[lo : lo + CHUNK]) for lo in range(0, len(texts), CHUNK)]


def _best(func: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Least wall seconds and least CPU seconds (this process, all threads) of ``repeats``.

    The CPU time of a one-core method barely moves when other jobs take the cores (its
    wall time does); it still grows a little, as they share caches and memory bandwidth.
    """
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return wall, cpu


def time_method(method: peers.Method, texts: Sequence[str], repeats: int) -> dict[str, float]:
    """Docs/s of shingling alone, signatures alone and both (best of ``repeats``), one core.

    ``<part>_docs_per_s`` is by wall time, ``<part>_cpu_docs_per_s`` by CPU time.
    """
    chunks = _chunks(texts)
    method(chunks[0])  # warm-up: imports, JIT or its cache, permutation tables
    n = len(texts)
    row: dict[str, float] = {"docs": n}
    if method.shingler is not None:
        shingle = peers.SHINGLERS[method.shingler]
        made: list[object] = []
        row["shingle_s"], row["shingle_cpu_s"] = _best(
            lambda: made.__setitem__(slice(None), map(shingle, chunks)), repeats
        )
        row["sign_s"], row["sign_cpu_s"] = _best(lambda: [method.sign(m) for m in made], repeats)
        del made
    row["total_s"], row["total_cpu_s"] = _best(lambda: [method(c) for c in chunks], repeats)
    _rates_of(row)
    return row


def _rates_of(row: dict[str, float]) -> None:
    for part in ("shingle", "sign", "total"):
        for kind in ("", "_cpu"):
            if f"{part}{kind}_s" in row:
                row[f"{part}{kind}_s"] = round(row[f"{part}{kind}_s"], 4)
                row[f"{part}{kind}_docs_per_s"] = round(row["docs"] / row[f"{part}{kind}_s"])


_WORKER: dict[str, peers.Method] = {}


def _pool_start(name: str, warm: list[str]) -> None:
    _WORKER["method"] = peers.METHODS[name]
    _WORKER["method"](warm)


def _pool_call(texts: list[str]) -> np.ndarray:
    return _WORKER["method"](texts)


def time_two_processes(
    names: Sequence[str], texts: Sequence[str], repeats: int
) -> dict[str, dict[str, float]]:
    """``multiprocessing.Pool(2)`` over chunks of 256 texts: texts sent, signatures back.

    One pool per method, all started (and warmed) first, then timed round robin.
    """
    import multiprocessing
    from contextlib import ExitStack

    context = multiprocessing.get_context("spawn")  # the parent holds numba's and rayon's threads
    results: dict[str, dict[str, float]] = {}
    with ExitStack() as stack:
        pools = {}
        for name in names:
            chunks = _chunks(texts[: min(peers.METHODS[name].limit or len(texts), len(texts))])
            pool = stack.enter_context(
                context.Pool(2, initializer=_pool_start, initargs=(name, chunks[0]))
            )
            pool.map(_pool_call, chunks[:4], chunksize=1)  # both workers started and warm
            pools[name] = (pool, chunks)
        for _ in range(repeats):
            for name, (pool, chunks) in pools.items():
                start = time.perf_counter()
                pool.map(_pool_call, chunks, chunksize=1)
                seconds = time.perf_counter() - start
                docs = sum(len(c) for c in chunks)
                row = results.setdefault(name, {"docs": docs, "cores": 2, "total_s": seconds})
                row["total_s"] = round(min(row["total_s"], seconds), 3)
                row["total_docs_per_s"] = round(docs / row["total_s"])
    return results


_CHILD = """
import json, sys, time
texts = json.load(open(sys.argv[2]))
start, start_cpu = time.perf_counter(), time.process_time()
sys.path.insert(0, sys.argv[3])
import peers
method = peers.METHODS[sys.argv[1]]
method(texts[:256])
first, first_cpu = time.perf_counter() - start, time.process_time() - start_cpu
again = time.perf_counter()
method(texts[:256])
again = time.perf_counter() - again
warm = float("inf")
for _ in range(3):
    t = time.perf_counter()
    for lo in range(0, len(texts), 256):
        method(texts[lo : lo + 256])
    warm = min(warm, time.perf_counter() - t)
rate = len(texts) / warm
print(json.dumps({"first_call_s": first, "first_call_cpu_s": first_cpu,
                  "same_chunk_warm_s": again, "warm_docs_per_s": rate}))
"""


def run_child(name: str, corpus: Path, env: dict[str, str]) -> dict[str, float]:
    """A fresh interpreter: import and first chunk of 256 texts, then warm docs/s."""
    here = str(Path(__file__).resolve().parent)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, name, str(corpus), here],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed in a fresh process:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_start(name: str, corpus: Path, repeats: int) -> dict[str, float]:
    """First call in a fresh process: numba cache emptied (compile), then cache filled (load)."""
    cold, cached = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            cold.append(run_child(name, corpus, {"NUMBA_CACHE_DIR": cache}))
            cached.append(run_child(name, corpus, {"NUMBA_CACHE_DIR": cache}))
    best = lambda runs, key: min(r[key] for r in runs)  # noqa: E731
    row = {
        "first_call_cold_s": round(best(cold, "first_call_s"), 3),
        "first_call_cached_s": round(best(cached, "first_call_s"), 3),
        "first_call_cold_cpu_s": round(best(cold, "first_call_cpu_s"), 3),
        "first_call_cached_cpu_s": round(best(cached, "first_call_cpu_s"), 3),
        "chunk_warm_s": round(best(cached, "same_chunk_warm_s"), 4),
        "warm_docs_per_s": round(max(r["warm_docs_per_s"] for r in cold + cached)),
    }
    return row


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def part1(args: argparse.Namespace, report: dict[str, object]) -> None:
    n_fp = 2_000 if args.quick else args.fp_docs
    repeats = 1 if args.quick else 3
    texts = [r["text"] for r in iter_articles(n_fp, seed=3)]
    mean_kb = sum(len(t.encode("utf-8")) for t in texts) / len(texts) / 1000
    report["fingerprint_corpus"] = {"docs": n_fp, "mean_kb": round(mean_kb, 2)}
    report["load_before_part1"] = _load()
    print(
        f"Fingerprints, one core, {n_fp} synthetic articles of {mean_kb:.2f} KB on average; "
        f"best of {repeats}; load {_load()}",
        flush=True,
    )
    # Round robin: every method once per round, best of the rounds, so that load from
    # other jobs falls on all methods alike rather than on whichever ran during it.
    fps: dict[str, dict[str, float]] = {}
    for round_ in range(repeats):
        for name, method in peers.METHODS.items():
            cap = 500 if args.quick and method.limit else n_fp
            row = time_method(method, texts[: min(method.limit or n_fp, n_fp, cap)], 1)
            best = fps.setdefault(name, row)
            for key in [k for k in row if k.endswith("_s") and not k.endswith("per_s")]:
                best[key] = min(best[key], row[key])
            _rates_of(best)
        print(f"  round {round_ + 1} of {repeats} done; load {_load()}", flush=True)
    ours = fps["newsdedup oph"]
    print(
        f"  {'docs/s':26s} {'shingles':>10s} {'shingle':>9s} {'sign':>9s} {'total':>9s}"
        f" {'nd is':>6s} {'wall':>9s} {'nd is':>6s}   (CPU time; wall time)"
    )
    for name, row in fps.items():
        method = peers.METHODS[name]
        row.update(cores=1, shingler=method.shingler or "fused", old=method.old)
        row["newsdedup_x"] = round(ours["total_docs_per_s"] / row["total_docs_per_s"], 2)
        row["newsdedup_cpu_x"] = round(
            ours["total_cpu_docs_per_s"] / row["total_cpu_docs_per_s"], 2
        )
        cells = [
            f"{row[k]:9,.0f}" if k in row else f"{'-':>9s}"
            for k in ("shingle_cpu_docs_per_s", "sign_cpu_docs_per_s", "total_cpu_docs_per_s")
        ]
        print(
            f"  {name:26s} {row['shingler']:>10s} {' '.join(cells)} {row['newsdedup_cpu_x']:5.1f}x"
            f" {row['total_docs_per_s']:9,.0f} {row['newsdedup_x']:5.1f}x"
        )
    report["fingerprints"] = fps

    print(
        f"Fingerprints, two processes (multiprocessing.Pool(2), spawn); load {_load()}", flush=True
    )
    report["fingerprints_2_processes"] = two = time_two_processes(peers.TWO_CORES, texts, repeats)
    for name, row in two.items():
        row["newsdedup_x"] = round(
            two["newsdedup oph"]["total_docs_per_s"] / row["total_docs_per_s"], 2
        )
        print(f"  {name:26s} {row['total_docs_per_s']:9,.0f} docs/s {row['newsdedup_x']:6.1f}x")

    with tempfile.TemporaryDirectory(prefix="newsdedup-bench-") as tmp:
        corpus = Path(tmp) / "texts.json"
        corpus.write_text(json.dumps(texts[: min(n_fp, 5_000)]))
        print("rensa in one process, rayon's default threads (RAYON_NUM_THREADS=2)", flush=True)
        rayon: dict[str, dict[str, float]] = {}
        for name in ("rensa flat",):
            runs = [run_child(name, corpus, {"RAYON_NUM_THREADS": "2"}) for _ in range(repeats)]
            rayon[name] = {
                "docs": min(n_fp, 5_000),
                "cores": 2,
                "threads": "rayon 2",
                "total_docs_per_s": round(max(r["warm_docs_per_s"] for r in runs)),
            }
            print(f"  {name:44s} {rayon[name]['total_docs_per_s']:9,.0f} docs/s", flush=True)
        report["fingerprints_rayon_2_threads"] = rayon

        print(
            "Cold start: a fresh interpreter, import + first 256 texts (numba cache empty, "
            "then filled)",
            flush=True,
        )
        cold: dict[str, dict[str, float]] = {}
        for name in peers.COLD:
            try:
                cold[name] = cold_start(name, corpus, repeats)
            except RuntimeError as error:
                print(f"  {error}", flush=True)
                continue
            print(f"  {name:44s} {cold[name]}", flush=True)
        report["cold_start"] = cold


# ---------------------------------------------------------------- part 2: end to end


def write_corpus(path: Path, n: int, seed: int = 7) -> Path:
    """Write ``n`` synthetic articles as JSONL unless the file is already there."""
    done = path.with_suffix(".done")
    if done.exists() and path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in iter_articles(n, seed=seed):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    done.write_text(str(n))
    return path


def process_children() -> dict[int, list[int]]:
    """Every process's children, by parent pid, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    return children


def _tree_rss(root: int) -> tuple[int, int]:
    """Resident and anonymous resident bytes of ``root`` and its descendants, from /proc.

    Anonymous memory is the heap; the rest of RSS is file pages mapped in (libraries, and
    the shingle sets ``newsdedup run`` spills to a temporary file), which the kernel can drop.
    """
    children = process_children()
    total, anon, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle if line.startswith("Rss"))
        except OSError:
            continue
        total += sum(int(v.split()[0]) * 1024 for v in fields.values())
        anon += int(fields.get("RssAnon", "0 kB").split()[0]) * 1024
    return total, anon


def measure(cmd: Sequence[str]) -> dict[str, float]:
    """Run ``cmd``; return wall seconds, peak RSS of the largest process and of the tree."""
    start = time.perf_counter()
    log = open(Path(tempfile.gettempdir()) / "newsdedup-bench-stdout.txt", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, stdout=log)
    peak = [0, 0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            rss, anon = _tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], anon)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(f"  command failed ({proc.returncode}): {' '.join(cmd)}", flush=True)
        return {"failed": proc.returncode, "seconds": wall, "tree_rss_mb": peak[0] / 2**20}
    return {
        "seconds": round(wall, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "tree_rss_mb": round(peak[0] / 2**20, 1),
        "tree_anon_mb": round(peak[1] / 2**20, 1),
        **_stage_times(Path(log.name).read_text()),
    }


def _stage_times(output: str) -> dict[str, float]:
    """Stage timings from ``newsdedup run``'s summary table, when it printed one."""
    found = re.findall(r"time: ([a-z ]+?)\s*│\s*([0-9.]+) s", output)
    return {f"t_{name.strip().replace(' ', '_')}": float(sec) for name, sec in found}


def run_newsdedup(
    corpus: Path, out: Path, workers: int, extra: Sequence[str] = ()
) -> dict[str, float]:
    exe = str(Path(sys.executable).with_name("newsdedup"))
    cmd = [exe, "run", str(corpus), "-o", str(out), "--workers", str(workers), *extra]
    result = measure(cmd)
    return _rates(result, corpus)


def _rates(result: dict[str, float], corpus: Path) -> dict[str, float]:
    if "failed" in result:
        return result
    with corpus.open("rb") as handle:
        docs = sum(1 for line in handle if line.strip())
    size_mb = corpus.stat().st_size / 1e6
    return {
        **result,
        "docs": docs,
        "mb": round(size_mb, 1),
        "docs_per_s": round(docs / result["seconds"]),
        "mb_per_s": round(size_mb / result["seconds"], 1),
    }


def run_baseline(corpus: Path, out: Path) -> dict[str, float]:
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "datasketch_baseline.py"),
        str(corpus),
        str(out),
    ]
    return _rates(measure(cmd), corpus)


# ---------------------------------------------------------------- report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpora, a smoke run")
    parser.add_argument("--million", action="store_true", help="also run 1M articles end to end")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tmp", type=Path, default=Path("/tmp/newsdedup-bench"))
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--fp-docs", type=int, default=20_000, help="texts for part 1")
    parser.add_argument(
        "--skip-e2e", "--part1", action="store_true", help="part 1 only: fingerprints"
    )
    parser.add_argument(
        "--synthetic-args",
        default="",
        help="extra newsdedup run options for the synthetic corpora, e.g. --no-rewrites",
    )
    args = parser.parse_args(argv)

    report: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # before rensa starts its pool: one core
    part1(args, report)

    if not args.skip_e2e:
        report["end_to_end"] = end_to_end(args)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


def end_to_end(args: argparse.Namespace) -> dict[str, object]:
    tmp = args.tmp
    sizes = [10_000] if args.quick else [100_000]
    if args.million:
        sizes.append(1_000_000)
    results: dict[str, object] = {}
    for n in sizes:
        corpus = write_corpus(tmp / f"synthetic-{n}.jsonl", n)
        print(f"newsdedup run, {n:,} synthetic articles, {args.workers} workers", flush=True)
        extra = args.synthetic_args.split()
        results[f"synthetic_{n}"] = run_newsdedup(corpus, tmp / f"out-{n}", args.workers, extra)
        print(f"  {results[f'synthetic_{n}']}", flush=True)
        if n == sizes[0]:
            print("datasketch baseline script on the same corpus", flush=True)
            base = run_baseline(corpus, tmp / f"baseline-{n}.txt")
            results[f"datasketch_script_{n}"] = base
            ours = results[f"synthetic_{n}"]
            base["newsdedup_x"] = round(base["seconds"] / ours["seconds"], 2)  # type: ignore[index]
            print(f"  {base}", flush=True)
        if n == 1_000_000:
            corpus.unlink()
            corpus.with_suffix(".done").unlink()
    if len(sizes) == 2:
        small, big = (results[f"synthetic_{n}"] for n in sizes)
        results["cost_ratio_100k_to_1m"] = round(big["seconds"] / small["seconds"], 2)  # type: ignore[index]
    for name in ("reuters-21578", "bbc-news"):
        corpus = DATA / name / "docs.jsonl"
        if corpus.exists():
            print(f"newsdedup run, {name}", flush=True)
            results[name] = run_newsdedup(corpus, tmp / f"out-{name}", args.workers)
            print(f"  {results[name]}", flush=True)
    return results


if __name__ == "__main__":
    main()
