"""Quality of newsdedup's default configuration against the usual MinHash settings.

One command, one run, one scorer (``newsdedup.evaluate``) for every method:

    python benchmarks/quality.py [--data ../shared/data] [--json results.json]

Tasks, on the labelled corpora in ``../shared/data``:
  (a) OneStopEnglish pooled with the 2,225 BBC articles as distractors: ARI and pair
      P/R/F1 over the OneStopEnglish texts, and BBC articles merged with one of them;
  (b) COUNTER pooled: pair P/R/F1 of the derived pairs (WD and PD positive; ND and every
      other pair negative), and the share of each label merged;
  (c) seeds: are exactly the two inauguration pieces grouped, the other three apart;
  (d) CNRec: same-event, independently written pairs (label >= 1.5) merged (want 0);
  (e) wall time of each run.

Peers: datasketch MinHashLSH with web defaults (word 5-grams, 128 permutations,
threshold 0.8), the text-dedup news setting (word 2-grams, 256 permutations, threshold
0.45) on datasketch, and rensa's R-MinHash with its LSH (word 5-grams, threshold 0.8);
each groups documents by connected components of the LSH candidate graph, as those
tools do.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from newsdedup import Config, Document, dedup
from newsdedup.evaluate import score_clusters, score_pairs

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_NON_WORD = re.compile(r"\W+", re.UNICODE)

Grouper = Callable[[Sequence[Document]], dict[str, str]]


def load(folder: Path) -> list[Document]:
    docs = []
    with open(folder / "docs.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            docs.append(
                Document(
                    str(row["id"]),
                    row.get("text") or "",
                    row.get("title"),
                    row.get("date"),
                    row.get("source"),
                )
            )
    return docs


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


# --- peers -------------------------------------------------------------------------------------


def word_ngrams(text: str, n: int) -> set[bytes]:
    tokens = [t for t in _NON_WORD.split(text.lower()) if t]
    if len(tokens) < n:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    return {" ".join(tokens[i : i + n]).encode("utf-8") for i in range(len(tokens) - n + 1)}


def components(ids: Sequence[str], edges: list[tuple[int, int]]) -> dict[str, str]:
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {doc_id: ids[find(i)] for i, doc_id in enumerate(ids)}


def datasketch_grouper(ngram: int, num_perm: int, threshold: float) -> Grouper:
    def group(docs: Sequence[Document]) -> dict[str, str]:
        from datasketch import MinHash, MinHashLSH

        sets = [word_ngrams(d.text, ngram) for d in docs]
        hashes = MinHash.bulk(sets, num_perm=num_perm)
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        for i, mh in enumerate(hashes):
            if sets[i]:
                lsh.insert(i, mh)
        edges = [(i, j) for i, mh in enumerate(hashes) if sets[i] for j in lsh.query(mh) if j != i]
        return components([d.id for d in docs], edges)

    return group


def rensa_grouper(ngram: int = 5, num_perm: int = 128, threshold: float = 0.8) -> Grouper:
    def group(docs: Sequence[Document]) -> dict[str, str]:
        from rensa import RMinHash, RMinHashLSH

        sets = [sorted(s.decode() for s in word_ngrams(d.text, ngram)) for d in docs]
        lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=16)
        hashes = []
        for i, shingles in enumerate(sets):
            mh = RMinHash(num_perm=num_perm, seed=42)
            mh.update(shingles)
            hashes.append(mh)
            if shingles:
                lsh.insert(i, mh)
        edges = [(i, j) for i, mh in enumerate(hashes) if sets[i] for j in lsh.query(mh) if j != i]
        return components([d.id for d in docs], edges)

    return group


def newsdedup_grouper(config: Config | None = None) -> Grouper:
    def group(docs: Sequence[Document]) -> dict[str, str]:
        return {row.doc_id: row.cluster_id for row in dedup(docs, config).assignments}

    return group


METHODS: dict[str, Grouper] = {
    "newsdedup (default)": newsdedup_grouper(),
    "datasketch web (5-gram, 128, t=0.8)": datasketch_grouper(5, 128, 0.8),
    "text-dedup news (2-gram, 256, t=0.45)": datasketch_grouper(2, 256, 0.45),
    "rensa (5-gram, 128, t=0.8)": rensa_grouper(),
}


# --- tasks -------------------------------------------------------------------------------------


@dataclass
class Data:
    ose: list[Document]
    ose_gold: dict[str, str]
    bbc: list[Document]
    counter: list[Document]
    counter_pairs: list[tuple[str, str, str]]
    seeds: list[Document]
    seeds_gold: dict[str, str]
    cnrec: list[Document]
    cnrec_pairs: list[tuple[str, str, str]]

    @classmethod
    def load(cls, root: Path) -> Data:
        bbc = [
            Document(f"bbc:{d.id}", d.text, d.title, d.published, d.source)
            for d in load(root / "bbc-news")
        ]
        return cls(
            load(root / "onestopenglish"),
            dict(read_csv(root / "onestopenglish" / "gold.csv")),
            bbc,
            load(root / "counter-urdu"),
            [tuple(r) for r in read_csv(root / "counter-urdu" / "pairs.csv")],  # type: ignore[misc]
            load(root / "seeds"),
            dict(read_csv(root / "seeds" / "gold.csv")),
            load(root / "cnrec"),
            [tuple(r) for r in read_csv(root / "cnrec" / "pairs.csv")],  # type: ignore[misc]
        )


def timed(group: Grouper, docs: Sequence[Document]) -> tuple[dict[str, str], float]:
    start = time.perf_counter()
    result = group(docs)
    return result, time.perf_counter() - start


def evaluate_method(group: Grouper, data: Data) -> dict[str, float | int | bool]:
    row: dict[str, float | int | bool] = {}
    pred, seconds = timed(group, data.ose + data.bbc)
    s = score_clusters(pred, data.ose_gold)
    ose_clusters = {pred[d.id] for d in data.ose}
    row.update(ose_ari=s.ari, ose_p=s.pair_precision, ose_r=s.pair_recall, ose_f1=s.pair_f1)
    row["ose_bbc_merged"] = sum(pred[d.id] in ose_clusters for d in data.bbc)
    row["ose_seconds"] = seconds
    pred, seconds = timed(group, data.counter)
    p = score_pairs(pred, data.counter_pairs, positive={"WD", "PD"})
    row.update(counter_p=p.precision, counter_r=p.recall, counter_f1=p.f1, counter_seconds=seconds)
    for label, (n, merged) in p.merged_by_label.items():
        row[f"counter_{label}_merged"] = merged / n if n else 0.0
    pred, seconds = timed(group, data.seeds)
    row["seeds_ok"] = score_clusters(pred, data.seeds_gold).ari == 1.0
    pred, seconds = timed(group, data.cnrec)
    same_event = [(a, b) for a, b, label in data.cnrec_pairs if float(label) >= 1.5]
    row["cnrec_same_event"] = len(same_event)
    row["cnrec_merged"] = sum(pred[a] == pred[b] for a, b in same_event)
    return row


COLUMNS = [
    ("OSE ARI", "ose_ari", "{:.3f}"),
    ("OSE P", "ose_p", "{:.3f}"),
    ("OSE R", "ose_r", "{:.3f}"),
    ("OSE F1", "ose_f1", "{:.3f}"),
    ("BBC merged", "ose_bbc_merged", "{}"),
    ("COUNTER P", "counter_p", "{:.3f}"),
    ("COUNTER R", "counter_r", "{:.3f}"),
    ("COUNTER F1", "counter_f1", "{:.3f}"),
    ("WD", "counter_WD_merged", "{:.2f}"),
    ("PD", "counter_PD_merged", "{:.2f}"),
    ("ND", "counter_ND_merged", "{:.2f}"),
    ("seeds ok", "seeds_ok", "{}"),
    ("CNRec merged", "cnrec_merged", "{}"),
    ("OSE+BBC s", "ose_seconds", "{:.1f}"),
    ("COUNTER s", "counter_seconds", "{:.1f}"),
]


def markdown(results: dict[str, dict]) -> str:
    header = "| method | " + " | ".join(title for title, _, _ in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 1)]
    for name, row in results.items():
        cells = [fmt.format(row.get(key, "")) for _, key, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of the labelled corpora"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--only", help="run only the methods whose name contains this text")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data at {args.data}; pass --data", file=sys.stderr)
        return 2
    data = Data.load(args.data)
    results = {}
    for name, group in METHODS.items():
        if args.only and args.only not in name:
            continue
        print(f"running {name} ...", file=sys.stderr)
        results[name] = evaluate_method(group, data)
    print(
        f"Quality, {date.today().isoformat()}, {platform.machine()} {platform.python_version()}, "
        f"CNRec same-event pairs: {next(iter(results.values()))['cnrec_same_event']}\n"
    )
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
