"""Evidence: the shared passages of every copy and rewrite, in chunks.

Pairs go out in chunks, with the texts they name (to worker processes or executors, as
the engine's :class:`~newsdedup.runtime.Mapper` decides); a text named by several
pairs of a chunk is cut into units once (pairs come sorted by their first document, so a
document matched several times mostly falls in one chunk). Workers return passages
without their ``found_in``, with the shingles it is taken from; the driver then counts
only those shingles over the corpus (:func:`newsdedup.stages.align.shingle_rarity` with
``keys``), so memory holds a table of the passages' shingles, not of every shingle.
Each pair's passages depend on its two texts alone and chunks come back in input order,
so where they are aligned changes how fast evidence comes, never what it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

import numpy as np

from newsdedup.config import ShingleConfig
from newsdedup.data import Fingerprint, Passage
from newsdedup.runtime import Mapper, serial
from newsdedup.stages.align import (
    Holders,
    ShingleRarity,
    Units,
    min_units,
    passage_spans,
    shingle_rarity,
    shingle_size,
    units,
)
from newsdedup.stages.boilerplate import Boilerplate, furniture_spans

CHUNK = 64
"""Pairs per chunk sent to a worker (a pair takes about 0.6 ms to align)."""
_EMPTY = np.zeros(0, dtype=np.uint32)

Pair = tuple[str, str]
"""The ids of a matched pair's two documents."""

Texts = Mapping[str, tuple[str, str | None]]
"""Each document's text and site (where its furniture is learned), by id."""


@dataclass(frozen=True, slots=True)
class AlignedChunk:
    """The passages of a chunk of pairs, before their rarity is counted.

    Attributes:
        passages: Each pair's passages, ``found_in`` not yet set.
        windows: The shingles each passage's ``found_in`` is taken from, passage after
            passage (all of the chunk's passages, in order).
        bounds: Passage ``k``'s shingles are ``windows[bounds[k]:bounds[k + 1]]``.
    """

    passages: list[tuple[Passage, ...]]
    windows: np.ndarray
    bounds: list[int]


def align_chunk(
    pairs: Sequence[Pair], texts: Texts, cfg: ShingleConfig, furniture: Boilerplate
) -> AlignedChunk:
    """Align every pair of a chunk, cutting each text into units once.

    The furniture lines of all the chunk's texts are found in one call
    (:func:`newsdedup.stages.boilerplate.furniture_spans`), not line by line.
    """
    named = list(dict.fromkeys(doc_id for pair in pairs for doc_id in pair))
    found = furniture_spans([texts[d][0] for d in named], [texts[d][1] for d in named], furniture)
    furniture_at = dict(zip(named, found, strict=True))
    cut: dict[str, Units] = {}

    def units_of(doc_id: str) -> Units:
        if doc_id not in cut:
            text, site = texts[doc_id]
            cut[doc_id] = units(text, cfg, site, furniture, furniture_at[doc_id])
        return cut[doc_id]

    passages: list[tuple[Passage, ...]] = []
    windows: list[np.ndarray] = [_EMPTY]
    for a_id, b_id in pairs:
        a, b = units_of(a_id), units_of(b_id)
        spans = passage_spans(a, b, shingle_size(a.unit, cfg), min_units(a.unit))
        passages.append(tuple(passage for passage, _ in spans))
        windows.extend(a.hashes[window] for _, window in spans)
    sizes = np.cumsum([w.size for w in windows])
    return AlignedChunk(passages, np.concatenate(windows), sizes.tolist())


@dataclass(frozen=True, slots=True)
class Traced:
    """Each pair's passages, and the shingle each passage's ``found_in`` was counted on.

    Attributes:
        passages: Each pair's passages, with their ``found_in``.
        rarest: The shingle of each passage held by the fewest documents, passage after
            passage, pair after pair (what :func:`newsdedup.stages.align.held_when` asks
            about, for when the documents holding a passage were published).
    """

    passages: list[tuple[Passage, ...]]
    rarest: np.ndarray


def passages(
    pairs: Sequence[Pair],
    texts: Texts,
    fingerprints: Sequence[Fingerprint],
    cfg: ShingleConfig,
    furniture: Boilerplate,
    *,
    run: Mapper = serial,
    threads: int = 1,
    rarity: Callable[[np.ndarray], ShingleRarity] | None = None,
) -> list[tuple[Passage, ...]]:
    """The passages each pair's two texts share, with how rare each is in the corpus.

    Args:
        pairs: The pairs, by document id.
        texts: At least every document the pairs name.
        fingerprints: Every document's fingerprint, for how rare a passage is.
        cfg: The shingle settings the matching used.
        furniture: The furniture that was set aside.
        run: Where the chunks are aligned; never changes the result.
        threads: Threads to count the passages' shingles over the corpus in.
        rarity: How the passages' shingles are counted over ``fingerprints``, given
            them (an engine's, where it holds the fingerprints); default
            :func:`newsdedup.stages.align.shingle_rarity` here. Never changes the result.
    """
    found = traced(
        pairs, texts, fingerprints, cfg, furniture, run=run, threads=threads, rarity=rarity
    )
    return found.passages


def traced(
    pairs: Sequence[Pair],
    texts: Texts,
    fingerprints: Sequence[Fingerprint],
    cfg: ShingleConfig,
    furniture: Boilerplate,
    *,
    run: Mapper = serial,
    threads: int = 1,
    rarity: Callable[[np.ndarray], ShingleRarity] | None = None,
) -> Traced:
    """:func:`passages`, with the rarest shingle of each passage."""
    count = -(-len(pairs) // CHUNK)
    chunks = list(run(_align_task, (cfg, furniture), _tasks(pairs, texts), count))
    windows = np.concatenate([_EMPTY, *(chunk.windows for chunk in chunks)])
    if not windows.size:
        return Traced([p for chunk in chunks for p in chunk.passages], windows)
    if rarity is None:
        rare = shingle_rarity(fingerprints, windows, threads=threads)
    else:
        rare = rarity(windows)
    out: list[tuple[Passage, ...]] = []
    keys = [_EMPTY]
    for chunk in chunks:
        fewest, rarest = rare.rarest(chunk.windows, chunk.bounds)
        found = iter(fewest.tolist())
        out.extend(tuple(replace(p, found_in=next(found)) for p in ps) for ps in chunk.passages)
        keys.append(rarest)
    return Traced(out, np.concatenate(keys))


def recurring(
    found: Traced,
    spans: np.ndarray,
    held: Callable[[np.ndarray], Holders],
) -> list[tuple[bool, ...]]:
    """Which passages recur beyond the pair's dates: background, not one event's words.

    A passage held by more documents dated outside its pair's span than inside it is a
    sentence an agency or outlet reuses for weeks or months (background, boilerplate of
    a beat), not the source words of the event the two reports are about. A passage
    held by these two texts only, or of a pair with an unknown date, never recurs.

    Args:
        found: The pairs' passages (:func:`traced`).
        spans: One row a pair: the first and last moment (seconds) its window covers,
            ``inf`` where a date is unknown.
        held: When the documents holding some shingles were published, given them
            (:func:`newsdedup.stages.align.held_when` over the corpus).
    """
    sizes = np.array([len(ps) for ps in found.passages], dtype=np.int64)
    pair = np.repeat(np.arange(sizes.size), sizes)
    counts = np.array([p.found_in for ps in found.passages for p in ps], dtype=np.int64)
    dated = np.isfinite(spans).all(axis=1) if len(spans) else np.zeros(0, dtype=bool)
    ask = np.flatnonzero((counts > 2) & dated[pair]) if counts.size else pair[:0]
    out = np.zeros(counts.size, dtype=bool)
    if ask.size:
        keys = found.rarest[ask]
        holders = held(np.unique(keys))
        inside = holders.dated(keys, spans[pair[ask], 0], spans[pair[ask], 1])
        out[ask] = holders.held(keys) - inside > inside
    flags = iter(out.tolist())
    return [tuple(next(flags) for _ in ps) for ps in found.passages]


def _tasks(pairs: Sequence[Pair], texts: Texts) -> Iterator[tuple[list[Pair], dict[str, Any]]]:
    """Chunks of pairs, each with the texts it names."""
    pending = iter(pairs)
    while chunk := list(islice(pending, CHUNK)):
        yield chunk, {doc_id: texts[doc_id] for pair in chunk for doc_id in pair}


def _align_task(
    context: tuple[ShingleConfig, Boilerplate], task: tuple[list[Pair], Texts]
) -> AlignedChunk:
    """One chunk's task: the settings and furniture are the context every chunk shares."""
    cfg, furniture = context
    return align_chunk(task[0], task[1], cfg, furniture)
