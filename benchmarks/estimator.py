"""How well each MinHash scheme estimates Jaccard similarity on real news pairs.

    python benchmarks/estimator.py [--data ../shared/data] [--seeds 50] [--json out.json]

Pairs come from Reuters-21578 and BBC News (word 3-gram shingle sets, as ``newsdedup run``
makes them): every pair that shares a band under a generous LSH (so the pairs span the
whole similarity range, not only copies) plus random pairs, then at most ``--per-bin`` pairs
per exact-Jaccard bin. For each pair and each of ``--seeds`` seeds, both schemes estimate
Jaccard as the share of equal signature positions (128 of them). Reported per bin: the bias
(mean estimate minus exact Jaccard), the standard deviation of an estimate around its pair's
mean, classic theory's sqrt(J(1-J)/128), and the same split by the smaller set's size.
"""

from __future__ import annotations

import argparse
import json
from itertools import pairwise
from pathlib import Path

import numpy as np

from newsdedup.config import LSHConfig, MinHashConfig, ShingleConfig
from newsdedup.stages.lsh import candidate_pairs, choose_banding
from newsdedup.stages.minhash import signatures
from newsdedup.stages.shingle import shingle_texts

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001)


def load_sets(data: Path) -> list[np.ndarray]:
    texts: list[str] = []
    for name in ("reuters-21578", "bbc-news"):
        with (data / name / "docs.jsonl").open(encoding="utf-8") as handle:
            texts.extend(json.loads(line).get("text") or "" for line in handle)
    sets = shingle_texts(texts, ShingleConfig()).shingles
    return [s for s in sets if s.size > 0]


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)


def pick_pairs(sets: list[np.ndarray], per_bin: int, rng: np.random.Generator) -> np.ndarray:
    cfg = MinHashConfig(scheme="affine32")
    sigs = signatures(sets, cfg)
    lsh = candidate_pairs(sigs, choose_banding(LSHConfig(threshold=0.15, recall=0.9), 128))
    random = rng.integers(0, len(sets), size=(4 * per_bin, 2))
    pairs = np.unique(np.sort(np.r_[lsh, random[random[:, 0] != random[:, 1]]], axis=1), axis=0)
    scores = np.array([jaccard(sets[i], sets[j]) for i, j in pairs])
    chosen = []
    for lo, hi in pairwise(BINS):
        inside = np.flatnonzero((scores >= lo) & (scores < hi))
        chosen.extend(rng.permutation(inside)[:per_bin].tolist())
    return pairs[np.sort(chosen)]


def estimates(sets: list[np.ndarray], pairs: np.ndarray, scheme: str, seeds: int) -> np.ndarray:
    """``(len(pairs), seeds)`` Jaccard estimates."""
    docs = np.unique(pairs)
    where = {int(d): i for i, d in enumerate(docs)}
    left = np.array([where[int(i)] for i in pairs[:, 0]])
    right = np.array([where[int(j)] for j in pairs[:, 1]])
    out = np.empty((len(pairs), seeds))
    for seed in range(seeds):
        sigs = signatures([sets[d] for d in docs], MinHashConfig(scheme=scheme, seed=seed + 1))
        out[:, seed] = np.mean(sigs[left] == sigs[right], axis=1)
    return out


def summarise(truth: np.ndarray, est: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    if not mask.any():
        return {"pairs": 0}
    t, e = truth[mask], est[mask]
    return {
        "pairs": int(mask.sum()),
        "bias": round(float(np.mean(e.mean(axis=1) - t)), 4),
        "sd": round(float(np.sqrt(np.mean(e.var(axis=1, ddof=1)))), 4),
        "theory_sd": round(float(np.sqrt(np.mean(t * (1 - t) / 128))), 4),
        "rmse": round(float(np.sqrt(np.mean((e - t[:, None]) ** 2))), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--per-bin", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    sets = load_sets(args.data)
    pairs = pick_pairs(sets, args.per_bin, rng)
    truth = np.array([jaccard(sets[i], sets[j]) for i, j in pairs])
    small = np.array([min(sets[i].size, sets[j].size) for i, j in pairs])
    report: dict[str, object] = {"pairs": len(pairs), "seeds": args.seeds}
    for scheme in ("oph", "affine32"):
        est = estimates(sets, pairs, scheme, args.seeds)
        rows: dict[str, object] = {"all": summarise(truth, est, truth >= 0)}
        for lo, hi in pairwise(BINS):
            rows[f"J {lo:.1f}-{min(hi, 1):.1f}"] = summarise(
                truth, est, (truth >= lo) & (truth < hi)
            )
        for lo, hi in ((1, 64), (64, 128), (128, 10**9)):
            rows[f"smaller set {lo}-{hi if hi < 10**9 else 'inf'} shingles"] = summarise(
                truth, est, (small >= lo) & (small < hi)
            )
        report[scheme] = rows
        print(scheme)
        for name, row in rows.items():
            print(f"  {name:36s} {row}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
