"""Fit the story decision (:mod:`newsdedup.stages.decide`) on labelled pairs.

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
from dataclasses import dataclass, replace

import numpy as np

from newsdedup.config import Config
from newsdedup.data import Document
from newsdedup.stages.decide import FEATURES, HELPS, HURTS, LevelModel, Model


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """The candidate pairs of a corpus that the story model decides, with their features.

    Attributes:
        a: The first document of each pair.
        b: The second document of each pair.
        features: ``(pairs, len(FEATURES))``, in :data:`newsdedup.stages.decide.FEATURES` order.
        settled: Pairs already a copy or a rewrite, by id (the model never sees them).
        unreachable: Pairs that are neither but share too little wording to hold a long
            passage (:func:`newsdedup.stages.decide.may_hold_passage`), or are two short texts
            whose figures differ (:func:`newsdedup.stages.decide.figures_differ`): never a story.
    """

    a: tuple[str, ...]
    b: tuple[str, ...]
    features: np.ndarray
    settled: frozenset[frozenset[str]] = frozenset()
    unreachable: frozenset[frozenset[str]] = frozenset()


def pair_evidence(docs: Iterable[Document], config: Config | None = None) -> PairEvidence:
    """The story candidates of ``docs`` as a run at ``level = "stories"`` finds them.

    Candidates, verification and alignment are the run's own
    (:func:`newsdedup.pipeline.find_candidates`, :func:`newsdedup.stages.verify.verify`,
    :mod:`newsdedup.stages.evidence`); of each group of exact copies only the preferred one takes
    part.
    """
    from newsdedup.backends.local import fingerprint_stream
    from newsdedup.pipeline import _settled, _Texts, _unique_ids, find_candidates
    from newsdedup.stages.boilerplate import learn_from_documents
    from newsdedup.stages.choose import id_ranks, preference
    from newsdedup.stages.cluster import exact_heads
    from newsdedup.stages.decide import figures_differ, passage_stats
    from newsdedup.stages.evidence import passages
    from newsdedup.stages.verify import verify

    config = (config or Config()).replace({"decide": {"level": "stories"}})
    docs = list(_unique_ids(docs))
    by_id = {doc.id: doc for doc in docs}
    config = _settled(config, len(docs))
    furniture = learn_from_documents(docs, config.boilerplate)
    everyone = list(fingerprint_stream(docs, config, furniture=furniture))
    order = preference(everyone, config.choose, id_rank=id_ranks([fp.doc_id for fp in everyone]))
    heads = exact_heads(everyone, order)
    prints = [everyone[i] for i in np.flatnonzero(heads == np.arange(len(heads))).tolist()]
    found = find_candidates(prints, config)
    verified = verify(found.pairs, prints, config.verify, rewrites=found.rewrites)
    settled = frozenset(frozenset((m.a, m.b)) for m in verified.matches)
    pending = [
        p
        for p in verified.pending
        if not figures_differ(by_id[prints[p.i].doc_id].text, by_id[prints[p.j].doc_id].text)
    ]
    waiting = {frozenset((prints[p.i].doc_id, prints[p.j].doc_id)) for p in pending}
    unreachable = frozenset(
        key
        for i, j in found.pairs.tolist()
        if (key := frozenset((prints[i].doc_id, prints[j].doc_id))) not in settled | waiting
    )
    pairs = [(prints[p.i].doc_id, prints[p.j].doc_id) for p in pending]
    site = {fp.doc_id: fp.site for fp in prints}
    aligned = passages(pairs, _Texts(by_id, site), everyone, config.shingle, furniture)
    values = [
        replace(p.evidence, passages=passage_stats(ps, by_id[a].text)).features()
        for (a, _), p, ps in zip(pairs, pending, aligned, strict=True)
    ]
    return PairEvidence(
        tuple(a for a, _ in pairs),
        tuple(b for _, b in pairs),
        np.array(values, dtype=np.float64).reshape(len(pairs), len(FEATURES)),
        settled,
        unreachable,
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
    """The JSON form of ``model`` that :func:`newsdedup.stages.decide.load_model` reads."""
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
