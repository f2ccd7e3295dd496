"""Threshold guidance for a finished run: verified similarities beside the LSH S-curve.

Two things decide which pairs a run merges. LSH makes a pair a candidate with probability
``1 - (1 - s**rows) ** bands`` for a pair of Jaccard similarity ``s`` (the S-curve of
:func:`newsdedup.stages.lsh.probability`); verification then keeps the candidates whose Jaccard
or containment reaches its threshold. Put side by side, per band of similarity, the count
of verified pairs and the chance LSH had of finding a pair there show whether the run
sits on a cliff (many pairs just above the threshold, low candidate probability just
below) before a user moves a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdedup.errors import ConfigError, InputError


@dataclass(frozen=True, slots=True)
class SimilarityBin:
    """Verified pairs whose similarity falls in ``[low, high)`` (the last bin includes 1).

    Attributes:
        low: Lower edge.
        high: Upper edge.
        jaccard: Pairs with their Jaccard similarity in the bin.
        containment: Pairs with their containment in the bin.
        candidate_low: Probability that LSH makes a pair of Jaccard ``low`` a candidate.
        candidate_high: The same at ``high``.
        similarity: Rewrites with their IDF-weighted character similarity in the bin.
    """

    low: float
    high: float
    jaccard: int
    containment: int
    candidate_low: float
    candidate_high: float
    similarity: int = 0


@dataclass(frozen=True, slots=True)
class ThresholdGuidance:
    """What a run's thresholds did: the similarity histogram and the LSH S-curve.

    Attributes:
        run_dir: The run folder.
        bands: LSH bands of the run.
        rows: LSH rows per band.
        lsh_threshold: Jaccard at which LSH was tuned to reach its recall.
        verify_threshold: Jaccard at or above which a candidate is a near copy.
        containment_threshold: Containment at or above which a candidate is a contained copy.
        verified_pairs: Verified copies and rewrites (exact copies are not in the bins).
        exact_pairs: Pairs grouped as exact copies before LSH.
        half_at: Jaccard at which LSH finds half of the pairs.
        most_at: Jaccard at which LSH finds 99% of the pairs.
        bins: The histogram, from low to high similarity.
        rewrite_pairs: Verified rewrites (binned by their similarity).
        rewrite_thresholds: The rewrite bars (``threshold``, ``undated``,
            ``same_source``), from the run's config.
    """

    run_dir: str
    bands: int
    rows: int
    lsh_threshold: float | None
    verify_threshold: float | None
    containment_threshold: float | None
    verified_pairs: int
    exact_pairs: int
    half_at: float
    most_at: float
    bins: tuple[SimilarityBin, ...]
    rewrite_pairs: int = 0
    rewrite_thresholds: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for JSON, with each bin as a dict."""
        data = {name: getattr(self, name) for name in self.__slots__}
        data["bins"] = [{name: getattr(b, name) for name in b.__slots__} for b in self.bins]
        return data


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that a pair of Jaccard ``similarity`` becomes an LSH candidate."""
    from newsdedup.stages.lsh import probability

    return float(probability(similarity, bands, rows))


def similarity_at(chance: float, bands: int, rows: int) -> float:
    """Jaccard at which a pair becomes a candidate with probability ``chance`` (S-curve inverse)."""
    return float((1.0 - (1.0 - chance) ** (1.0 / bands)) ** (1.0 / rows))


def histogram(values: Sequence[float], bins: int) -> list[int]:
    """Count ``values`` in ``bins`` equal bins over ``[0, 1]``; 1.0 falls in the last bin."""
    counts = [0] * bins
    for value in values:
        counts[min(max(int(value * bins), 0), bins - 1)] += 1
    return counts


def build_bins(
    jaccard: Sequence[float],
    containment: Sequence[float],
    bands: int,
    rows: int,
    bins: int,
    similarity: Sequence[float] = (),
) -> tuple[SimilarityBin, ...]:
    """The histogram of the similarities beside the S-curve at each bin's edges."""
    by_jaccard, by_containment = histogram(jaccard, bins), histogram(containment, bins)
    by_similarity = histogram(similarity, bins)
    return tuple(
        SimilarityBin(
            i / bins,
            (i + 1) / bins,
            by_jaccard[i],
            by_containment[i],
            candidate_probability(i / bins, bands, rows),
            candidate_probability((i + 1) / bins, bands, rows),
            by_similarity[i],
        )
        for i in range(bins)
    )


def _banding(manifest: dict[str, Any], run_dir: Path) -> tuple[int, int]:
    from newsdedup.io.rundir import manifest_value

    bands = manifest_value(manifest, "stats", "lsh_bands") or manifest_value(
        manifest, "config", "lsh", "bands"
    )
    rows = manifest_value(manifest, "stats", "lsh_rows") or manifest_value(
        manifest, "config", "lsh", "rows"
    )
    if not isinstance(bands, int) or not isinstance(rows, int) or bands < 1 or rows < 1:
        raise InputError(
            f"{run_dir / 'manifest.json'} does not give the LSH bands and rows "
            "(stats.lsh_bands, stats.lsh_rows); run `newsdedup run` again to rewrite it",
            file=str(run_dir / "manifest.json"),
        )
    return bands, rows


def threshold_guidance(run_dir: str | Path, *, bins: int = 10) -> ThresholdGuidance:
    """Histogram a run's verified similarities beside the S-curve of its LSH banding.

    Args:
        run_dir: The output folder of ``newsdedup run``.
        bins: Equal bins over ``[0, 1]``.

    Raises:
        ConfigError: ``bins`` is not between 2 and 100.
        InputError: The run folder, its manifest or its pairs table cannot be read.
    """
    from newsdedup.io.rundir import check_run_dir, manifest_value, read_manifest, read_pairs

    if not 2 <= bins <= 100:
        raise ConfigError(f"bins must be between 2 and 100, not {bins}")
    folder = check_run_dir(run_dir)
    manifest = read_manifest(folder)
    bands, rows = _banding(manifest, folder)
    pairs = read_pairs(folder)
    verified = [pair for pair in pairs if pair.kind != "exact"]
    rewrites = [pair.similarity for pair in verified if pair.kind == "rewrite"]
    bars = {
        key: manifest_value(manifest, "config", "rewrite", key)
        for key in ("threshold", "undated", "same_source")
    }
    enabled = manifest_value(manifest, "config", "rewrite", "enabled")
    return ThresholdGuidance(
        run_dir=str(folder),
        bands=bands,
        rows=rows,
        lsh_threshold=manifest_value(manifest, "config", "lsh", "threshold"),
        verify_threshold=manifest_value(manifest, "config", "verify", "threshold"),
        containment_threshold=manifest_value(manifest, "config", "verify", "containment"),
        verified_pairs=len(verified),
        exact_pairs=len(pairs) - len(verified),
        half_at=similarity_at(0.5, bands, rows),
        most_at=similarity_at(0.99, bands, rows),
        bins=build_bins(
            [p.jaccard for p in verified],
            [p.containment for p in verified],
            bands,
            rows,
            bins,
            rewrites,
        ),
        rewrite_pairs=len(rewrites),
        rewrite_thresholds=bars if enabled and None not in bars.values() else None,
    )
