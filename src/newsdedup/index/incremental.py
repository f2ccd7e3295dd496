"""Matching a batch against what an index holds: the pipeline's stages on a neighbourhood.

A batch run compares every document with every other; an add compares each new document
with the stored documents it could match and with the rest of its batch, through the same
stages (LSH banding, lead keys, rare n-grams, verification, the story decision,
clustering). The stored documents a new one could match are found by lookup: those that
share an LSH band key or a lead key with it, and, for rewrites and stories, those dated
within ``window_days`` of it (and the undated), as a batch run's date plan meets them.
Together with the batch they are the *neighbourhood*; candidates among it that involve
no new document were settled by an earlier add and are passed over.

Corpus-wide statistics are the index's (README, "Incremental index"): the n-gram document
frequencies are counted over every distinct text stored, this batch's included, when the
add runs; a match is decided with them then and not revisited. The furniture is frozen
when the index learns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from newsdedup.config import Config, RewriteConfig
from newsdedup.data import Fingerprint, Match
from newsdedup.dates import seconds
from newsdedup.kernels.counting import indexed
from newsdedup.stages.leads import MAX_BUCKET, entry_pairs, lead_entries
from newsdedup.stages.lsh import Banding, band_keys, banded, choose_banding
from newsdedup.stages.minhash import signatures
from newsdedup.stages.rewrite import (
    LazyWeights,
    Rarity,
    auto_candidate_sample,
    auto_max_df,
    candidates,
)
from newsdedup.stages.verify import Rewrites, Verified, verify

_EMPTY = np.zeros(0, dtype=np.uint32)
_DAY = 86400.0


def text_key(fp: Fingerprint) -> str:
    """What makes two documents one exact group: the text's digest, and its marks if any.

    The key of :func:`newsdedup.stages.cluster.exact_heads`; empty for an empty text.
    """
    return f"{fp.digest}|{fp.marks}" if fp.marks and fp.digest else fp.digest


def signed(fp: Fingerprint, config: Config) -> Fingerprint:
    """``fp`` with its MinHash signature (computed from its shingles when it has none)."""
    if fp.signature is not None:
        return fp
    return replace(fp, signature=signatures([fp.shingles], config.minhash)[0])


def bare(fp: Fingerprint) -> bool:
    """A document without a shingle stays out of LSH (its signature is all empty)."""
    return len(fp.shingles) == 0


def band_keys_of(fps: Sequence[Fingerprint], banding: Banding) -> list[np.ndarray]:
    """Each document's LSH band keys (``uint64``, one a band; none without a shingle)."""
    if not fps:
        return []
    sigs = np.stack([fp.signature for fp in fps])
    keys = np.stack([band_keys(sigs, b, banding.rows) for b in range(banding.bands)], axis=1)
    return [
        _EMPTY.astype(np.uint64) if bare(fp) else row for fp, row in zip(fps, keys, strict=True)
    ]


def lead_flat(fps: Sequence[Fingerprint]) -> np.ndarray:
    """Every lead key of ``fps`` (``uint64``)."""
    return lead_entries([fp.leads for fp in fps], np.arange(len(fps)))[0]


def open_leads(stored: dict[int, int], new: np.ndarray, cap: int = MAX_BUCKET) -> np.ndarray:
    """The lead keys of ``new`` still held by at most ``cap`` documents, index and batch together.

    A batch run passes over a key held by more than ``cap`` documents (a template's opening);
    so does an add, counting the key's holders in the index too.
    """
    keys, held = np.unique(new, return_counts=True)
    total = held + np.array([stored.get(int(k), 0) for k in keys.tolist()], dtype=np.int64)
    return keys[total <= cap]


def window(times: np.ndarray, config: Config) -> tuple[float, float]:
    """The dates (seconds) within which stored documents may be rewrites of the batch's.

    Everything when a new document is undated: an unknown date rules nothing out.
    """
    if not times.size or not np.all(np.isfinite(times)):
        return -np.inf, np.inf
    reach = (config.rewrite.window_days + 0.001) * _DAY
    return float(times.min() - reach), float(times.max() + reach)


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2's hash-based unique is many times slower on ``uint32``)."""
    ordered = np.sort(keys)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered


def rarity_of(grams: np.ndarray, df: np.ndarray, documents: int) -> Rarity:
    """A :class:`Rarity` over the n-grams ``grams`` (sorted, unique) with their frequencies."""
    table = indexed(grams)
    return Rarity(replace(table, counts=np.asarray(df, dtype=np.int64)), documents)


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """The documents an add matches: stored ones that may match, then the batch's.

    Attributes:
        fingerprints: The stored documents' (by id), then the new distinct ones'.
        new: How many of them, at the end, are new.
        leads: The lead keys that still find candidates (held by at most 50 documents).
        rare: Document frequencies over the neighbourhood's n-grams, index-wide.
    """

    fingerprints: Sequence[Fingerprint]
    new: int
    leads: np.ndarray
    rare: Rarity | None


def candidate_pairs(hood: Neighbourhood, config: Config) -> tuple[np.ndarray, dict[str, int]]:
    """Candidate pairs of the neighbourhood with a new document, as a batch run finds them.

    Returns the pairs (rows, sorted, unique) and how many each source found.
    """
    fps = hood.fingerprints
    first_new = len(fps) - hood.new
    banding = choose_banding(config.lsh, config.minhash.num_perm)
    found: dict[str, int] = {}
    parts = []
    if fps:
        skip = np.fromiter((bare(fp) for fp in fps), bool, len(fps))
        sigs = np.stack([fp.signature for fp in fps])
        lsh = banded(sigs, banding, max_bucket=config.lsh.max_bucket, skip=skip).pairs
        flat, owner = lead_entries([fp.leads for fp in fps], np.arange(len(fps)))
        keep = np.isin(flat, hood.leads)
        leads = entry_pairs(flat[keep], owner[keep])
        parts += [lsh.reshape(-1, 2), leads.reshape(-1, 2)]
        found.update(candidates_lsh=len(lsh), candidates_lead=len(leads))
    if hood.rare is not None and fps:
        grams = [fp.grams if fp.grams is not None else _EMPTY for fp in fps]
        times = np.array([seconds(fp.published) for fp in fps], dtype=np.float64)
        rare = candidates(grams, hood.rare, settled_rewrite(config, hood.rare.documents), times)
        parts.append(rare.reshape(-1, 2))
        found["candidates_rewrite"] = len(rare)
    pairs = np.concatenate([np.zeros((0, 2), dtype=np.int64), *parts])
    pairs = pairs[pairs.max(axis=1) >= first_new] if len(pairs) else pairs
    pairs = np.unique(pairs, axis=0) if len(pairs) else pairs
    return pairs, found


def settled_rewrite(config: Config, documents: int) -> RewriteConfig:
    """The rewrite settings with the choices a batch run makes by corpus size made for the index.

    ``max_df`` and ``candidate_sample`` follow the index's distinct documents, not the
    neighbourhood's (which :func:`newsdedup.stages.rewrite.candidates` would count).
    """
    cfg = config.rewrite
    return replace(
        cfg,
        max_df=auto_max_df(cfg, documents),
        candidate_sample=auto_candidate_sample(cfg, documents),
    )


def verified(pairs: np.ndarray, hood: Neighbourhood, config: Config) -> Verified:
    """Verify the candidates with the index-wide n-gram weights (:func:`verify`)."""
    rewrites = None
    if hood.rare is not None:
        fps = hood.fingerprints
        grams = [fp.grams if fp.grams is not None else _EMPTY for fp in fps]
        idf_max = float(hood.rare.idf(np.zeros(1))[0])
        stories = config.decide.level == "stories"
        weights = LazyWeights(grams, hood.rare)
        rewrites = Rewrites(settled_rewrite(config, hood.rare.documents), weights, idf_max, stories)
    return verify(pairs, hood.fingerprints, config.verify, rewrites=rewrites)


def exact_matches(fps: Sequence[Fingerprint], heads: np.ndarray, order: np.ndarray) -> list[Match]:
    """A match from every exact copy to the leader of its group (as a batch run records it)."""
    out = []
    for doc in order.tolist():
        head = int(heads[doc])
        if head >= 0 and head != doc:
            a, b = sorted((fps[head].doc_id, fps[doc].doc_id))
            out.append(Match(a, b, 1.0, 1.0, "exact"))
    return out


def to_heads(matches: Sequence[Match], head_of: dict[str, str]) -> list[Match]:
    """Matches moved to the exact-group leaders of their documents, as clustering wants them.

    A match is stored between the documents that were compared, the first of each text in
    the index; when a later document of the same text is preferred (an earlier copy that
    arrived late), it leads the group and takes the group's matches.
    """
    out: dict[tuple[str, str], Match] = {}
    for m in matches:
        a, b = head_of.get(m.a, m.a), head_of.get(m.b, m.b)
        if a == b:
            continue
        first, second = sorted((a, b))
        out.setdefault((first, second), replace(m, a=first, b=second))
    return [out[key] for key in sorted(out)]
