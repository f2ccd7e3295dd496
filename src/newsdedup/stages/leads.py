"""Lead keys: candidates for copies cut short, however far apart in time.

A copy holding the first fifth of its story has a Jaccard similarity of about 0.2 with
it: LSH tuned to 0.5 finds it about one time in four, and the rare n-grams look only
within ``rewrite.window_days``. But a cut-short copy keeps the story's opening words.
Each document's text (without its furniture) is normalised and its first
``WINDOWS * WORDS`` words cut into windows of :data:`WORDS`; each window is a key. Two
documents sharing a key are a candidate, at any date distance, and verification decides
(a contained copy needs containment >= ``verify.containment``). Keys held by more than
:data:`MAX_BUCKET` documents are common openings (a template's "Qtly div ... cts vs"),
not a story's, and find nothing.

The promise: a copy that keeps, word for word after normalisation, any one of its
original's first three 8-word windows (the copy starting at the original's start) is a
candidate with certainty, whatever its length or date.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

from newsdedup.stages.clean import normalize
from newsdedup.stages.lsh import bucket_pairs

WORDS = 8
"""Words per lead window."""
WINDOWS = 3
"""Windows per document: its first ``WINDOWS * WORDS`` words."""
MAX_BUCKET = 50
"""A key held by more documents than this finds no candidates."""
_CHARS = 600  # enough text for 24 words of any usual length


def lead_keys(body: str) -> bytes:
    """The keys of the first windows of ``body`` (fewer when it is short), in order.

    Each key is 8 bytes (XXH3-64 of the window and its place); all of them are one
    ``bytes`` object, so a million documents hold them in about 60 MB rather than 170.
    """
    words = normalize(body[:_CHARS]).split()
    return b"".join(
        xxhash.xxh3_64_digest(f"{k} {' '.join(words[k : k + WORDS])}".encode())
        for k in range(0, WINDOWS * WORDS, WORDS)
        if k + WORDS <= len(words)
    )


def lead_pairs(keys: Sequence[bytes], cap: int = MAX_BUCKET) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of documents that share a lead key, sorted and unique.

    Args:
        keys: Each document's :func:`lead_keys`.
        cap: Keys held by more documents than this are passed over.
    """
    return entry_pairs(*lead_entries(keys, np.arange(len(keys), dtype=np.int64)), cap)


def lead_entries(keys: Sequence[bytes], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every lead key of a chunk of documents with its document's row: ``(key, row)``.

    What an engine that gathers keys elsewhere sends there: :func:`entry_pairs` of all
    the entries of a key (from any chunks) are its pairs in :func:`lead_pairs`.
    """
    sizes = np.fromiter((len(k) // 8 for k in keys), dtype=np.int64, count=len(keys))
    flat = np.frombuffer(b"".join(keys), dtype=np.uint64)
    return flat, np.repeat(np.asarray(rows, dtype=np.int64), sizes)


def entry_pairs(flat: np.ndarray, owner: np.ndarray, cap: int = MAX_BUCKET) -> np.ndarray:
    """Pairs of rows that share a key of ``(flat, owner)`` (see :func:`lead_pairs`).

    Every entry of a key must be among them; the result is sorted, unique, ``i < j``.
    """
    order = np.lexsort((owner, flat))
    flat, owner = flat[order], owner[order]
    if not flat.size:
        return np.zeros((0, 2), dtype=np.int64)
    once = np.r_[True, (flat[1:] != flat[:-1]) | (owner[1:] != owner[:-1])]
    flat, owner = flat[once], owner[once]  # a document counts once in a bucket
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    counts = np.diff(np.r_[starts, flat.size])
    kept = np.repeat((counts >= 2) & (counts <= cap), counts)
    flat, owner = flat[kept], owner[kept]
    codes = bucket_pairs(flat)  # positions i * m + j within the kept keys
    m = max(flat.size, 1)
    pairs = np.stack([owner[codes // m], owner[codes % m]], axis=1)
    pairs.sort(axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)
