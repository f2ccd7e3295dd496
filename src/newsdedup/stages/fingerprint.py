"""Fingerprints: the one place a document's text becomes what matching compares.

A fingerprint (:class:`~newsdedup.data.Fingerprint`) holds the exact-duplicate digest and
length of the whole normalised text, and, of the text without its furniture
(:mod:`newsdedup.stages.boilerplate`): the word or character shingles
(:mod:`newsdedup.stages.shingle`), their MinHash signature (:mod:`newsdedup.stages.minhash`),
the rewrites' character n-grams, what tells it from a notice like it, and its lead keys.

:func:`fingerprint_chunk` fingerprints a chunk of documents as columns: what every engine
runs, in a worker process or on a Spark executor. :func:`fingerprint` is its per-document
reference. The hot path runs in the compiled kernels (:mod:`newsdedup.kernels.text`) when
:func:`use_jit` allows, else in numpy (:func:`numpy_columns`); both give the same bits.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from types import ModuleType
from typing import Any

import numpy as np
import xxhash

from newsdedup.config import Config, MinHashConfig, ShingleConfig
from newsdedup.data import Document, Fingerprint
from newsdedup.kernels import jit
from newsdedup.stages.boilerplate import Boilerplate, source_of, strip, strip_chunk
from newsdedup.stages.clean import digest, normalize
from newsdedup.stages.decide import marks
from newsdedup.stages.leads import lead_keys
from newsdedup.stages.minhash import _oph_tables, window_signatures
from newsdedup.stages.rewrite import char_grams
from newsdedup.stages.shingle import (
    Windows,
    _ascii_array,
    _prepare,
    char_gram_sets,
    mixes,
    shingle_and_window,
    shingles,
    window_texts,
)

_EMPTY = np.zeros(0, dtype=np.uint32)


def fingerprint(doc: Document, config: Config, furniture: Boilerplate | None = None) -> Fingerprint:
    """Normalise and shingle one document; its text is not kept.

    The exact-duplicate digest is taken on the whole text; shingles and character n-grams
    on the text without its furniture (see :mod:`newsdedup.stages.boilerplate`).
    """
    norm = normalize(doc.text)
    site = source_of(doc.source, doc.url)
    if not norm:
        return Fingerprint(doc.id, "", _EMPTY, 0, doc.published, doc.source, _EMPTY, site)
    signs = marks(doc.text, doc.title)
    body = strip(doc.text, site, furniture or Boilerplate(patterns=False))
    compared = norm if body is doc.text else normalize(body)
    grams = char_grams(compared, config.rewrite) if config.rewrite.enabled else None
    return Fingerprint(
        doc.id,
        digest(norm),
        shingles(compared, config.shingle),
        len(norm),
        doc.published,
        doc.source,
        grams,
        site,
        marks=signs,
        leads=lead_keys(body),
    )


@dataclass(frozen=True, slots=True)
class ChunkPrints:
    """Fingerprints of a batch of texts as columns, as the numpy path and the kernels give them.

    Attributes:
        digests: Exact-duplicate key of each normalised text (empty for empty text).
        lengths: Characters of each normalised text.
        shingles: Every text's sorted unique shingles, one after the other (``uint32``).
        bounds: ``shingles[bounds[i]:bounds[i + 1]]`` are text ``i``'s.
        signatures: ``len(texts) x num_perm`` MinHash signatures.
        grams: Each text's sorted unique sampled character n-grams (``None`` when rewrites
            are off).
    """

    digests: list[str]
    lengths: list[int]
    shingles: np.ndarray
    bounds: list[int]
    signatures: np.ndarray
    grams: list[np.ndarray] | None


Slim = tuple[str, str, str | None, str | None, str | None, str | None]
"""id, text, published, source, url, title."""


@dataclass(frozen=True, slots=True)
class FingerprintChunk:
    """Fingerprints of a chunk of documents, in input order, as columns.

    Columns cross the process boundary as a few large arrays rather than one small array
    per document, which keeps the driver's unpickling cheap.

    Attributes:
        ids: Document ids.
        digests: Exact-duplicate keys (empty for empty text).
        lengths: Characters of each normalised text.
        published: Publication dates, if known.
        sources: Outlets, if known.
        shingles: Every document's sorted unique shingles, one after the other.
        bounds: ``shingles[bounds[i]:bounds[i + 1]]`` are document ``i``'s.
        signatures: ``len(ids) x num_perm`` MinHash signatures.
        grams: Rewrites' character n-grams of every document that has them, one after
            the other.
        gram_bounds: ``grams[gram_bounds[i]:gram_bounds[i + 1]]`` are document ``i``'s;
            ``None`` when rewrites are off (then only empty texts have n-grams: none).
        sites: Where each document's furniture is learned (source, else URL host).
        marks: What tells each document from a notice like it
            (:func:`newsdedup.stages.decide.marks`).
        leads: Each document's lead keys (:func:`newsdedup.stages.leads.lead_keys`).
        seen: Learned furniture lines met in the chunk, first time each, as
            ``key: (source, line)`` (see :func:`newsdedup.stages.boilerplate.named`).
        stored: Where the engine put the shingles, signatures and n-grams instead, which
            then travel empty (the local engine's
            :class:`~newsdedup.backends.spill.SpillWriter`); ``None`` when they are here.
    """

    ids: list[str]
    digests: list[str]
    lengths: list[int]
    published: list[str | None]
    sources: list[str | None]
    shingles: np.ndarray
    bounds: list[int]
    signatures: np.ndarray
    grams: np.ndarray
    gram_bounds: list[int] | None
    sites: list[str | None]
    seen: dict[int, tuple[str, str]]
    marks: list[str]
    leads: list[bytes]
    stored: tuple[object, object, object] | None = None

    @property
    def fingerprints(self) -> list[Fingerprint]:
        """One :class:`Fingerprint` per document; shingles, n-grams and signature are views."""
        cuts = pairwise(self.bounds)
        return [
            Fingerprint(
                doc_id,
                key,
                self.shingles[lo:hi],
                length,
                _intern(date),
                _intern(source),
                grams,
                _intern(site),
                sig,
                mark,
                lead,
            )
            for doc_id, key, length, date, source, (lo, hi), sig, grams, site, mark, lead in zip(
                self.ids,
                self.digests,
                self.lengths,
                self.published,
                self.sources,
                cuts,
                self.signatures,
                self.gram_sets,
                self.sites,
                self.marks,
                self.leads,
                strict=True,
            )
        ]

    @property
    def gram_sets(self) -> list[np.ndarray | None]:
        """Each document's n-grams: as the per-document path makes them (empty text: none)."""
        if self.gram_bounds is None:
            return [_EMPTY if not key else None for key in self.digests]
        return [self.grams[lo:hi] for lo, hi in pairwise(self.gram_bounds)]


def noting(
    parts: Iterable[FingerprintChunk], seen: MutableMapping[int, tuple[str, str]] | None
) -> Iterator[FingerprintChunk]:
    """The parts, the learned furniture lines each met recorded in ``seen`` (first time each)."""
    for part in parts:
        if seen is not None:
            for key, line in part.seen.items():
                seen.setdefault(key, line)
        yield part


def _intern(value: str | None) -> str | None:
    """One copy of each date and outlet name, however many documents share it."""
    return None if value is None else sys.intern(value)


def use_jit() -> bool:
    """Whether fingerprints come from the compiled kernels or from numpy: the one switch.

    The kernels (:mod:`newsdedup.kernels.text`, numba) are used when numba imports, unless the
    environment sets ``NEWSDEDUP_JIT=0``; numpy (:mod:`newsdedup.stages.shingle`,
    :mod:`newsdedup.stages.minhash`) is the reference and the fallback. Both give the same
    fingerprints bit for bit, so the switch changes speed, never results. Worker processes
    inherit the environment, so they decide alike.
    """
    return jit.kernels("text") is not None


def fingerprint_texts(texts: Sequence[str], config: Config) -> np.ndarray:
    """MinHash signatures (``len(texts) x num_perm``) of raw texts: the hot path alone."""
    if use_jit():
        return _compiled_texts(texts, config)
    return window_signatures(window_texts(texts, config.shingle), config.minhash)


def numpy_columns(texts: Sequence[str], config: Config) -> ChunkPrints:
    """Digests, lengths, shingle sets, signatures and character n-grams of raw texts (numpy).

    The reference that the compiled path (:func:`_compiled_columns`) equals.
    """
    batch, windows = shingle_and_window(texts, config.shingle)
    sizes = [s.size for s in batch.shingles]
    grams = None
    if config.rewrite.enabled:
        rewrite = config.rewrite
        grams = char_gram_sets(batch.normalized, rewrite.char_size, max(rewrite.sample, 1))
    return ChunkPrints(
        digests=batch.digests,
        lengths=batch.lengths,
        shingles=np.concatenate([_EMPTY, *batch.shingles]),
        bounds=[0, *accumulate(sizes)],
        signatures=window_signatures(windows, config.minhash),
        grams=grams,
    )


def columns(texts: Sequence[str], config: Config) -> ChunkPrints:
    """:func:`numpy_columns` of raw texts, from the kernels when :func:`use_jit` says so."""
    if use_jit():
        return _compiled_columns(texts, config)
    return numpy_columns(texts, config)


def whole(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """Exact-duplicate key and normalised length of each text (compiled when possible)."""
    if use_jit():
        return _compiled_keys(texts)
    norms = [normalize(text) for text in texts]
    return [digest(norm) if norm else "" for norm in norms], [len(norm) for norm in norms]


def fingerprint_chunk(
    docs: Sequence[Slim], config: Config, furniture: Boilerplate | None = None
) -> FingerprintChunk:
    """Fingerprint one chunk of ``(id, text, published, source, url)``.

    Equals :func:`fingerprint` document by document: the digest and
    length are of the whole normalised text, shingles and character n-grams of the text
    without its furniture.
    """
    furniture = furniture or Boilerplate(patterns=False)
    sites = [source_of(doc[3], doc[4]) for doc in docs]
    seen: dict[int, tuple[str, str]] = {}
    bodies = strip_chunk([doc[1] for doc in docs], sites, furniture, seen)
    prints = columns(bodies, config)
    keys, lengths = prints.digests, prints.lengths
    # Where furniture was stripped, the key and length are of the whole text.
    stripped = [
        i for i, (doc, body) in enumerate(zip(docs, bodies, strict=True)) if body is not doc[1]
    ]
    if stripped:
        whole_keys, whole_lengths = whole([docs[i][1] for i in stripped])
        for i, key, length in zip(stripped, whole_keys, whole_lengths, strict=True):
            keys[i], lengths[i] = key, length
    return FingerprintChunk(
        ids=[doc[0] for doc in docs],
        digests=keys,
        lengths=lengths,
        published=[doc[2] for doc in docs],
        sources=[doc[3] for doc in docs],
        shingles=prints.shingles,
        bounds=prints.bounds,
        signatures=prints.signatures,
        **_gram_columns(keys, prints.grams),
        sites=sites,
        seen=seen,
        marks=[marks(doc[1], doc[5]) if key else "" for doc, key in zip(docs, keys, strict=True)],
        leads=[lead_keys(body) if key else b"" for body, key in zip(bodies, keys, strict=True)],
    )


def _gram_columns(keys: list[str], sets: list[np.ndarray] | None) -> dict[str, Any]:
    """A chunk's n-gram sets as one array and bounds (one pickle, not one per document).

    An empty text has none, whatever its set: as the per-document path makes them.
    """
    if sets is None:
        return {"grams": _EMPTY, "gram_bounds": None}
    held = [s if key else _EMPTY for key, s in zip(keys, sets, strict=True)]
    bounds = [0, *accumulate(s.size for s in held)]
    return {"grams": np.concatenate([_EMPTY, *held]), "gram_bounds": bounds}


def slim(docs: Iterable[Document]) -> Iterator[Slim]:
    """Each document as the plain tuple chunks travel in (:data:`Slim`)."""
    return ((d.id, d.text, d.published, d.source, d.url, d.title) for d in docs)


# The compiled path: the numpy path's definitions, in a few kernel loops per chunk.


def _k() -> ModuleType:
    """The compiled kernels (only called when :func:`use_jit` says they are there)."""
    kernels = jit.kernels("text")
    assert kernels is not None
    return kernels


@dataclass(frozen=True, slots=True)
class _Packed:
    """A batch of texts in one buffer, ready for the kernels.

    Attributes:
        text: Every text, one after the other (UTF-8, ``uint8``), raw or normalised.
        offsets: Text ``i`` is ``text[offsets[i]:offsets[i + 1]]``.
        chars: How each text is cut into units: :data:`WORDS`, :data:`CHARS` or
            :data:`MIXED`.
        lengths: Characters of each normalised text.
    """

    text: np.ndarray
    offsets: np.ndarray
    chars: np.ndarray
    lengths: np.ndarray


def _mode(raw: bytes, norm: str | None, cfg: ShingleConfig) -> int:
    if raw or not norm:
        return _k().WORDS
    return _k().MIXED if mixes(norm, cfg) else _k().CHARS


def _join(texts: Sequence[str], cfg: ShingleConfig) -> _Packed:
    """Prepare each text as the numpy path does (``shingle._prepare``) into one buffer.

    ASCII text goes in raw (the kernels apply the byte table); other text normalised, and
    texts shingled by characters go in normalised too (the numpy path keeps them out of
    its buffer and shingles them one by one). ``lengths`` is left empty.
    """
    prepared = [_prepare(text, cfg) for text in texts]
    chars = np.fromiter(
        (_mode(raw, norm, cfg) for raw, norm in prepared), dtype=np.int8, count=len(texts)
    )
    parts = [norm.encode("utf-8") if norm and not raw else raw for raw, norm in prepared]
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, parts), np.int64, len(parts)), out=offsets[1:])
    buf = np.frombuffer(b"".join(parts), dtype=np.uint8)
    return _Packed(buf, offsets, chars, np.zeros(0, dtype=np.int64))


def _pack(texts: Sequence[str], cfg: ShingleConfig) -> _Packed:
    """:func:`join` the texts, then normalise the buffer: what digests and n-grams need."""
    joined = _join(texts, cfg)
    text, offsets, lengths = _k().normalise_buffer(joined.text, joined.offsets, _ascii_array())
    return _Packed(text, offsets, joined.chars, lengths)


def _windows(packed: _Packed, cfg: ShingleConfig) -> tuple[np.ndarray, np.ndarray]:
    """Every shingle window of a packed batch (values, bounds per text), repeats included."""
    text, offsets, chars, table = packed.text, packed.offsets, packed.chars, _ascii_array()
    return _k().shingle_windows(text, offsets, chars, table, cfg.size, cfg.char_size)


def _signatures(values: np.ndarray, bounds: np.ndarray, cfg: MinHashConfig) -> np.ndarray:
    """Signatures of every text from its shingles (any order, repeats allowed).

    ``oph`` runs in the kernel; ``affine32`` (datasketch's scheme) in numpy.
    """
    if cfg.scheme == "oph":
        key, probes = _oph_tables(cfg.num_perm, cfg.seed)
        return _k().oph_signatures(values, bounds, key, cfg.num_perm, probes)
    doc = np.repeat(np.arange(bounds.size - 1), np.diff(bounds))
    return window_signatures(Windows(doc, values, bounds.size - 1), cfg)


def _compiled_texts(texts: Sequence[str], config: Config) -> np.ndarray:
    """Signatures of raw texts: :func:`fingerprint_texts` compiled."""
    values, bounds = _windows(_join(texts, config.shingle), config.shingle)
    return _signatures(values, bounds, config.minhash)


def _compiled_columns(texts: Sequence[str], config: Config) -> ChunkPrints:
    """Digests, lengths, shingle sets, signatures and character n-grams of raw texts.

    Equals :func:`numpy_columns` of the same texts.
    """
    packed = _pack(texts, config.shingle)
    values, bounds = _k().sorted_sets(*_windows(packed, config.shingle))
    grams = None
    if config.rewrite.enabled:
        rewrite = config.rewrite
        found = _k().char_gram_windows(
            packed.text, packed.offsets, rewrite.char_size, max(rewrite.sample, 1)
        )
        gram_values, gram_bounds = _k().sorted_sets(*found)
        grams = [gram_values[lo:hi] for lo, hi in pairwise(gram_bounds.tolist())]
    return ChunkPrints(
        digests=_digests(packed),
        lengths=packed.lengths.tolist(),
        shingles=values,
        bounds=bounds.tolist(),
        signatures=_signatures(values, bounds, config.minhash),
        grams=grams,
    )


def _compiled_keys(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """:func:`~newsdedup.stages.clean.digest` and length of each normalised text (by table).

    What a document whose furniture was stripped keeps of its whole text, in about half
    the time of :func:`~newsdedup.stages.clean.normalize` per text.
    """
    packed = _pack(texts, _WORDS)
    return _digests(packed), packed.lengths.tolist()


_WORDS = ShingleConfig(unit="word")  # so :func:`pack` puts every text in the buffer


def _digests(packed: _Packed) -> list[str]:
    """XXH3-128 of each normalised text (:func:`~newsdedup.stages.clean.digest`), or empty."""
    view = packed.text.data
    hexdigest = xxhash.xxh3_128_hexdigest
    return [
        hexdigest(view[lo:hi]) if hi > lo else "" for lo, hi in pairwise(packed.offsets.tolist())
    ]
