"""Scores of a grouping against gold labels: pair P/R/F1, B-cubed, ARI, per-label recall.

All cluster metrics are computed from the contingency table of predicted against gold
clusters, never by enumerating pairs, so they stay linear in the number of documents.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any

from newsdedup.errors import ConfigError, InputError


@dataclass(frozen=True, slots=True)
class ClusterScores:
    """Agreement of predicted clusters with gold clusters, over the gold documents.

    Attributes:
        documents: Gold documents scored (those also in the prediction).
        pair_precision: Share of predicted same-cluster pairs that are gold pairs.
        pair_recall: Share of gold same-cluster pairs that are predicted.
        pair_f1: Harmonic mean of the two.
        bcubed_precision: Mean over documents of |pred ∩ gold cluster| / |pred cluster|.
        bcubed_recall: Mean over documents of |pred ∩ gold cluster| / |gold cluster|.
        bcubed_f1: Harmonic mean of the two.
        ari: Adjusted Rand index (1 perfect, about 0 for chance).
    """

    documents: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    ari: float


@dataclass(frozen=True, slots=True)
class PairScores:
    """Agreement of predicted clusters with labelled pairs.

    Attributes:
        documents: Documents in the pool (every document named in the pair file).
        positives: Labelled pairs whose label is positive.
        predicted: Same-cluster pairs among the pool's documents.
        true_positives: Positive pairs predicted in one cluster.
        precision: ``true_positives / predicted``: unlabelled pairs count as negatives.
        recall: ``true_positives / positives``.
        f1: Harmonic mean of the two.
        merged_by_label: For each label, ``(pairs, of them merged)``.
    """

    documents: int
    positives: int
    predicted: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    merged_by_label: Mapping[str, tuple[int, int]]


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _ratio(num: float, den: float, empty: float = 1.0) -> float:
    return num / den if den else empty


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall, 0.0)


def _ari(together: int, pred: int, gold: int, total: int) -> float:
    expected = _ratio(pred * gold, total, 0.0)
    maximum = (pred + gold) / 2
    if maximum == expected:
        return 1.0
    return (together - expected) / (maximum - expected)


def score_clusters(predicted: Mapping[str, str], gold: Mapping[str, str]) -> ClusterScores:
    """Score predicted cluster labels against gold cluster labels (doc id -> label).

    Only documents present in both are scored, so a prediction over a larger pool
    (a corpus with distractors) is scored on the gold documents.
    """
    ids = [doc for doc in gold if doc in predicted]
    cells = Counter((predicted[doc], gold[doc]) for doc in ids)
    pred_sizes = Counter(predicted[doc] for doc in ids)
    gold_sizes = Counter(gold[doc] for doc in ids)
    together = sum(_pairs(n) for n in cells.values())
    pred_pairs = sum(_pairs(n) for n in pred_sizes.values())
    gold_pairs = sum(_pairs(n) for n in gold_sizes.values())
    precision, recall = _ratio(together, pred_pairs), _ratio(together, gold_pairs)
    b_precision = _ratio(sum(n * n / pred_sizes[p] for (p, _), n in cells.items()), len(ids))
    b_recall = _ratio(sum(n * n / gold_sizes[g] for (_, g), n in cells.items()), len(ids))
    return ClusterScores(
        len(ids), precision, recall, _f1(precision, recall),
        b_precision, b_recall, _f1(b_precision, b_recall),
        _ari(together, pred_pairs, gold_pairs, _pairs(len(ids))),
    )  # fmt: skip


def _pool_pairs(predicted: Mapping[str, str], pool: Iterable[str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for doc in sorted(pool):
        if doc in predicted:
            groups.setdefault(predicted[doc], []).append(doc)
    return {pair for members in groups.values() for pair in combinations(members, 2)}


def score_pairs(
    predicted: Mapping[str, str], labelled: Sequence[tuple[str, str, str]], positive: Iterable[str]
) -> PairScores:
    """Score predicted clusters against labelled pairs ``(a, b, label)``.

    The pool is every document named in ``labelled``. Pairs with a label in ``positive``
    should be merged; every other pair of the pool, labelled or not, should not.
    """
    positive = set(positive)
    pool = {doc for a, b, _ in labelled for doc in (a, b)}
    merged = _pool_pairs(predicted, pool)
    by_label: dict[str, list[int]] = {}
    hits = 0
    positives = set()
    for a, b, label in labelled:
        key = (min(a, b), max(a, b))
        counts = by_label.setdefault(label, [0, 0])
        counts[0] += 1
        counts[1] += key in merged
        if label in positive:
            positives.add(key)
    hits = len(positives & merged)
    precision, recall = _ratio(hits, len(merged)), _ratio(hits, len(positives))
    return PairScores(
        len(pool), len(positives), len(merged), hits, precision, recall, _f1(precision, recall),
        {label: (n, m) for label, (n, m) in sorted(by_label.items())},
    )  # fmt: skip


# ---------------------------------------------------------------- gold files

CLUSTER_GOLD = ("id", "cluster")
PAIR_GOLD = ("a", "b", "label")

# Labels that read as "these two are duplicates" or as "they are not". WD and PD (wholly,
# partially derived) against ND (not derived) are the METER and COUNTER text-reuse labels.
_POSITIVE_WORDS = frozenset(
    {"1", "1.0", "true", "t", "yes", "y", "positive", "pos", "duplicate", "duplicates", "dup"}
    | {"same", "match", "copy", "derived", "wd", "pd"}
)
_NEGATIVE_WORDS = frozenset(
    {"0", "0.0", "false", "f", "no", "n", "negative", "neg", "different", "distinct"}
    | {"unrelated", "nonmatch", "nd"}
)


@dataclass(frozen=True, slots=True)
class Gold:
    """Gold labels read from a file: clusters (``id,cluster``) or pairs (``a,b,label``).

    Attributes:
        path: The file read.
        kind: ``"clusters"`` or ``"pairs"``.
        clusters: Document id -> gold cluster (cluster gold only).
        pairs: ``(a, b, label)`` per labelled pair, in file order (pair gold only).
    """

    path: str
    kind: str
    clusters: Mapping[str, str] = field(default_factory=dict)
    pairs: tuple[tuple[str, str, str], ...] = ()

    @property
    def ids(self) -> set[str]:
        """Every document id the gold names."""
        if self.kind == "clusters":
            return set(self.clusters)
        return {doc for a, b, _ in self.pairs for doc in (a, b)}

    @property
    def labels(self) -> list[str]:
        """The distinct pair labels, sorted."""
        return sorted({label for _, _, label in self.pairs})


def _gold_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows of a CSV file as ``(line, cells)``; a BOM is ignored."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, [cell.strip() for cell in row]
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV",
            file=str(path),
        ) from None
    except csv.Error as exc:
        raise InputError(
            f"{path} is not valid CSV ({exc}); fix the quoting", file=str(path)
        ) from None
    except OSError as exc:
        raise InputError(
            f"cannot read gold file {path}: {exc.strerror or exc}", file=str(path)
        ) from None


def _gold_kind(path: Path, line: int, header: list[str]) -> str:
    names = [cell.lower() for cell in header]
    if names[: len(PAIR_GOLD)] == list(PAIR_GOLD):
        return "pairs"
    if names[: len(CLUSTER_GOLD)] == list(CLUSTER_GOLD):
        return "clusters"
    raise InputError(
        f"{path} line {line} has the header {','.join(header)!r}; a gold file starts with the "
        "header 'id,cluster' (one document a line, with its true group) or 'a,b,label' "
        "(one labelled pair a line). Rename the columns.",
        file=str(path),
        line=line,
    )


def _cells(path: Path, line: int, row: list[str], names: Sequence[str]) -> list[str]:
    cells = row[: len(names)]
    if len(row) < len(names) or not all(cells):
        raise InputError(
            f"{path} line {line} has {row!r}; each line needs {len(names)} non-empty values "
            f"({','.join(names)}). Fill in or delete the line.",
            file=str(path),
            line=line,
        )
    return cells


def _cluster_gold(path: Path, rows: Iterator[tuple[int, list[str]]]) -> Gold:
    clusters: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, row in rows:
        doc, group = _cells(path, line, row, CLUSTER_GOLD)
        if doc in clusters:
            raise InputError(
                f"{path} line {line} lists the id {doc!r} again (first on line {lines[doc]}); "
                "each document belongs to one cluster: delete one of the lines",
                file=str(path),
                line=line,
            )
        clusters[doc], lines[doc] = group, line
    return Gold(str(path), "clusters", clusters=clusters)


def _pair_gold(path: Path, rows: Iterator[tuple[int, list[str]]]) -> Gold:
    pairs: list[tuple[str, str, str]] = []
    lines: dict[tuple[str, str], int] = {}
    for line, row in rows:
        a, b, label = _cells(path, line, row, PAIR_GOLD)
        key = (min(a, b), max(a, b))
        problem = ""
        if a == b:
            problem = f"pairs the id {a!r} with itself; a pair needs two documents"
        elif key in lines:
            problem = f"labels the pair {a!r}, {b!r} again (first on line {lines[key]})"
        if problem:
            raise InputError(
                f"{path} line {line} {problem}: delete the line", file=str(path), line=line
            )
        lines[key] = line
        pairs.append((a, b, label))
    return Gold(str(path), "pairs", pairs=tuple(pairs))


def read_gold(path: str | Path) -> Gold:
    """Read a gold file, telling cluster gold from pair gold by its header.

    Cluster gold has the header ``id,cluster``; pair gold ``a,b,label``. Further
    columns are ignored.

    Raises:
        InputError: The file is missing, not UTF-8 CSV, has another header, a short or
            empty line, a repeated id or pair, or no labels at all; the message names the
            file, the line and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"gold file {path} does not exist or is not a file; give a CSV file", file=str(path)
        )
    rows = _gold_rows(path)
    first = next(rows, None)
    if first is None:
        raise InputError(
            f"{path} is empty; write the header 'id,cluster' or 'a,b,label' and one label a line",
            file=str(path),
        )
    kind = _gold_kind(path, *first)
    gold = _cluster_gold(path, rows) if kind == "clusters" else _pair_gold(path, rows)
    if not gold.ids:
        raise InputError(
            f"{path} has a header but no labels; add one line per label", file=str(path)
        )
    return gold


# ---------------------------------------------------------------- positive labels


def _threshold_rule(spec: str) -> tuple[str, float] | None:
    for op in (">=", ">"):
        if spec.startswith(op):
            try:
                return op, float(spec[len(op) :])
            except ValueError:
                return None
    return None


def _numeric_positives(labels: Sequence[str], op: str, limit: float, spec: str) -> set[str]:
    chosen = set()
    for label in labels:
        try:
            value = float(label)
        except ValueError:
            raise ConfigError(
                f"--positive {spec!r} compares numbers, but the gold has the label {label!r}; "
                "name the positive labels instead, e.g. --positive WD,PD"
            ) from None
        if value > limit or (op == ">=" and value == limit):
            chosen.add(label)
    return chosen


def positive_labels(labels: Sequence[str], spec: str | None = None) -> frozenset[str]:
    """Which pair labels mean "should be merged".

    Args:
        labels: The labels the gold uses.
        spec: Comma-separated labels (``"WD,PD"``), or a rule on numeric labels
            (``">=1.5"``, ``">0"``). ``None`` recognises labels that read as yes or no
            (``1``/``0``, ``true``/``false``, ``duplicate``, ``WD``/``PD``/``ND``, ...).

    Raises:
        ConfigError: ``spec`` names a label the gold does not use, selects none, or is
            ``None`` while some label reads neither as yes nor as no.
    """
    if spec is None:
        return _guess_positives(labels)
    rule = _threshold_rule(spec.strip())
    if rule:
        chosen = _numeric_positives(labels, *rule, spec)
    else:
        chosen = {name.strip() for name in spec.split(",") if name.strip()}
        unknown = sorted(chosen - set(labels))
        if unknown:
            raise ConfigError(
                f"--positive names {', '.join(map(repr, unknown))}, which the gold never uses; "
                f"its labels are {', '.join(labels)}"
            )
    if not chosen:
        raise ConfigError(
            f"--positive {spec!r} selects no label; the gold's labels are {', '.join(labels)}"
        )
    return frozenset(chosen)


def _guess_positives(labels: Sequence[str]) -> frozenset[str]:
    unclear = [label for label in labels if label.lower() not in _POSITIVE_WORDS | _NEGATIVE_WORDS]
    chosen = frozenset(label for label in labels if label.lower() in _POSITIVE_WORDS)
    if unclear or not chosen:
        raise ConfigError(
            f"cannot tell which pair labels mean 'duplicate': the gold's labels are "
            f"{', '.join(labels)}. Say which with --positive, e.g. --positive {labels[-1]} "
            "or, for numeric labels, --positive '>=1.5'"
        )
    return chosen


# ---------------------------------------------------------------- a run against gold


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A run's grouping scored against gold labels.

    Attributes:
        run_dir: The run folder scored.
        gold_path: The gold file.
        kind: ``"clusters"`` or ``"pairs"``: which gold it was.
        gold_ids: Documents the gold names.
        missing_ids: Of those, how many the run does not have (they are left out).
        missing_examples: Up to five of the missing ids, sorted.
        clusters: The scores, for cluster gold.
        pairs: The scores, for pair gold.
        positive: The labels counted as positive, for pair gold.
        skipped_pairs: Labelled pairs left out because a document is missing.
    """

    run_dir: str
    gold_path: str
    kind: str
    gold_ids: int
    missing_ids: int
    missing_examples: tuple[str, ...]
    clusters: ClusterScores | None = None
    pairs: PairScores | None = None
    positive: tuple[str, ...] = ()
    skipped_pairs: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for JSON: the fields, with the scores as nested dicts."""
        data: dict[str, Any] = {
            "run_dir": self.run_dir,
            "gold": self.gold_path,
            "kind": self.kind,
            "gold_ids": self.gold_ids,
            "missing_ids": self.missing_ids,
            "missing_examples": list(self.missing_examples),
        }
        if self.clusters is not None:
            data["scores"] = {
                name: getattr(self.clusters, name) for name in ClusterScores.__slots__
            }
        if self.pairs is not None:
            scores = {name: getattr(self.pairs, name) for name in PairScores.__slots__}
            scores["merged_by_label"] = {
                label: {"pairs": n, "merged": m, "not_merged": n - m}
                for label, (n, m) in self.pairs.merged_by_label.items()
            }
            data.update(scores=scores, positive=list(self.positive))
            data["skipped_pairs"] = self.skipped_pairs
        return data


def evaluate_run(
    run_dir: str | Path, gold_path: str | Path, *, positive: str | None = None
) -> Evaluation:
    """Score the grouping of a finished run (``newsdedup run ... -o RUN_DIR``) against gold.

    Cluster gold (``id,cluster``) gives pair P/R/F1, B-cubed P/R/F1 and ARI over the gold
    documents; pair gold (``a,b,label``) gives precision and recall over the pool of
    documents it names, and how many pairs of each label were merged. Gold ids the run
    does not have are counted in the result and left out of the scores.

    Args:
        run_dir: The run's output folder.
        gold_path: The gold CSV file.
        positive: For pair gold, which labels are duplicates (see :func:`positive_labels`).

    Raises:
        InputError: The run folder or the gold file cannot be read, or no gold document
            is in the run.
        ConfigError: The positive labels cannot be told (pair gold).
    """
    from newsdedup.io.rundir import check_run_dir, read_clusters

    folder = check_run_dir(run_dir)
    gold = read_gold(gold_path)
    predicted = read_clusters(folder)
    ids = gold.ids
    missing = sorted(ids - set(predicted))
    if len(missing) == len(ids):
        raise InputError(
            f"none of the {len(ids)} ids in {gold.path} is in the run {folder} "
            f"(e.g. {missing[0]!r}); check that the gold belongs to this corpus and uses its ids",
            file=gold.path,
        )
    base = Evaluation(str(folder), gold.path, gold.kind, len(ids), len(missing), tuple(missing[:5]))
    if gold.kind == "clusters":
        return replace(base, clusters=score_clusters(predicted, gold.clusters))
    chosen = positive_labels(gold.labels, positive)
    kept = [pair for pair in gold.pairs if pair[0] in predicted and pair[1] in predicted]
    return replace(
        base,
        pairs=score_pairs(predicted, kept, chosen),
        positive=tuple(sorted(chosen)),
        skipped_pairs=len(gold.pairs) - len(kept),
    )
