"""Fit the story model on several labelled corpora at once, and report what transfers.

    python benchmarks/fit_decision.py [--data ../shared/data] [--write]

The model decides the pairs a run at ``level = "stories"`` leaves pending: candidates
that are no copy and no rewrite but share a passage long enough to carry source words
(:func:`newsdedup.fit.pair_evidence`, with the passages aligned as the run aligns them).
Each is labelled from its corpus's gold (1 one story, 0 not, unknown left out):

* METER (dev half): two texts of one story (``stories.csv``), derived or not.
* COUNTER (dev half): WD and PD pairs; ND pairs (the same event, written independently)
  are unknown; every other candidate is not one story.
* OneStopEnglish (dev half): the versions of one article.
* seeds: the inauguration pair; the other pairs are not.
* synthetic: :func:`newsdedup.synthetic.generate` with heavy rewrites and many
  independent same-topic stories (the hard negatives).

Only pairs with at least one long passage are fitted on (the others are never stories).
Each corpus gets an equal say (its pairs' weights sum to one, half for each class), so the
largest does not decide alone. Printed per corpus: pair precision and recall of the story
level (copies and rewrites count, as they are stories too), in sample and with the corpus
left out of the fit (leave-one-corpus-out).
``--write`` stores the model fitted on all corpora in ``src/newsdedup/stages/decision.json``;
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
from newsdedup.fit import PairEvidence, fit_level, model_json, pair_evidence, probabilities
from newsdedup.stages.decide import FEATURES, Model
from newsdedup.synthetic import generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import DEFAULT_DATA, load, read_csv

MODEL = Path(__file__).resolve().parents[1] / "src" / "newsdedup" / "stages" / "decision.json"
LONG = FEATURES.index("long_passages")
Label = Callable[[str, str], float | None]  # 1 one story, 0 not, None unknown


@dataclass
class Corpus:
    name: str
    evidence: PairEvidence
    story: np.ndarray  # 1, 0, or nan (unknown), for each pair the model decides
    settled: tuple[int, int]  # story pairs already copies or rewrites: (positive, negative)
    missed: int  # story pairs that are neither and hold no long passage


def labelled(name: str, docs: list[Document], label: Label) -> Corpus:
    found = pair_evidence(docs)
    story = np.array(
        [
            np.nan if (v := label(a, b)) is None else v
            for a, b in zip(found.a, found.b, strict=True)
        ],
        dtype=np.float64,
    )
    settled = [label(*sorted(pair)) for pair in found.settled]
    missed = sum(label(*sorted(pair)) == 1 for pair in found.unreachable)
    return Corpus(name, found, story, (settled.count(1.0), settled.count(0.0)), missed)


def meter(root: Path) -> Corpus:
    """Two texts of one METER story are one story, derived or not; others are not."""
    docs = load(root / "meter")
    story = dict(read_csv(root / "meter" / "stories.csv"))
    return labelled("METER", docs, lambda a, b: float(story.get(a) == story.get(b)))


def counter(root: Path) -> Corpus:
    """COUNTER: WD and PD pairs are one story; ND (one event, written independently) is
    unknown; every other candidate is not."""
    docs = load(root / "counter-urdu")
    path = root / "counter-urdu" / "pairs.csv"
    pairs = {frozenset((a, b)): label for a, b, label in read_csv(path)}

    def label(a: str, b: str) -> float | None:
        gold = pairs.get(frozenset((a, b)))
        return None if gold == "ND" else float(gold in ("WD", "PD"))

    return labelled("COUNTER", docs, label)


def onestop(root: Path) -> Corpus:
    docs = load(root / "onestopenglish")
    gold = dict(read_csv(root / "onestopenglish" / "gold.csv"))
    return labelled("OneStopEnglish", docs, lambda a, b: float(gold.get(a) == gold.get(b)))


def seeds(root: Path) -> Corpus:
    docs = load(root / "seeds")
    gold = dict(read_csv(root / "seeds" / "gold.csv"))
    return labelled("seeds", docs, lambda a, b: float(gold[a] == gold[b]))


def synthetic() -> Corpus:
    """Synthetic versions of one story (copies, heavy rewrites) against independent
    same-topic stories that share its names and numbers, not its sentences."""
    corpus = generate(300, seed=7, copies=1.5, rewrites=True, same_topic=1.5)
    gold = corpus.gold()
    return labelled("synthetic", corpus.documents(), lambda a, b: float(gold[a] == gold[b]))


def own(corpus: Path, gold: Path) -> Corpus:
    """A user's corpus (JSONL like ../shared/data) and labelled pairs ``a,b,label``:
    label 1 (one story) or 0 (not); every candidate pair not in the file is unknown."""
    docs = [d for d in load_file(corpus)]
    pairs = {frozenset((a, b)): float(label) for a, b, label in read_csv(gold)}

    return labelled(corpus.stem, docs, lambda a, b: pairs.get(frozenset((a, b))))


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


def stacked(corpora: list[Corpus]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for c in corpora:
        y = c.story
        known = ~np.isnan(y) & (c.evidence.features[:, LONG] > 0)
        xs.append(c.evidence.features[known])
        ys.append(y[known])
        ws.append(balanced(y[known]))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def fit(corpora: list[Corpus]) -> Model:
    return Model(fit_level(*stacked(corpora)), "fitted")


def scores(model: Model, c: Corpus) -> tuple[float, float, int, int]:
    """Pair precision and recall of the story level (copies and rewrites included, as
    they are stories too), and how many positive and negative pairs were scored."""
    y = c.story
    known = ~np.isnan(y)
    x = c.evidence.features[known]
    said = (probabilities(model.story, x) >= model.story.cut) & (x[:, LONG] > 0)
    truth = y[known] == 1
    tp = int((said & truth).sum()) + c.settled[0]
    told = int(said.sum()) + sum(c.settled)
    positives = int(truth.sum()) + c.settled[0] + c.missed
    precision = tp / told if told else float("nan")
    recall = tp / positives if positives else float("nan")
    negatives = int((~truth).sum()) + c.settled[1]
    return precision, recall, positives, negatives


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
