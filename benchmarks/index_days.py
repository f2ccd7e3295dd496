"""Add a corpus to an index a day at a time and compare its clusters with one batch run.

    python benchmarks/index_days.py reuters [--level stories] [--data ../shared/data]
    python benchmarks/index_days.py synthetic [--level stories] [--first 0.8]

``--first F`` adds the earliest share F of the corpus at once (an archive), then the rest
day by day. Prints how many documents end in another cluster, or with another kind, than
the run gives them, and how many copy pairs differ (the README says why any differ).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from newsdedup import Config, Document, Index, dedup
from newsdedup.config import ReadConfig
from newsdedup.io.read import read
from newsdedup.synthetic import generate


def _corpus(name: str, data: Path) -> list[Document]:
    if name == "synthetic":
        return generate(300, seed=3, rewrites=True).documents()
    path = data / "reuters-21578" / "docs.jsonl"
    if not path.is_file():
        sys.exit(f"no corpus at {path}")
    return [d for d in read([path], ReadConfig()) if isinstance(d, Document)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", choices=["reuters", "synthetic"])
    parser.add_argument("--level", default="stories", choices=["copies", "rewrites", "stories"])
    parser.add_argument("--first", type=float, default=0.0)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    docs = _corpus(args.corpus, args.data)
    config = Config().replace({"decide": {"level": args.level}})
    start = time.perf_counter()
    batch = dedup(docs, config)
    run_seconds = time.perf_counter() - start
    ordered = sorted(docs, key=lambda d: d.published or "")
    head = int(len(ordered) * args.first)
    days: dict[str, list[Document]] = defaultdict(list)
    for doc in ordered[head:]:
        days[(doc.published or "")[:10]].append(doc)
    path = Path(tempfile.mkdtemp()) / "days.ndx"
    start = time.perf_counter()
    with Index.create(path, config, documents=len(docs), furniture_from=docs) as index:
        if head:
            index.add(ordered[:head])
        for day in sorted(days):
            index.add(days[day])
        rows = {r.doc_id: r for r in index.assignments()}
        copies = {(m.a, m.b) for m in index.matches() if m.level == "copy"}
    index_seconds = time.perf_counter() - start
    differ = [
        r.doc_id
        for r in batch.assignments
        if (r.cluster_id, r.kind) != (rows[r.doc_id].cluster_id, rows[r.doc_id].kind)
    ]
    run_copies = {(m.a, m.b) for m in batch.matches if m.kind in ("near", "contained")}
    print(
        json.dumps(
            {
                "corpus": args.corpus,
                "level": args.level,
                "documents": len(docs),
                "adds": len(days) + bool(head),
                "first_share": args.first,
                "documents_differ": len(differ),
                "copy_pairs_differ": len(copies ^ run_copies),
                "run_seconds": round(run_seconds, 1),
                "index_seconds": round(index_seconds, 1),
                "examples": differ[:10],
            },
            indent=2,
        )
    )
    for leftover in path.parent.iterdir():
        leftover.unlink()
    path.parent.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
