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

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

import numpy as np

from newsdedup.config import ShingleConfig
from newsdedup.data import Fingerprint, Passage
from newsdedup.runtime import Mapper, serial
from newsdedup.stages.align import (
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


def passages(
    pairs: Sequence[Pair],
    texts: Texts,
    fingerprints: Sequence[Fingerprint],
    cfg: ShingleConfig,
    furniture: Boilerplate,
    *,
    run: Mapper = serial,
    threads: int = 1,
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
    """
    count = -(-len(pairs) // CHUNK)
    chunks = list(run(_align_task, (cfg, furniture), _tasks(pairs, texts), count))
    windows = np.concatenate([_EMPTY, *(chunk.windows for chunk in chunks)])
    if not windows.size:
        return [p for chunk in chunks for p in chunk.passages]
    rare = shingle_rarity(fingerprints, windows, threads=threads)
    out: list[tuple[Passage, ...]] = []
    for chunk in chunks:
        found = iter(rare.smallest(chunk.windows, chunk.bounds).tolist())
        out.extend(tuple(replace(p, found_in=next(found)) for p in ps) for ps in chunk.passages)
    return out


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
