"""The incremental index: add 10k new articles to an index of N, query p99, bytes per article.

Builds an index of ``--size`` synthetic wire articles (``newsdedup.synthetic.iter_articles``:
about 2.8 KB each, 10% copies, dates through 2024 in stream order) in adds of ``--build``
articles, then times the add of the next ``--add`` articles (the news of the days after)
and ``--queries`` queries, half of them copies of stored articles, half new texts. Prints
one JSON object; ``--json`` also writes it to a file.

    python benchmarks/index_add.py --size 100000 [--level stories] [--json results.json]

The machine's load average is recorded before and after: on a shared machine the other
jobs' work is in the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np

from newsdedup import Config, Document, Index
from newsdedup.synthetic import iter_articles


def _documents(rows) -> list[Document]:
    return [Document(r["id"], r["text"], r["title"], r["date"], r["source"]) for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="articles in the index")
    parser.add_argument("--add", type=int, default=10_000, help="articles in the timed add")
    parser.add_argument("--build", type=int, default=20_000, help="articles per building add")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--level", default="stories", choices=["copies", "rewrites", "stories"])
    parser.add_argument("--folder", type=Path, default=None, help="where the index is made")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    load_before = os.getloadavg()
    stream = iter_articles(args.size + args.add + args.queries, seed=7)
    config = Config().replace({"decide": {"level": args.level}})
    folder = Path(tempfile.mkdtemp(dir=args.folder))
    path = folder / "bench.ndx"
    index = Index.create(path, config, documents=args.size + args.add)
    build = []
    held = 0
    while held < args.size:
        docs = _documents(islice(stream, min(args.build, args.size - held)))
        start = time.perf_counter()
        index.add(docs)
        build.append(round(time.perf_counter() - start, 2))
        held += len(docs)
        print(f"built {held:,}: {build[-1]} s", file=sys.stderr, flush=True)
    fresh = _documents(islice(stream, args.add))
    start = time.perf_counter()
    added = index.add(fresh)
    add_seconds = time.perf_counter() - start
    stats = index.stats()

    new = _documents(islice(stream, args.queries // 2))
    copies = [
        Document(f"q{k}", doc.text, published=doc.published)
        for k, doc in enumerate(fresh[: args.queries - len(new)])
    ]
    times = []
    for doc in [*copies, *new]:
        start = time.perf_counter()
        index.query(doc)
        times.append(time.perf_counter() - start)
    index.close()
    ms = np.array(times) * 1000
    figures = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "level": args.level,
        "index_size": args.size,
        "added": args.add,
        "add_seconds": round(add_seconds, 2),
        "add_steps": dict(added.timings),
        "build_seconds": build,
        "query_ms_p50": round(float(np.percentile(ms, 50)), 1),
        "query_ms_p99": round(float(np.percentile(ms, 99)), 1),
        "queries": len(times),
        "documents": stats.store.documents,
        "sample": stats.sample,
        "bytes": stats.store.bytes,
        "text_bytes": stats.store.text_bytes,
        "bytes_per_article_beside_texts": round(stats.bytes_per_document),
        "tables": dict(stats.store.tables),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    path.unlink()
    for extra in folder.iterdir():
        extra.unlink()
    folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
