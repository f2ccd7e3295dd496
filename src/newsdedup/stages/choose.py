"""Representative policies: the order in which documents are preferred as the kept copy.

Clustering walks documents in this order, so the first member of every cluster is its
representative. Every policy ends with the document id, so ties are broken the same way
whatever the input order. Dates are read by :func:`newsdedup.dates.seconds`; an unknown
or unreadable date sorts after every known one.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from newsdedup.config import ChooseConfig
from newsdedup.data import Fingerprint
from newsdedup.dates import seconds


@cache
def _ranks(priority: tuple[str, ...]) -> dict[str, int]:
    return {name: rank for rank, name in reversed(list(enumerate(priority)))}


def sort_key(fp: Fingerprint, cfg: ChooseConfig) -> tuple[float, float, float, str]:
    """The key that orders documents by preference under ``cfg.policy`` (smallest first)."""
    when, longer = seconds(fp.published), -float(fp.length)
    if cfg.policy == "longest":
        return longer, when, 0.0, fp.doc_id
    if cfg.policy == "source":
        ranks = _ranks(cfg.source_priority)
        return float(ranks.get(fp.source or "", len(ranks))), when, longer, fp.doc_id
    return when, longer, 0.0, fp.doc_id


def id_ranks(ids: Sequence[str]) -> np.ndarray:
    """Each id's place among the ids sorted as strings (ids are unique)."""
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    return ranks


def preference(
    fingerprints: Sequence[Fingerprint], cfg: ChooseConfig, *, id_rank: np.ndarray | None = None
) -> np.ndarray:
    """Indices of ``fingerprints`` from most to least preferred as representative.

    The order of :func:`sort_key`, taken column by column (one sort of numbers, not of a
    tuple per document).

    Args:
        fingerprints: The documents.
        cfg: The policy.
        id_rank: :func:`id_ranks` of the documents' ids, if already known.
    """
    if id_rank is None:
        id_rank = id_ranks([fp.doc_id for fp in fingerprints])
    when = np.array([seconds(fp.published) for fp in fingerprints], dtype=np.float64)
    longer = -np.array([fp.length for fp in fingerprints], dtype=np.float64)
    if cfg.policy == "longest":
        return np.lexsort((id_rank, when, longer))
    if cfg.policy == "source":
        ranks = _ranks(cfg.source_priority)
        unlisted = len(ranks)
        source = np.array(
            [ranks.get(fp.source or "", unlisted) for fp in fingerprints], dtype=np.float64
        )
        return np.lexsort((id_rank, longer, when, source))
    return np.lexsort((id_rank, longer, when))
