"""Fit the decision model on several labelled corpora at once, and report what transfers.

    python benchmarks/fit_decision.py [--data ../shared/data] [--write]

Every candidate pair a run would decide is labelled from the corpus's gold, for each
level (``None``: the gold says nothing about that pair at that level):

* METER (dev half): a newspaper text and a PA text of its story are a rewrite when the
  text is labelled wholly or partially derived (WD, PD), not when it is ND; two texts of
  one story are a story; texts of different stories are neither. Two PA texts of one
  story are versions of one wire copy (a rewrite); two newspaper texts are one when both
  are derived.
* COUNTER (dev half): WD and PD pairs are rewrites and stories; ND pairs (the same event,
  written independently) are no rewrite, and their story label is unknown; every other
  candidate is neither.
* OneStopEnglish (dev half): the versions of one article are rewrites; others neither.
* seeds: the inauguration pair is a story (its rewrite label is unknown); the other
  pairs are neither.
* synthetic: :func:`newsdedup.synthetic.generate` with heavy rewrites and many
  independent same-topic stories (the hard negatives): one story's versions are rewrites,
  everything else neither.

Each corpus gets an equal say (its pairs' weights sum to one, half for each class), so
the largest does not decide alone. Printed: per corpus and level, precision and recall
of the pairs in sample and when the corpus is left out of the fit (leave-one-corpus-out).
``--write`` stores the model fitted on all corpora in ``src/newsdedup/decision.json``;
``--corpus my.jsonl --gold my-pairs.csv -o my-model.json`` adds a corpus of your own
(pairs labelled 1, one story, or 0) and writes the model for ``--decision-model``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsdedup.data import Document
from newsdedup.decide import FEATURES, Model
from newsdedup.fit import PairEvidence, fit_level, model_json, pair_evidence, probabilities
from newsdedup.synthetic import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DEFAULT_DATA, load, read_csv

MODEL = Path(__file__).resolve().parents[1] / "src" / "newsdedup" / "decision.json"
Label = Callable[[str, str], tuple[float | None, float | None]]


@dataclass
class Corpus:
    name: str
    evidence: PairEvidence
    rewrite: np.ndarray  # 1, 0, or nan (unknown)
    story: np.ndarray


def labelled(
    name: str, docs: list[Document], label: Label, found: PairEvidence | None = None
) -> Corpus:
    found = found or pair_evidence(docs)
    labels = [label(a, b) for a, b in zip(found.a, found.b, strict=True)]
    rewrite = np.array([np.nan if r is None else r for r, _ in labels], dtype=np.float64)
    story = np.array([np.nan if s is None else s for _, s in labels], dtype=np.float64)
    return Corpus(name, found, rewrite, story)


def meter(root: Path) -> Corpus:
    """METER's labels are per newspaper text, against every PA text of its story: a derived
    text was written from one of them. So of a derived text's PA pairs only the one with
    the most shared rare wording is a rewrite; its other PA pairs are unknown."""
    docs = load(root / "meter")
    source = {d.id: d.source for d in docs}
    story = dict(read_csv(root / "meter" / "stories.csv"))
    derived: dict[str, bool] = {}
    for a, b, label in read_csv(root / "meter" / "pairs.csv"):
        paper = a if source[a] != "PA" else b
        derived[paper] = label in ("WD", "PD")
    found = pair_evidence(docs)
    coverage = FEATURES.index("coverage")
    best: dict[str, tuple[float, str]] = {}
    for a, b, row in zip(found.a, found.b, found.features.tolist(), strict=True):
        if story.get(a) == story.get(b) and (source[a] == "PA") != (source[b] == "PA"):
            paper, wire = (a, b) if source[a] != "PA" else (b, a)
            best[paper] = max(best.get(paper, (-1.0, "")), (row[coverage], wire))

    def label(a: str, b: str) -> tuple[float | None, float | None]:
        if story.get(a) != story.get(b):
            return 0.0, 0.0
        wire = (source[a] == "PA") + (source[b] == "PA")
        if wire == 2:
            return 1.0, 1.0
        if wire == 0:
            return None, 1.0
        paper, pa = (a, b) if source[a] != "PA" else (b, a)
        if not derived.get(paper, False):
            return 0.0, 1.0
        return (1.0 if best[paper][1] == pa else None), 1.0

    return labelled("METER", docs, label, found)


def counter(root: Path) -> Corpus:
    docs = load(root / "counter-urdu")
    pairs = {
        frozenset((a, b)): label for a, b, label in read_csv(root / "counter-urdu" / "pairs.csv")
    }

    def label(a: str, b: str) -> tuple[float | None, float | None]:
        gold = pairs.get(frozenset((a, b)))
        if gold in ("WD", "PD"):
            return 1.0, 1.0
        if gold == "ND":
            return 0.0, None
        return 0.0, 0.0

    return labelled("COUNTER", docs, label)


def onestop(root: Path) -> Corpus:
    docs = load(root / "onestopenglish")
    gold = dict(read_csv(root / "onestopenglish" / "gold.csv"))

    def label(a: str, b: str) -> tuple[float | None, float | None]:
        same = float(gold.get(a) == gold.get(b))
        return same, same

    return labelled("OneStopEnglish", docs, label)


def seeds(root: Path) -> Corpus:
    docs = load(root / "seeds")
    gold = dict(read_csv(root / "seeds" / "gold.csv"))

    def label(a: str, b: str) -> tuple[float | None, float | None]:
        return (None, 1.0) if gold[a] == gold[b] else (0.0, 0.0)

    return labelled("seeds", docs, label)


def synthetic() -> Corpus:
    corpus = generate(300, seed=7, copies=1.5, rewrites=True, same_topic=1.5)
    gold = corpus.gold()

    def label(a: str, b: str) -> tuple[float | None, float | None]:
        same = float(gold[a] == gold[b])
        return same, same

    return labelled("synthetic", corpus.documents(), label)


def own(corpus: Path, gold: Path) -> Corpus:
    """A user's corpus (JSONL like ../shared/data) and labelled pairs ``a,b,label``:
    label 1 (one story) or 0 (not); every candidate pair not in the file is unknown."""
    docs = [d for d in load_file(corpus)]
    pairs = {frozenset((a, b)): float(label) for a, b, label in read_csv(gold)}

    def label(a: str, b: str) -> tuple[float | None, float | None]:
        value = pairs.get(frozenset((a, b)))
        return value, value

    return labelled(corpus.stem, docs, label)


def load_file(path: Path) -> list[Document]:
    return load(path.parent) if path.name == "docs.jsonl" else _load_jsonl(path)


def _load_jsonl(path: Path) -> list[Document]:
    import json

    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [
        Document(str(r["id"]), r.get("text") or "", r.get("title"), r.get("date"), r.get("source"))
        for r in rows
    ]


def balanced(labels: np.ndarray) -> np.ndarray:
    """Weights that give each class of one corpus half of its say (unknown labels none)."""
    w = np.zeros(labels.size)
    for value in (0.0, 1.0):
        mask = labels == value
        if mask.any():
            w[mask] = 0.5 / mask.sum()
    return w


def stacked(corpora: list[Corpus], level: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for c in corpora:
        y = getattr(c, level)
        known = ~np.isnan(y)
        xs.append(c.evidence.features[known])
        ys.append(y[known])
        ws.append(balanced(y[known]))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def fit(corpora: list[Corpus]) -> Model:
    return Model(fit_level(*stacked(corpora, "story")), "fitted")


def scores(model: Model, c: Corpus) -> tuple[float, float, int, int]:
    y = c.story
    known = ~np.isnan(y)
    if not known.any():
        return float("nan"), float("nan"), 0, 0
    said = probabilities(model.story, c.evidence.features[known]) >= model.story.cut
    truth = y[known] == 1
    tp = int((said & truth).sum())
    precision = tp / said.sum() if said.sum() else float("nan")
    recall = tp / truth.sum() if truth.sum() else float("nan")
    return precision, recall, int(truth.sum()), int((~truth).sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--write", action="store_true", help=f"store the model in {MODEL}")
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        help="also fit on this JSONL corpus of yours (id, text, date, source, title)",
    )
    parser.add_argument(
        "--gold",
        type=Path,
        action="append",
        default=[],
        help="its labelled pairs, CSV a,b,label with label 1 (one story) or 0 (not)",
    )
    parser.add_argument("-o", "--output", type=Path, help="write the fitted model here")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data at {args.data}; pass --data", file=sys.stderr)
        return 2
    corpora = [meter(args.data), counter(args.data), onestop(args.data), seeds(args.data)]
    corpora.append(synthetic())
    if len(args.corpus) != len(args.gold):
        print("give one --gold for each --corpus", file=sys.stderr)
        return 2
    corpora += [own(c, g) for c, g in zip(args.corpus, args.gold, strict=True)]
    whole = fit(corpora)
    print(
        "| corpus | positives | negatives | P in sample | R in sample | P held out | R held out |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for i, c in enumerate(corpora):
        held = fit(corpora[:i] + corpora[i + 1 :])
        p, r, pos, neg = scores(whole, c)
        hp, hr, _, _ = scores(held, c)
        print(f"| {c.name} | {pos} | {neg} | {p:.3f} | {r:.3f} | {hp:.3f} | {hr:.3f} |")
    print()
    print(model_json(whole))
    notes = {"fitted_by": "benchmarks/fit_decision.py", "corpora": [c.name for c in corpora]}
    for target in filter(None, (MODEL if args.write else None, args.output)):
        target.write_text(model_json(whole, notes))
        print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
