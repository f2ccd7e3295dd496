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
  (e) METER: derived (WD, PD) and ND newspaper texts grouped with a PA text of their story,
      story ARI, pairs of different stories grouped; the same with the dates removed;
  (f) the seeds alone and pooled with BBC, undated and with the pair's real dates;
  (g) 60 BBC articles cut to their first fifth and dated 19 days later: copies found;
  (h) Reuters-21578: documents grouped under one whose headline names other tickers;
  (i) wall time of each run.

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
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from newsdedup import Config, Document, dedup
from newsdedup.evaluate import score_clusters, score_pairs

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_NON_WORD = re.compile(r"\W", re.UNICODE)  # text-dedup: regex.compile(r"\W", re.UNICODE)

Grouper = Callable[[Sequence[Document]], dict[str, str]]
Factory = Callable[[int], Grouper]  # MinHash seed -> grouper


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


def word_ngrams(text: str, n: int, min_length: int = 0) -> set[bytes]:
    """Word n-grams exactly as text-dedup's MinHash makes them (``ngrams_func``).

    Lowercase, split on every single non-word character (Unicode ``\\W``), keeping the
    empty strings between two adjacent separators, join n-grams with a space. A text of
    fewer than ``n`` tokens is one shingle; one of fewer than ``min_length`` tokens has
    none and is never a duplicate (the news setting has ``min_length = 0``).
    """
    tokens = _NON_WORD.split(text.lower())
    if len(tokens) < min_length:
        return set()
    if len(tokens) < n:
        return {" ".join(tokens).encode("utf-8")}
    return {" ".join(tokens[i : i + n]).encode("utf-8") for i in range(len(tokens) - n + 1)}


def lsh_edges(lsh: Any, hashes: Sequence[Any], sets: Sequence[Any]) -> list[tuple[int, int]]:
    """Every (document, candidate) pair an LSH index returns, as the peers' tools take them."""
    return [(i, j) for i, mh in enumerate(hashes) if sets[i] for j in lsh.query(mh) if j != i]


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


def datasketch_grouper(ngram: int, num_perm: int, threshold: float) -> Factory:
    """MinHashLSH over word n-grams; connected components of the LSH candidate graph.

    datasketch chooses bands and rows for the threshold (the same choice as text-dedup's
    ``optimal_param``); every document with shingles is inserted and queried.
    """

    def make(seed: int) -> Grouper:
        def group(docs: Sequence[Document]) -> dict[str, str]:
            from datasketch import MinHash, MinHashLSH

            sets = [word_ngrams(d.text, ngram) for d in docs]
            hashes = MinHash.bulk(sets, num_perm=num_perm, seed=seed)
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
            for i, mh in enumerate(hashes):
                if sets[i]:
                    lsh.insert(i, mh)
            return components([d.id for d in docs], lsh_edges(lsh, hashes, sets))

        return group

    return make


def rensa_grouper(ngram: int = 5, num_perm: int = 128, threshold: float = 0.8) -> Factory:
    """rensa's R-MinHash and its LSH (16 bands, as in rensa's README); components."""

    def make(seed: int) -> Grouper:
        def group(docs: Sequence[Document]) -> dict[str, str]:
            try:
                from rensa import RMinHash, RMinHashLSH
            except ImportError:
                raise SystemExit("rensa is missing: pip install -e '.[bench]'") from None

            sets = [sorted(s.decode() for s in word_ngrams(d.text, ngram)) for d in docs]
            lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=16)
            hashes = []
            for i, shingles in enumerate(sets):
                mh = RMinHash(num_perm=num_perm, seed=seed)
                mh.update(shingles)
                hashes.append(mh)
                if shingles:
                    lsh.insert(i, mh)
            return components([d.id for d in docs], lsh_edges(lsh, hashes, sets))

        return group

    return make


def newsdedup_grouper(rewrite_sample: int = 0, level: str = "stories") -> Factory:
    """newsdedup with its default configuration but the MinHash seed (n-gram sample, level)."""

    def make(seed: int) -> Grouper:
        overrides: dict[str, dict[str, Any]] = {"minhash": {"seed": seed}}
        if rewrite_sample:  # what corpora above 125,000 documents get by default
            overrides["rewrite"] = {"sample": rewrite_sample}
        overrides["decide"] = {"level": level}
        config = Config().replace(overrides)

        def group(docs: Sequence[Document]) -> dict[str, str]:
            return {row.doc_id: row.cluster_id for row in dedup(docs, config).assignments}

        return group

    return make


# Each method with the MinHash seed it uses by default (newsdedup's and datasketch's are
# 1; rensa's README uses 42).
METHODS: dict[str, tuple[Factory, int]] = {
    "newsdedup (default: stories)": (newsdedup_grouper(), 1),
    "newsdedup --level rewrites": (newsdedup_grouper(level="rewrites"), 1),
    "newsdedup --level copies": (newsdedup_grouper(level="copies"), 1),
    "datasketch web (5-gram, 128, t=0.8)": (datasketch_grouper(5, 128, 0.8), 1),
    "text-dedup news (2-gram, 256, t=0.45)": (datasketch_grouper(2, 256, 0.45), 1),
    "rensa (5-gram, 128, t=0.8)": (rensa_grouper(), 42),
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
    meter: list[Document]
    meter_pairs: list[tuple[str, str, str]]
    meter_stories: dict[str, str]
    reuters: list[Document]

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
            load(root / "meter"),
            [tuple(r) for r in read_csv(root / "meter" / "pairs.csv")],  # type: ignore[misc]
            dict(read_csv(root / "meter" / "stories.csv")),
            load(root / "reuters-21578") if (root / "reuters-21578").is_dir() else [],
        )


def timed(group: Grouper, docs: Sequence[Document]) -> tuple[dict[str, str], float]:
    start = time.perf_counter()
    result = group(docs)
    return result, time.perf_counter() - start


def seeds_verdict(pred: dict[str, str], gold: dict[str, str]) -> tuple[bool, bool]:
    """(every gold pair grouped, every other pair apart) on the seed documents."""
    ids = sorted(gold)
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    together = all(pred[a] == pred[b] for a, b in pairs if gold[a] == gold[b])
    apart = all(pred[a] != pred[b] for a, b in pairs if gold[a] != gold[b])
    return together, apart


def undated(docs: Sequence[Document]) -> list[Document]:
    return [Document(d.id, d.text, d.title, None, d.source) for d in docs]


SEED_DATES = {"001": "2025-01-11", "003": "2025-01-12"}  # the inauguration pair's real dates


def seeds_dated(docs: Sequence[Document]) -> list[Document]:
    """The seeds with the inauguration pair's real dates (the other three stay undated)."""
    return [Document(d.id, d.text, d.title, SEED_DATES.get(d.id[:3]), d.source) for d in docs]


def meter_scores(pred: dict[str, str], data: Data) -> dict[str, float | int]:
    """METER: share of derived (WD, PD) and of ND newspaper texts grouped with a PA text
    of their story; story ARI over every text; pairs of different stories grouped."""
    source = {d.id: d.source for d in data.meter}
    pa_of: dict[str, set[str]] = {}
    label: dict[str, str] = {}
    for a, b, lab in data.meter_pairs:
        paper, wire = (a, b) if source[a] != "PA" else (b, a)
        pa_of.setdefault(paper, set()).add(wire)
        label[paper] = lab
    joined = {p: any(pred[p] == pred[w] for w in wires) for p, wires in pa_of.items()}
    derived = [joined[p] for p in joined if label[p] != "ND"]
    nd = [joined[p] for p in joined if label[p] == "ND"]
    s = score_clusters(pred, data.meter_stories)
    members: dict[str, list[str]] = {}
    for doc_id, cluster in pred.items():
        members.setdefault(cluster, []).append(doc_id)
    story = data.meter_stories
    crossed = sum(
        story[a] != story[b]
        for group in members.values()
        for i, a in enumerate(group)
        for b in group[i + 1 :]
    )
    return {
        "derived": sum(derived) / len(derived),
        "nd": sum(nd) / len(nd),
        "story_ari": s.ari,
        "crossed": crossed,
    }


def cut_short_task(
    group: Grouper, docs: Sequence[Document], n: int = 60, share: float = 0.2, days: int = 19
) -> int:
    """Copies holding the first ``share`` of ``n`` articles, dated ``days`` later, pooled
    with every article (dated a day apart in turn): how many are grouped with their story."""
    from datetime import date, timedelta

    start = date(2005, 1, 1)
    pool = [
        Document(d.id, d.text, d.title, (start + timedelta(days=i % 300)).isoformat(), d.source)
        for i, d in enumerate(docs)
    ]
    picked = pool[:: max(len(pool) // n, 1)][:n]
    copies = []
    for d in picked:
        words = d.text.split()
        when = (date.fromisoformat(d.published or "2005-01-01") + timedelta(days=days)).isoformat()
        cut = " ".join(words[: max(1, int(len(words) * share))])
        copies.append(Document(f"cut:{d.id}", cut, None, when, "another outlet"))
    pred = group(pool + copies)
    return sum(pred[f"cut:{d.id}"] == pred[d.id] for d in picked)


_TICKER = re.compile(r"<([A-Z0-9.]+)>")


def reuters_tickers(pred: dict[str, str], docs: Sequence[Document]) -> tuple[int, int]:
    """Documents grouped under another whose headlines both carry a ticker: how many of
    them name different tickers, and how many there are."""
    tickers = {d.id: frozenset(_TICKER.findall(d.title or "")) for d in docs}
    pairs = [(d, c) for d, c in pred.items() if d != c and tickers.get(d) and tickers.get(c)]
    return sum(not (tickers[a] & tickers[b]) for a, b in pairs), len(pairs)


def evaluate_method(group: Grouper, data: Data, full: bool = True) -> dict[str, float | int | bool]:
    row: dict[str, float | int | bool] = {}
    for name, docs in (("meter", data.meter), ("meter_undated", undated(data.meter))):
        pred, seconds = timed(group, docs)
        row.update({f"{name}_{k}": v for k, v in meter_scores(pred, data).items()})
        row[f"{name}_seconds"] = seconds
    seeds_ok = True
    for docs in (data.seeds, seeds_dated(data.seeds)):
        for pool in ((), data.bbc):
            pred = group([*docs, *pool])
            together, apart = seeds_verdict(pred, data.seeds_gold)
            seeds_ok &= together and apart
    row["seeds_all_four"] = seeds_ok
    row["cut_short_found"] = cut_short_task(group, data.bbc)
    if full and data.reuters:
        pred, row["reuters_seconds"] = timed(group, data.reuters)
        row["reuters_ticker_crossed"], row["reuters_ticker_pairs"] = reuters_tickers(
            pred, data.reuters
        )
    pred, ose_seconds = timed(group, data.ose + data.bbc)
    s = score_clusters(pred, data.ose_gold)
    ose_clusters = {pred[d.id] for d in data.ose}
    row.update(ose_ari=s.ari, ose_p=s.pair_precision, ose_r=s.pair_recall, ose_f1=s.pair_f1)
    row["ose_bbc_merged"] = sum(pred[d.id] in ose_clusters for d in data.bbc)
    row["ose_seconds"] = ose_seconds
    pred, counter_seconds = timed(group, data.counter)
    p = score_pairs(pred, data.counter_pairs, positive={"WD", "PD"})
    row.update(counter_p=p.precision, counter_r=p.recall, counter_f1=p.f1)
    row["counter_seconds"] = counter_seconds
    for label, (n, merged) in p.merged_by_label.items():
        row[f"counter_{label}_merged"] = merged / n if n else 0.0
    pred, seeds_seconds = timed(group, data.seeds)
    row["seeds_pair"], row["seeds_apart"] = seeds_verdict(pred, data.seeds_gold)
    pred, cnrec_seconds = timed(group, data.cnrec)
    same_event = [(a, b) for a, b, label in data.cnrec_pairs if float(label) >= 1.5]
    row["cnrec_same_event"] = len(same_event)
    row["cnrec_merged"] = sum(pred[a] == pred[b] for a, b in same_event)
    row["total_seconds"] = ose_seconds + counter_seconds + seeds_seconds + cnrec_seconds
    return row


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("METER derived", "meter_derived", "{:.3f}".format),
    ("METER ND", "meter_nd", "{:.3f}".format),
    ("METER story ARI", "meter_story_ari", "{:.3f}".format),
    ("METER crossed", "meter_crossed", str),
    ("undated derived", "meter_undated_derived", "{:.3f}".format),
    ("undated ND", "meter_undated_nd", "{:.3f}".format),
    ("seeds 4/4", "seeds_all_four", yes_no),
    ("cut short (of 60)", "cut_short_found", str),
    ("Reuters ticker crossed", "reuters_ticker_crossed", str),
    ("Reuters ticker pairs", "reuters_ticker_pairs", str),
    ("OSE ARI", "ose_ari", "{:.3f}".format),
    ("OSE P", "ose_p", "{:.3f}".format),
    ("OSE R", "ose_r", "{:.3f}".format),
    ("OSE F1", "ose_f1", "{:.3f}".format),
    ("BBC merged", "ose_bbc_merged", str),
    ("COUNTER P", "counter_p", "{:.3f}".format),
    ("COUNTER R", "counter_r", "{:.3f}".format),
    ("COUNTER F1", "counter_f1", "{:.3f}".format),
    ("WD", "counter_WD_merged", "{:.2f}".format),
    ("PD", "counter_PD_merged", "{:.2f}".format),
    ("ND", "counter_ND_merged", "{:.2f}".format),
    ("seeds pair", "seeds_pair", yes_no),
    ("seeds apart", "seeds_apart", yes_no),
    ("CNRec merged", "cnrec_merged", str),
    ("OSE+BBC s", "ose_seconds", "{:.1f}".format),
    ("COUNTER s", "counter_seconds", "{:.1f}".format),
    ("all s", "total_seconds", "{:.1f}".format),
]


def markdown(results: dict[str, dict]) -> str:
    header = "| method | " + " | ".join(title for title, _, _ in COLUMNS) + " |"
    lines = [header, "|---|" + "---:|" * len(COLUMNS)]
    for name, row in results.items():
        cells = [fmt(row[key]) if key in row else "" for _, key, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def spread(values: Sequence[float]) -> str:
    return f"{sum(values) / len(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def spread_markdown(repeats: dict[str, list[dict]], seeds: int) -> str:
    lines = [
        f"| method | OSE ARI, mean (min-max) of {seeds} seeds | COUNTER F1 | CNRec merged |",
        "|---|---:|---:|---:|",
    ]
    for name, rows in repeats.items():
        merged = [row["cnrec_merged"] for row in rows]
        lines.append(
            f"| {name} | {spread([r['ose_ari'] for r in rows])} | "
            f"{spread([r['counter_f1'] for r in rows])} | {min(merged)}-{max(merged)} |"
        )
    return "\n".join(lines)


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of the labelled corpora"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--only", help="run only the methods whose name contains this text")
    parser.add_argument(
        "--rewrite-samples",
        default="",
        help="also run newsdedup holding one character n-gram in K, for each K of this "
        "comma-separated list (what large corpora get; e.g. 4,8,16)",
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="also run each method with this many MinHash seeds and print the spread",
    )
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data at {args.data}; pass --data", file=sys.stderr)
        return 2
    data = Data.load(args.data)
    results: dict[str, dict] = {}
    repeats: dict[str, list[dict]] = {}
    methods = dict(METHODS)
    for k in filter(None, args.rewrite_samples.split(",")):
        methods[f"newsdedup, rewrite.sample = {int(k)}"] = (newsdedup_grouper(int(k)), 1)
    for name, (factory, seed) in methods.items():
        if args.only and args.only not in name:
            continue
        print(f"running {name} ...", file=sys.stderr)
        results[name] = evaluate_method(factory(seed), data)
        if args.seeds > 1:
            others = [evaluate_method(factory(seed + k), data) for k in range(1, args.seeds)]
            repeats[name] = [results[name], *others]
    if not results:
        print(f"no method matches --only {args.only!r}", file=sys.stderr)
        return 2
    print(
        f"Quality, {date.today().isoformat()}, {machine()}; "
        f"CNRec same-event pairs: {next(iter(results.values()))['cnrec_same_event']}\n"
    )
    print(markdown(results))
    if repeats:
        print(f"\nSpread over MinHash seeds (default seed and the next {args.seeds - 1}):\n")
        print(spread_markdown(repeats, args.seeds))
    if args.json:
        payload = {"date": date.today().isoformat(), "machine": machine(), "results": results}
        if repeats:
            payload["seeds"] = repeats
        args.json.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
