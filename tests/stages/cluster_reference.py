"""The reference implementation of clustering: the dictionary walk, one document at a time.

This was ``newsdedup.stages.cluster`` (with ``choose.preference`` and the exact matches of
``pipeline``) before clustering ran on integer positions; the fast path must equal it
(``tests/test_cluster.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from newsdedup.config import ChooseConfig
from newsdedup.data import Assignment, Cluster, Fingerprint, Match
from newsdedup.stages.choose import sort_key

_SELF = Match("", "", 1.0, 1.0, "exact")
_LEVEL = {"rewrite": 1, "story": 2}  # every other kind is a copy (0)


def exact_leaders(fingerprints: Sequence[Fingerprint], order: Sequence[int]) -> dict[str, str]:
    """Map every non-empty document id to the most preferred id with the same text."""
    first: dict[str, str] = {}
    leader: dict[str, str] = {}
    for index in order:
        fp = fingerprints[index]
        if fp.digest:
            leader[fp.doc_id] = first.setdefault(fp.digest, fp.doc_id)
    return leader


def _neighbours(matches: Sequence[Match]) -> dict[str, list[tuple[str, Match]]]:
    found: dict[str, list[tuple[str, Match]]] = defaultdict(list)
    for match in matches:
        found[match.a].append((match.b, match))
        found[match.b].append((match.a, match))
    return found


def attach(ids: Sequence[str], matches: Sequence[Match]) -> dict[str, tuple[str, Match]]:
    """Walk ``ids`` in preference order; map each to its cluster leader and the match to it.

    A document joins the earlier leader it matches best (a copy before a rewrite, then
    the highest similarity, Jaccard and containment, then preference), or leads its own
    cluster (mapped to itself).
    """
    rank = {doc_id: position for position, doc_id in enumerate(ids)}
    neighbours = _neighbours(matches)
    placed: dict[str, tuple[str, Match]] = {}
    for doc_id in ids:
        options = [
            (_strength(m), rank[other], other, m)
            for other, m in neighbours.get(doc_id, ())
            if rank.get(other, len(rank)) < rank[doc_id] and placed[other][0] == other
        ]
        best = min(options, key=lambda option: option[:2], default=None)
        placed[doc_id] = (best[2], best[3]) if best else (doc_id, _SELF)
    return placed


def _strength(match: Match) -> tuple[int, float, float, float]:
    """Sort key of a match, strongest first: copies, then by similarity."""
    return (_LEVEL.get(match.kind, 0), -match.similarity, -match.jaccard, -match.containment)


def _member_row(doc_id: str, leader: str, match: Match, size: int, matched_to: str) -> Assignment:
    kind = ("representative" if size > 1 else "unique") if doc_id == leader else match.kind
    return Assignment(
        doc_id,
        leader,
        doc_id == leader,
        size,
        match.jaccard,
        match.containment,
        kind,
        1.0 if match.kind == "exact" else match.similarity,
        matched_to,
    )


def cluster(
    fingerprints: Sequence[Fingerprint], order: Sequence[int], matches: Sequence[Match]
) -> tuple[tuple[Cluster, ...], tuple[Assignment, ...]]:
    """Group documents into clusters.

    Args:
        fingerprints: Every document, in input order. Empty documents (no digest) stay alone.
        order: Indices of ``fingerprints`` in order of preference as representative.
        matches: Verified near/contained matches between exact-group leaders.

    Returns:
        The clusters, ordered by representative id, and one assignment per document in
        input order.
    """
    exact = exact_leaders(fingerprints, order)
    heads = [
        fingerprints[i].doc_id
        for i in order
        if exact.get(fingerprints[i].doc_id) == fingerprints[i].doc_id
    ]
    placed = _two_rounds(heads, matches)
    members: dict[str, list[str]] = defaultdict(list)
    links: dict[str, tuple[str, str, Match]] = {}
    for index in order:
        doc_id = fingerprints[index].doc_id
        head = exact.get(doc_id, doc_id)
        leader, matched_to, match = placed.get(head, (head, head, _SELF))
        if head != doc_id and leader == head:
            matched_to, match = head, Match(head, doc_id, 1.0, 1.0, "exact")
        links[doc_id] = (leader, matched_to, match)
        members[leader].append(doc_id)
    clusters = tuple(Cluster(lead, lead, tuple(ids)) for lead, ids in sorted(members.items()))
    rows = []
    for fp in fingerprints:
        leader, matched_to, match = links[fp.doc_id]
        if fp.digest:
            rows.append(_member_row(fp.doc_id, leader, match, len(members[leader]), matched_to))
        else:
            rows.append(
                Assignment(fp.doc_id, fp.doc_id, True, 1, 0.0, 0.0, "empty", 0.0, fp.doc_id)
            )
    return clusters, tuple(rows)


def _two_rounds(
    heads: Sequence[str], matches: Sequence[Match]
) -> dict[str, tuple[str, str, Match]]:
    """Map each exact-group leader to (representative, document matched to, that match)."""
    copies = attach(heads, [m for m in matches if m.kind not in _LEVEL])
    copy_leaders = [head for head in heads if copies[head][0] == head]
    rewrites = attach(copy_leaders, [m for m in matches if m.kind in _LEVEL])
    placed = {}
    for head in heads:
        lead, match = copies[head]
        if lead == head:
            placed[head] = (rewrites[head][0], rewrites[head][0], rewrites[head][1])
        else:
            placed[head] = (rewrites[lead][0], lead, match)
    return placed


def preference(fingerprints: Sequence[Fingerprint], cfg: ChooseConfig) -> list[int]:
    """Indices of ``fingerprints`` from most to least preferred as representative."""
    keys = [sort_key(fp, cfg) for fp in fingerprints]
    return sorted(range(len(fingerprints)), key=keys.__getitem__)


def exact_matches(leaders: dict[str, str]) -> list[Match]:
    """A match from every exact copy to the leader of its group."""
    return [
        Match(min(head, doc_id), max(head, doc_id), 1.0, 1.0, "exact")
        for doc_id, head in leaders.items()
        if head != doc_id
    ]


def all_matches(leaders: dict[str, str], near: Sequence[Match]) -> tuple[Match, ...]:
    """Exact and near matches ordered by (a, b), as ``DedupResult.matches``."""
    return tuple(sorted(exact_matches(leaders) + list(near), key=lambda m: (m.a, m.b)))
