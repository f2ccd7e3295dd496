"""Throughput of newsdedup against the Python MinHash peers: one command, one run.

    python benchmarks/throughput.py [--quick] [--part1] [--million] [--workers N] [--json out.json]

Part 1 (alone with ``--part1``), fingerprints per second on one core, one corpus (synthetic
wire articles of about 2.8 KB from ``newsdedup.synthetic.iter_articles``), texts in, 128-value
signatures out, every method doing its own tokenising and shingling (word 3-grams):
newsdedup (its default scheme, one process; the compiled kernels, and the numpy path they
fall back to with ``NEWSDEDUP_JIT=0``), datasketch ``MinHash.update`` per shingle,
datasketch ``MinHash.bulk``, rensa ``RMinHash`` and a plain numpy implementation (xxhash per
shingle, affine permutations modulo a Mersenne prime as one numpy product per document).

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
import xxhash

from newsdedup.synthetic import iter_articles

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NUM_PERM = 128
_MERSENNE = np.uint64((1 << 61) - 1)


# ---------------------------------------------------------------- part 1: fingerprints


def _grams(text: str, size: int = 3) -> list[str]:
    words = text.lower().split()
    return [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]


def _newsdedup(texts: Sequence[str], scheme: str) -> int:
    from newsdedup.backends.local import CHUNK, fingerprint_texts
    from newsdedup.config import Config

    config = Config().replace({"minhash": {"scheme": scheme}})
    done = 0
    for lo in range(0, len(texts), CHUNK):
        done += fingerprint_texts(texts[lo : lo + CHUNK], config).shape[0]
    return done


def _newsdedup_full(texts: Sequence[str]) -> int:
    """Signature plus what matching needs: shingle sets, digest, rewrites' char n-grams."""
    from newsdedup.backends.local import CHUNK, fingerprint_slim
    from newsdedup.config import Config

    config, done = Config(), 0
    for lo in range(0, len(texts), CHUNK):
        slim = [(str(i), t, None, None, None, None) for i, t in enumerate(texts[lo : lo + CHUNK])]
        done += len(fingerprint_slim(slim, config).fingerprints)
    return done


def newsdedup_sigs(texts: Sequence[str]) -> int:
    return _newsdedup(texts, "oph")


def _numpy_path(func: Callable[[Sequence[str]], int]) -> Callable[[Sequence[str]], int]:
    """``func`` with the compiled kernels switched off (``NEWSDEDUP_JIT=0``): the numpy path."""

    def run(texts: Sequence[str]) -> int:
        before = os.environ.get("NEWSDEDUP_JIT")
        os.environ["NEWSDEDUP_JIT"] = "0"
        try:
            return func(texts)
        finally:
            if before is None:
                del os.environ["NEWSDEDUP_JIT"]
            else:
                os.environ["NEWSDEDUP_JIT"] = before

    return run


def newsdedup_affine32_sigs(texts: Sequence[str]) -> int:
    return _newsdedup(texts, "affine32")


def datasketch_update(texts: Sequence[str]) -> int:
    from datasketch import MinHash

    for text in texts:
        m = MinHash(num_perm=NUM_PERM)
        for gram in _grams(text):
            m.update(gram.encode("utf-8"))
        m.digest()
    return len(texts)


def datasketch_bulk(texts: Sequence[str]) -> int:
    from datasketch import MinHash

    sigs = MinHash.bulk([[g.encode("utf-8") for g in _grams(t)] for t in texts], num_perm=NUM_PERM)
    return len(sigs)


def rensa_sigs(texts: Sequence[str]) -> int:
    from rensa import RMinHash

    for text in texts:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(_grams(text))
        m.digest()
    return len(texts)


def numpy_sigs(texts: Sequence[str]) -> int:
    rng = np.random.default_rng(1)
    a = rng.integers(1, 1 << 61, NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 1 << 61, NUM_PERM, dtype=np.uint64)
    digest = xxhash.xxh32_intdigest
    out = np.empty((len(texts), NUM_PERM), dtype=np.uint64)
    for row, text in enumerate(texts):
        h = np.fromiter((digest(g.encode("utf-8")) for g in _grams(text)), dtype=np.uint64)
        out[row] = ((h[:, None] * a + b) % _MERSENNE).min(axis=0)
    return len(texts)


def time_fingerprints(
    texts: Sequence[str], methods: dict[str, tuple[Callable[[Sequence[str]], int], int]]
) -> dict[str, dict[str, float]]:
    """Docs/s of each method on (a prefix of) ``texts``; slow methods get fewer docs."""
    results: dict[str, dict[str, float]] = {}
    for name, (func, limit) in methods.items():
        sample = texts[:limit]
        func(sample[:50])  # warm-up: imports, JIT, permutation tables
        start = time.perf_counter()
        done = func(sample)
        seconds = time.perf_counter() - start
        results[name] = {"docs": done, "seconds": round(seconds, 3), "docs_per_s": done / seconds}
        print(f"  {name:28s} {done / seconds:10,.0f} docs/s  ({done} docs)", flush=True)
    return results


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


def _tree_rss(root: int) -> tuple[int, int]:
    """Resident and anonymous resident bytes of ``root`` and its descendants, from /proc.

    Anonymous memory is the heap; the rest of RSS is file pages mapped in (libraries, and
    the shingle sets ``newsdedup run`` spills to a temporary file), which the kernel can drop.
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
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
    parser.add_argument(
        "--skip-e2e", "--part1", action="store_true", help="part 1 only: fingerprints"
    )
    parser.add_argument(
        "--synthetic-args",
        default="",
        help="extra newsdedup run options for the synthetic corpora, e.g. --no-rewrites",
    )
    args = parser.parse_args(argv)

    n_fp = 2_000 if args.quick else 20_000
    slow = 500 if args.quick else 3_000
    texts = [r["text"] for r in iter_articles(n_fp, seed=3)]
    mean_kb = sum(len(t.encode("utf-8")) for t in texts) / len(texts) / 1000
    report: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "fingerprint_corpus": {"docs": n_fp, "mean_kb": round(mean_kb, 2)},
    }
    print(f"Fingerprints, one core, {n_fp} synthetic articles of {mean_kb:.2f} KB on average")
    methods: dict[str, tuple[Callable[[Sequence[str]], int], int]] = {
        "newsdedup oph": (newsdedup_sigs, n_fp),
        "newsdedup oph, numpy path": (_numpy_path(newsdedup_sigs), n_fp),
        "newsdedup full fingerprint": (_newsdedup_full, n_fp),
        "newsdedup full, numpy path": (_numpy_path(_newsdedup_full), slow * 2),
        "newsdedup affine32": (newsdedup_affine32_sigs, slow * 2),
        "datasketch MinHash.update": (datasketch_update, slow),
        "datasketch MinHash.bulk": (datasketch_bulk, slow),
        "rensa RMinHash": (rensa_sigs, slow * 2),
        "numpy (xxhash + affine)": (numpy_sigs, slow),
    }
    fps = time_fingerprints(texts, methods)
    ours = fps["newsdedup oph"]["docs_per_s"]
    for row in fps.values():
        row["newsdedup_x"] = round(ours / row["docs_per_s"], 2)
    report["fingerprints"] = fps

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
