"""Fit the story decision (:mod:`newsdedup.decide`) on labelled pairs.

The evidence of every candidate pair of a corpus is what the run itself would weigh
(:func:`pair_evidence`: the same candidates, the same n-gram weights), so a model fitted
here decides runs the way it was scored. The model is a logistic regression fitted by
L-BFGS-B (SciPy) with a small L2 penalty; the weights of the features that must only
help a pair (shared wording, coverage, rarity) are held at or above zero, and that of
the date gap at or below zero, so the fitted model can never prefer less evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from newsdedup.config import Config
from newsdedup.data import Document
from newsdedup.decide import FEATURES, HELPS, HURTS, LevelModel, Model
from newsdedup.verify import evidence


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """The candidate pairs of a corpus with their features.

    Attributes:
        a: The first document of each pair.
        b: The second document of each pair.
        features: ``(pairs, len(FEATURES))``, in :data:`newsdedup.decide.FEATURES` order.
    """

    a: tuple[str, ...]
    b: tuple[str, ...]
    features: np.ndarray


def pair_evidence(docs: Iterable[Document], config: Config | None = None) -> PairEvidence:
    """Every candidate pair of ``docs`` that is no exact copy, with its features.

    Candidates are found as a run finds them (:func:`newsdedup.pipeline.find_candidates`);
    of each group of exact copies only the preferred one takes part.
    """
    from newsdedup.backends.local import fingerprint_stream
    from newsdedup.boilerplate import learn_from_documents
    from newsdedup.choose import id_ranks, preference
    from newsdedup.cluster import exact_heads
    from newsdedup.pipeline import _settled, _unique_ids, find_candidates

    config = config or Config()
    docs = list(_unique_ids(docs))
    config = _settled(config, len(docs))
    furniture = learn_from_documents(docs, config.boilerplate)
    prints = list(fingerprint_stream(docs, config, furniture=furniture))
    order = preference(prints, config.choose, id_rank=id_ranks([fp.doc_id for fp in prints]))
    heads = exact_heads(prints, order)
    prints = [prints[i] for i in np.flatnonzero(heads == np.arange(len(heads))).tolist()]
    found = find_candidates(prints, config)
    if found.rewrites is None:
        return PairEvidence((), (), np.zeros((0, len(FEATURES))))
    weights, idf_max = found.rewrites.weights, found.rewrites.idf_max
    rows = found.pairs.tolist()
    values = [
        evidence(prints[i], prints[j], weights[i], weights[j], idf_max).features() for i, j in rows
    ]
    return PairEvidence(
        tuple(prints[i].doc_id for i, _ in rows),
        tuple(prints[j].doc_id for _, j in rows),
        np.array(values, dtype=np.float64).reshape(len(rows), len(FEATURES)),
    )


def fit_level(
    features: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    cut: float = 0.5,
    penalty: float = 1e-3,
) -> LevelModel:
    """Fit one level's logistic regression, with the sign constraints of the features.

    Args:
        features: ``(pairs, len(FEATURES))``.
        labels: 1 for a pair at this level, 0 for one that is not.
        weights: A weight per pair (for example, to give each corpus an equal say).
        cut: The probability at or above which a pair is at this level.
        penalty: L2 penalty on the feature weights (not the intercept).
    """
    from scipy.optimize import minimize

    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    design = np.hstack([np.ones((len(y), 1)), x])

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ theta
        # log(1 + exp(-z)) for positives, log(1 + exp(z)) for negatives, stably
        value = float(w @ (np.logaddexp(0.0, z) - y * z)) + penalty * float(theta[1:] @ theta[1:])
        grad = design.T @ (w * (1.0 / (1.0 + np.exp(-z)) - y))
        grad[1:] += 2 * penalty * theta[1:]
        return value, grad

    bounds = [(None, None)] + [
        (0.0, None) if name in HELPS else (None, 0.0) if name in HURTS else (None, None)
        for name in FEATURES
    ]
    theta = minimize(loss, np.zeros(design.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds).x
    return LevelModel(round(float(theta[0]), 6), tuple(round(float(t), 6) for t in theta[1:]), cut)


def model_json(model: Model, notes: Mapping[str, object] | None = None) -> str:
    """The JSON form of ``model`` that :func:`newsdedup.decide.load_model` reads."""
    part = model.story
    levels = {
        "story": {"intercept": part.intercept, "weights": list(part.weights), "cut": part.cut}
    }
    data = {
        "format": "newsdedup-decision",
        "version": 1,
        "features": list(FEATURES),
        "levels": levels,
        **({"notes": dict(notes)} if notes else {}),
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def probabilities(model: LevelModel, features: Sequence[Sequence[float]]) -> np.ndarray:
    """The model's probability for each row of ``features``."""
    return np.array([model.probability(row) for row in features], dtype=np.float64)
