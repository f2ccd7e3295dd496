"""Verified matches -> clusters, with a guard against chaining.

The rule: documents are taken in order of preference (see :mod:`newsdedup.stages.choose`).
Documents with the same normalised text form an exact group led by its most preferred
member. Then, in two rounds:

1. **Copies.** Each exact-group leader joins the most similar earlier document that
   *leads* a copy group and is a near or contained copy of it, or leads a copy group of
   its own.
2. **Rewrites.** Each copy-group leader, in the same order, joins the most similar
   earlier copy-group leader that *leads* a cluster and is a rewrite of it, bringing its
   copies along, or leads a cluster of its own.

So every document was verified directly against the document it is grouped under
(``matched_to``): its copy-group leader, and that one against the representative. An
unrelated story cannot join through a chain of partial matches (A matches B, B matches
C, C has nothing in common with A), which plain connected components over LSH edges
allow; and a weak rewrite match cannot split a wire story from its own copies. Because
the order depends only on the documents, not on their position in the input, the
partition does not depend on input order.

The walk runs on integer positions, not ids: documents are numbered by preference, each
round's candidate matches are sorted once (best first, per document), and one compiled
pass (:mod:`newsdedup.kernels.cluster`) takes each document's first candidate that still
leads. The records (:class:`~newsdedup.data.Cluster`, :class:`~newsdedup.data.Assignment`)
are built at the end, column by column. ``tests/cluster_reference.py`` keeps the
dictionary-walking implementation this one must equal.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import numpy as np

from newsdedup.data import Assignment, Cluster, Fingerprint, Match
from newsdedup.kernels import jit
from newsdedup.stages.choose import id_ranks

_SELF = Match("", "", 1.0, 1.0, "exact")
_LEVELS = {"rewrite": 1, "story": 2}  # every other kind is a copy (0)
# What a document's row is scored by, besides the index of a match: -1 itself (it leads),
_EXACT = -2  # an exact copy of the leader of its group,
_EMPTY = -3  # nothing (an empty document, alone).

Order = Sequence[int] | np.ndarray
"""Indices of documents in order of preference (:func:`newsdedup.stages.choose.preference`)."""


@cache
def _kernels() -> Any:
    """The compiled kernel module, or ``None`` when numba is missing or ``NEWSDEDUP_JIT=0``."""
    return jit.kernels("cluster")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a block makes records by the hundred thousand.

    Records and table rows hold no cycles, but every 700 allocations start a collection,
    and now and then a full one walks every object of the run (all the fingerprints): at
    300k documents the clusters table took 1.1 s to write with the collector on, 0.1 s
    with it off. Used while clustering and while writing (:mod:`newsdedup.io.write`).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def records(kind: type, *columns: Iterable[Any]) -> list[Any]:
    """Frozen slotted dataclass records from columns, one column per field, in field order.

    The same records as ``list(map(kind, *columns))``, made without running the generated
    ``__init__`` once per record (which sets each field through ``object.__setattr__``):
    each field is filled for every record by its slot's descriptor. Only for dataclasses
    whose fields are all given and that have no ``__post_init__``.
    """
    names = [f.name for f in fields(kind)]
    if len(names) != len(columns) or hasattr(kind, "__post_init__"):
        raise TypeError(f"records() needs one column per field of {kind.__name__}")
    values = [list(column) for column in columns]
    made: list[Any] = list(map(object.__new__, [kind] * (len(values[0]) if values else 0)))
    for name, column in zip(names, values, strict=True):
        if len(column) != len(made):
            raise ValueError(f"column {name!r} has {len(column)} values for {len(made)} records")
        deque(map(getattr(kind, name).__set__, made, column), maxlen=0)
    return made


def places(order: Order) -> np.ndarray:
    """The inverse of the permutation ``order``: each index's place in it."""
    walk = np.asarray(order, dtype=np.int64)
    place = np.empty_like(walk)
    place[walk] = np.arange(walk.size)
    return place


def exact_heads(fingerprints: Sequence[Fingerprint], order: Order) -> np.ndarray:
    """Each document's exact-group leader (an index): the most preferred with the same text.

    The same text under marks that tell two notices apart (:func:`newsdedup.stages.decide.marks`)
    is two groups. Empty documents (no digest) lead no group and are in none: -1.
    """
    codes: dict[str, int] = {}
    keys = (
        f"{fp.digest}|{fp.marks}" if fp.marks and fp.digest else fp.digest for fp in fingerprints
    )
    code = np.array([codes.setdefault(key, len(codes)) for key in keys], np.int64)
    walk = np.asarray(order, dtype=np.int64)
    found, first = np.unique(code[walk], return_index=True)
    leader = np.empty(len(codes), dtype=np.int64)
    leader[found] = walk[first]
    heads = leader[code]
    if "" in codes:
        heads[code == codes[""]] = -1
    return heads


@dataclass(frozen=True, slots=True)
class _Scores:
    """The matches as columns: endpoint indices (-1 if unknown), level and scores.

    ``level`` is 0 for a copy, 1 for a rewrite, 2 for a story: copies group in the first
    round, rewrites and stories in the second, a rewrite preferred to a story.
    """

    a: np.ndarray
    b: np.ndarray
    level: np.ndarray
    similarity: np.ndarray
    jaccard: np.ndarray
    containment: np.ndarray


def _scores(matches: Sequence[Match], index: Mapping[str, int]) -> _Scores:
    def column(values: list[Any], dtype: Any) -> np.ndarray:
        return np.array(values, dtype=dtype).reshape(len(matches))

    return _Scores(
        column([index.get(m.a, -1) for m in matches], np.int64),
        column([index.get(m.b, -1) for m in matches], np.int64),
        column([_LEVELS.get(m.kind, 0) for m in matches], np.int8),
        column([m.similarity for m in matches], np.float64),
        column([m.jaccard for m in matches], np.float64),
        column([m.containment for m in matches], np.float64),
    )


def _walk(starts: np.ndarray, earlier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leader and candidate taken per place (see :func:`cluster_kernels.attach_walk`)."""
    lead = np.arange(starts.size - 1, dtype=np.int64)
    via = np.full(starts.size - 1, -1, dtype=np.int64)
    kernels = _kernels()
    if kernels is not None:
        kernels.attach_walk(starts, earlier, lead, via)
        return lead, via
    bounds, before, leads = starts.tolist(), earlier.tolist(), lead.tolist()
    for r in range(len(leads)):
        for e in range(bounds[r], bounds[r + 1]):
            if leads[before[e]] == before[e]:
                leads[r], via[r] = before[e], e
                break
    return np.array(leads, dtype=np.int64), via


def _round(
    scores: _Scores, place: np.ndarray, active: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One round of attaching: each active document joins the earlier leader it matches best.

    Args:
        scores: The matches.
        place: Each document's place in the order of preference.
        active: The documents that take part.
        chosen: The matches that count in this round.

    Returns:
        Per document (by index), the leader it joined (itself if it leads) and the index
        of the match to it (-1 if it leads). Candidates rank as in the reference: a copy
        before a rewrite, then the highest similarity, Jaccard and containment, then the
        more preferred leader, then the earlier match.
    """
    n = place.size
    usable = chosen & (scores.a >= 0) & (scores.b >= 0)
    usable[usable] &= active[scores.a[usable]] & active[scores.b[usable]]
    which = np.flatnonzero(usable)
    at_a, at_b = place[scores.a[which]], place[scores.b[which]]
    differ = at_a != at_b
    which, at_a, at_b = which[differ], at_a[differ], at_b[differ]
    later, earlier = np.maximum(at_a, at_b), np.minimum(at_a, at_b)
    best = np.lexsort(
        (
            which,
            earlier,
            -scores.containment[which],
            -scores.jaccard[which],
            -scores.similarity[which],
            scores.level[which],
            later,
        )
    )
    starts = np.searchsorted(later[best], np.arange(n + 1))
    lead, via = _walk(starts, earlier[best])
    picked, got = which[best], via >= 0
    taken = np.full(n, -1, dtype=np.int64)
    taken[got] = picked[via[got]]
    return places(place)[lead[place]], taken[place]


def _components(
    scores: _Scores,
    place: np.ndarray,
    active: np.ndarray,
    chosen: np.ndarray,
    marks: Sequence[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group active documents by the connected components of the chosen matches.

    Matches join components strongest first (as :func:`_round` ranks them); a match that
    would join two components naming disjoint tickers (:func:`newsdedup.stages.decide.marks`) is
    passed over, so two companies' notices never end in one group through a chain.

    Returns, per document (by index): its component's most preferred member, the member
    it was verified against (its most preferred neighbour within the component, then the
    earlier match; itself for the representative) and the index of that match (-1 for the
    representative).
    """
    n = place.size
    own = np.arange(n)
    usable = chosen & (scores.a >= 0) & (scores.b >= 0)
    usable[usable] &= active[scores.a[usable]] & active[scores.b[usable]]
    which = np.flatnonzero(usable)
    strongest = np.lexsort(
        (
            which,
            -scores.containment[which],
            -scores.jaccard[which],
            -scores.similarity[which],
            scores.level[which],
        )
    )
    parent = list(range(n))
    tickers = {i: frozenset(marks[i].split()) for i in range(n) if marks[i]}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(
        scores.a[which[strongest]].tolist(), scores.b[which[strongest]].tolist(), strict=True
    ):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        ta, tb = tickers.get(ra), tickers.get(rb)
        if ta and tb and not ta & tb:
            continue
        parent[rb] = ra
        if tb:
            tickers[ra] = ta | tb if ta else tb
    label = np.array([root(i) for i in range(n)], dtype=np.int64)
    first = np.full(n, n, dtype=np.int64)
    np.minimum.at(first, label, place)
    rep = places(place)[first[label]]
    a, b = scores.a[which], scores.b[which]
    inside = label[a] == label[b]
    a, b, which = a[inside], b[inside], which[inside]
    ends, others = np.concatenate([a, b]), np.concatenate([b, a])
    index = np.concatenate([which, which])
    best = np.lexsort((index, place[others], ends))
    ends, others, index = ends[best], others[best], index[best]
    head = np.ones(ends.size, dtype=bool)
    head[1:] = ends[1:] != ends[:-1]
    neighbour, via = own.copy(), np.full(n, -1, dtype=np.int64)
    neighbour[ends[head]], via[ends[head]] = others[head], index[head]
    leads = rep == own
    neighbour[leads], via[leads] = own[leads], -1
    return rep, neighbour, via


def _placement(
    place: np.ndarray,
    heads: np.ndarray,
    scores: _Scores,
    *,
    components: bool = False,
    marks: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document: its representative, the document it was verified against, and how.

    How: the index of the match to that document, or ``-1`` (it is the representative),
    ``_EXACT`` (an exact copy of it) or ``_EMPTY``. With ``components``, the second round
    groups copy-group leaders by the connected components of their rewrite and story
    matches (:func:`_components`) instead of attaching each to an earlier leader.
    """
    own = np.arange(place.size)
    lead_copies, via_copies = _round(scores, place, heads == own, scores.level == 0)
    leads = lead_copies == own
    second = (heads == own) & leads
    if components:
        lead_rewrites, neighbour, via_rewrites = _components(
            scores, place, second, scores.level > 0, marks
        )
    else:
        lead_rewrites, via_rewrites = _round(scores, place, second, scores.level > 0)
        neighbour = lead_rewrites
    represented = np.where(leads, lead_rewrites, lead_rewrites[lead_copies])
    verified = np.where(leads, neighbour, lead_copies)
    how = np.where(leads, via_rewrites, via_copies)
    head = np.where(heads >= 0, heads, own)
    rep = represented[head]
    joined = rep != head
    matched_to = np.where(joined, verified[head], head)
    via = np.where(joined, how[head], np.where(head == own, -1, _EXACT))
    via[heads < 0] = _EMPTY
    return rep, matched_to, via


def _clusters(
    ids: Sequence[str], rep: np.ndarray, place: np.ndarray, id_rank: np.ndarray
) -> tuple[Cluster, ...]:
    """The clusters ordered by representative id, members in order of preference."""
    if not ids:
        return ()
    walk = np.lexsort((place, id_rank[rep]))
    reps = rep[walk]
    cuts = (np.flatnonzero(reps[1:] != reps[:-1]) + 1).tolist()
    members = list(map(ids.__getitem__, walk.tolist()))
    leads = list(map(ids.__getitem__, reps[[0, *cuts]].tolist()))
    spans = zip([0, *cuts], [*cuts, len(ids)], strict=True)
    groups = [tuple(members[start:end]) for start, end in spans]
    return tuple(records(Cluster, leads, leads, groups))


def _assignments(
    ids: Sequence[str],
    rep: np.ndarray,
    matched_to: np.ndarray,
    via: np.ndarray,
    matches: Sequence[Match],
) -> tuple[Assignment, ...]:
    """One row per document (input order), built column by column."""
    n, last = len(ids), len(matches)
    size = np.bincount(rep, minlength=n)[rep]
    leads = rep == np.arange(n)
    # Rows take their scores from a match, or from the two rows after the matches:
    # [1.0, ...] for a leader or an exact copy, [0.0, ...] for an empty document.
    code = np.where(via >= 0, via, np.where(via == _EMPTY, last + 1, last))
    kind = np.where(leads & (via != _EMPTY), np.where(size > 1, last + 2, last + 3), code)
    scores = code.tolist()
    jaccard = [m.jaccard for m in matches] + [1.0, 0.0]
    containment = [m.containment for m in matches] + [1.0, 0.0]
    similarity = [1.0 if m.kind == "exact" else m.similarity for m in matches] + [1.0, 0.0]
    kinds = [m.kind for m in matches] + ["exact", "empty", "representative", "unique"]
    return tuple(
        records(
            Assignment,
            ids,
            map(ids.__getitem__, rep.tolist()),
            leads.tolist(),
            size.tolist(),
            map(jaccard.__getitem__, scores),
            map(containment.__getitem__, scores),
            map(kinds.__getitem__, kind.tolist()),
            map(similarity.__getitem__, scores),
            map(ids.__getitem__, matched_to.tolist()),
        )
    )


def attach(ids: Sequence[str], matches: Sequence[Match]) -> dict[str, tuple[str, Match]]:
    """Walk ``ids`` in preference order; map each to its cluster leader and the match to it.

    A document joins the earlier leader it matches best (a copy before a rewrite, then
    the highest similarity, Jaccard and containment, then preference), or leads its own
    cluster (mapped to itself).
    """
    walk = np.arange(len(ids), dtype=np.int64)
    scores = _scores(matches, {doc_id: i for i, doc_id in enumerate(ids)})
    lead, via = _round(scores, walk, np.ones(len(ids), bool), np.ones(len(matches), bool))
    return {
        doc_id: (ids[leader], matches[taken] if taken >= 0 else _SELF)
        for doc_id, leader, taken in zip(ids, lead.tolist(), via.tolist(), strict=True)
    }


def cluster(
    fingerprints: Sequence[Fingerprint],
    order: Order,
    matches: Sequence[Match],
    *,
    heads: np.ndarray | None = None,
    id_rank: np.ndarray | None = None,
    components: bool = False,
) -> tuple[tuple[Cluster, ...], tuple[Assignment, ...]]:
    """Group documents into clusters.

    Args:
        fingerprints: Every document, in input order. Empty documents (no digest) stay alone.
        order: Indices of ``fingerprints`` in order of preference as representative.
        matches: Verified near/contained matches between exact-group leaders.
        heads: :func:`exact_heads` of ``fingerprints``, if already known.
        id_rank: :func:`id_ranks` of the ids, if already known.
        components: Group the copy groups by the connected components of their rewrite
            and story matches (the story level: reports around one source form one
            group) rather than attaching each to an earlier leader it matches.

    Returns:
        The clusters, ordered by representative id, and one assignment per document in
        input order.
    """
    ids = [fp.doc_id for fp in fingerprints]
    place = places(order)
    heads = exact_heads(fingerprints, order) if heads is None else heads
    id_rank = id_ranks(ids) if id_rank is None else id_rank
    scores = _scores(matches, {doc_id: i for i, doc_id in enumerate(ids)})
    marks = [fp.marks for fp in fingerprints] if components else []
    rep, matched_to, via = _placement(place, heads, scores, components=components, marks=marks)
    with gc_paused():
        return _clusters(ids, rep, place, id_rank), _assignments(ids, rep, matched_to, via, matches)
