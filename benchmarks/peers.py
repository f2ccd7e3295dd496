"""The fingerprint methods that ``benchmarks/throughput.py`` times: newsdedup and its peers.

Each method turns a chunk of raw texts into a ``(len(texts), 128)`` array of MinHash values.
A peer is a *shingler* (texts -> word 3-gram shingles in the form the peer's fastest entry
point takes) followed by a *signer* (shingles -> signatures), so the two can be timed
apart; newsdedup does both in one compiled pass over a chunk, so it has no split.

Shinglers, slowest to fastest (all lower-case and split on white space; none does
newsdedup's NFKC, case folding and punctuation stripping, which are extra work for it):

* ``loop``: the list comprehension the old table used (``" ".join(words[i:i+3])``).
* ``zip_str`` / ``zip_bytes``: ``map(" ".join, zip(w, w[1:], w[2:]))`` over ``str`` or, after
  one ``encode`` per text, ``bytes`` words (datasketch's hash functions take bytes).
* ``xxh_tokens``: one ``xxh3_64_intdigest`` per word (a C call through ``map``), then the
  n-gram hashes combined over the whole chunk at once in numpy (``h = h * M + next``,
  MurmurHash3's finaliser): newsdedup's own definition, with XXH3 for XXH64.
* ``numpy``: no Python object per word. The chunk becomes one byte buffer; word starts and
  ends come from a white-space table; a word's hash is a polynomial of its bytes
  (a prefix sum of ``byte * P**k`` and a multiply by ``P**-start``), finalised; n-grams as
  above. Linear in the bytes, so crafted words collide (what newsdedup left in issue 14).

Every signer uses 128 permutations of 32-bit values, seed 1. They differ in the hash
family: datasketch ``affine32`` (its 2.0 default: 32-bit mix, ``a*h + b`` mod 2^32), rensa's
own ``RMinHash`` (and its ``Rho`` one-pass sketch, an analogue of newsdedup's one-permutation
hashing), and the plain numpy one: datasketch's ``affine32`` family (``a*h + b`` modulo
2^32 of a mixed hash) as one numpy product and minimum per document.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

NUM_PERM = 128
SEED = 1
SIZE = 3
_MERSENNE = np.uint64((1 << 61) - 1)

# ---------------------------------------------------------------- shinglers


def grams_loop(texts: Sequence[str]) -> list[list[str]]:
    """The old table's shingles: a Python loop of slices per text."""
    out = []
    for text in texts:
        words = text.lower().split()
        out.append([" ".join(words[i : i + SIZE]) for i in range(max(1, len(words) - SIZE + 1))])
    return out


def grams_str(texts: Sequence[str]) -> list[list[str]]:
    join = " ".join
    out = []
    for text in texts:
        w = text.lower().split()
        out.append(list(map(join, zip(w, w[1:], w[2:], strict=False))) or [join(w)])
    return out


def grams_bytes(texts: Sequence[str]) -> list[list[bytes]]:
    join = b" ".join
    out = []
    for text in texts:
        w = text.lower().encode("utf-8").split()
        out.append(list(map(join, zip(w, w[1:], w[2:], strict=False))) or [join(w)])
    return out


_M = np.uint64(0x9E3779B97F4A7C15)
_P = np.uint64(0x100000001B3)


def _fmix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _ngrams(tokens: np.ndarray, doc: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the word n-grams within each document, and each document's row offsets."""
    k = max(tokens.size - SIZE + 1, 0)
    with np.errstate(over="ignore"):
        h = tokens[:k].copy()
        for j in range(1, SIZE):
            h = h * _M + tokens[j : j + k]
        h = _fmix(h)
    keep = doc[:k] == doc[SIZE - 1 : SIZE - 1 + k]
    offsets = np.zeros(n_docs + 1, np.uint64)
    np.cumsum(np.bincount(doc[:k][keep], minlength=n_docs), out=offsets[1:])
    return h[keep], offsets


def grams_xxh(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Flat n-gram hashes and row offsets: one XXH3 call per word, n-grams in numpy."""
    import xxhash

    words: list[bytes] = []
    counts = []
    for text in texts:
        w = text.lower().encode("utf-8").split()
        words.extend(w)
        counts.append(len(w))
    tokens = np.fromiter(map(xxhash.xxh3_64_intdigest, words), np.uint64, len(words))
    doc = np.repeat(np.arange(len(texts)), counts)
    return _ngrams(tokens, doc, len(texts))


_SPACE = np.zeros(256, bool)
_SPACE[[0, 9, 10, 11, 12, 13, 32]] = True  # NUL separates the texts of a chunk
_POWERS: list[np.ndarray] = [np.ones(1, np.uint64), np.ones(1, np.uint64)]


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**k`` and ``P**-k`` modulo 2^64 for ``k < n`` (grown and kept)."""
    if _POWERS[0].size < n:
        size = max(n, 2 * _POWERS[0].size)
        inverse = np.uint64(pow(int(_P), -1, 1 << 64))
        up, down = np.full(size, _P), np.full(size, inverse)
        up[0] = down[0] = 1
        with np.errstate(over="ignore"):
            _POWERS[:] = [np.cumprod(up, dtype=np.uint64), np.cumprod(down, dtype=np.uint64)]
    return _POWERS[0][:n], _POWERS[1][:n]


def grams_numpy(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Flat n-gram hashes and row offsets, vectorised over the chunk's bytes."""
    buf = np.frombuffer(("\0".join(texts) + "\0").lower().encode("utf-8"), np.uint8)
    word = np.concatenate(([False], ~_SPACE[buf], [False])).view(np.int8)
    edge = np.diff(word)
    starts, ends = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
    up, down = _powers(buf.size)
    prefix = np.zeros(buf.size + 1, np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(buf * up, out=prefix[1:])
        tokens = _fmix((prefix[ends] - prefix[starts]) * down[starts])
    doc = np.searchsorted(np.flatnonzero(buf == 0), starts)
    return _ngrams(tokens, doc, len(texts))


SHINGLERS: dict[str, Callable[[Sequence[str]], Any]] = {
    "loop": grams_loop,
    "zip_str": grams_str,
    "zip_bytes": grams_bytes,
    "xxh_tokens": grams_xxh,
    "numpy": grams_numpy,
}

# ---------------------------------------------------------------- signers


def _rows(flat: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    """Per-document lists of 32-bit hashes (datasketch's affine32 takes values below 2^32)."""
    values = (flat >> np.uint64(32)).tolist()
    bounds = offsets.tolist()
    return [values[lo:hi] for lo, hi in pairwise(bounds)]


def ds_update(grams: list[list[bytes]]) -> np.ndarray:
    from datasketch import MinHash

    out = np.empty((len(grams), NUM_PERM), np.uint64)
    for row, doc in enumerate(grams):
        m = MinHash(num_perm=NUM_PERM, seed=SEED)
        for gram in doc:
            m.update(gram)
        out[row] = m.digest()
    return out


def ds_bulk_sha1(grams: list[list[bytes]]) -> np.ndarray:
    from datasketch import MinHash

    return np.array([m.digest() for m in MinHash.bulk(grams, num_perm=NUM_PERM, seed=SEED)])


def ds_bulk_sha1_old(grams: list[list[str]]) -> np.ndarray:
    """The old row: ``str`` shingles encoded one by one before ``MinHash.bulk``."""
    return ds_bulk_sha1([[g.encode("utf-8") for g in doc] for doc in grams])


def ds_bulk_xxh(grams: list[list[bytes]]) -> np.ndarray:
    import xxhash
    from datasketch import MinHash

    ms = MinHash.bulk(grams, num_perm=NUM_PERM, seed=SEED, hashfunc=xxhash.xxh32_intdigest)
    return np.array([m.digest() for m in ms])


def ds_bulk_hashed(shingles: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Pre-hashed shingles: ``hashfunc=int`` is the cheapest call datasketch allows."""
    from datasketch import MinHash

    ms = MinHash.bulk(_rows(*shingles), num_perm=NUM_PERM, seed=SEED, hashfunc=int)
    return np.array([m.digest() for m in ms])


def rensa_update(grams: list[list[str]]) -> np.ndarray:
    from rensa import RMinHash

    out = np.empty((len(grams), NUM_PERM), np.uint32)
    for row, doc in enumerate(grams):
        m = RMinHash(num_perm=NUM_PERM, seed=SEED)
        m.update(doc)
        out[row] = m.digest()
    return out


def rensa_sets(grams: list[list[str]]) -> np.ndarray:
    from rensa import RMinHash

    matrix = RMinHash.digest_matrix_from_token_sets(grams, NUM_PERM, SEED)
    return np.array(matrix.to_rows(), np.uint32)


def rensa_flat(shingles: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    from rensa import RMinHash

    matrix = RMinHash.digest_matrix_from_flat_token_hashes(*shingles, NUM_PERM, SEED)
    return np.array(matrix.to_rows(), np.uint32)


def rensa_rho(shingles: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    from rensa import RMinHash

    matrix = RMinHash.digest_matrix_from_flat_token_hashes_rho(*shingles, NUM_PERM, SEED)
    return np.array(matrix.to_rows(), np.uint32)


_RNG = np.random.default_rng(SEED)
_A = _RNG.integers(0, 1 << 32, NUM_PERM, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
_B = _RNG.integers(0, 1 << 32, NUM_PERM, dtype=np.uint64).astype(np.uint32)


def numpy_affine32(shingles: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``a*h + b`` modulo 2^32 (odd ``a``) of mixed 32-bit shingle hashes, min per document.

    datasketch 2.0's ``affine32`` family. One product per document: blocks of documents
    with ``np.minimum.reduceat`` measured slower (the block outgrows the cache).
    """
    flat, offsets = shingles
    h = (flat >> np.uint64(32)).astype(np.uint32)
    bounds = offsets.tolist()
    out = np.full((len(bounds) - 1, NUM_PERM), np.iinfo(np.uint32).max, np.uint32)
    for row, (lo, hi) in enumerate(pairwise(bounds)):
        if hi > lo:
            values = h[lo:hi, None] * _A
            values += _B
            values.min(axis=0, out=out[row])
    return out


def numpy_mersenne_old(grams: list[list[str]]) -> np.ndarray:
    """The old row: XXH32 per shingle, ``(a*h + b) mod 2^61-1`` per document."""
    import xxhash

    rng = np.random.default_rng(1)
    a = rng.integers(1, 1 << 61, NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 1 << 61, NUM_PERM, dtype=np.uint64)
    digest = xxhash.xxh32_intdigest
    out = np.empty((len(grams), NUM_PERM), dtype=np.uint64)
    for row, doc in enumerate(grams):
        h = np.fromiter((digest(g.encode("utf-8")) for g in doc), dtype=np.uint64)
        out[row] = ((h[:, None] * a + b) % _MERSENNE).min(axis=0)
    return out


# ---------------------------------------------------------------- newsdedup


def _config(scheme: str = "oph") -> Any:
    from newsdedup import Config

    return Config().replace({"minhash": {"scheme": scheme}})


def _newsdedup(*places: str) -> Callable[..., Any]:
    """The first of ``module:name`` that imports (the modules moved in issue 15, item 1)."""
    import importlib

    for place in places:
        module, name = place.split(":")
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"none of {places} in this newsdedup")


def nd_oph(texts: Sequence[str]) -> np.ndarray:
    fingerprint_texts = _newsdedup(
        "newsdedup.stages.fingerprint:fingerprint_texts",
        "newsdedup.backends.local:fingerprint_texts",
    )
    return fingerprint_texts(list(texts), _config())


def nd_affine32(texts: Sequence[str]) -> np.ndarray:
    fingerprint_texts = _newsdedup(
        "newsdedup.stages.fingerprint:fingerprint_texts",
        "newsdedup.backends.local:fingerprint_texts",
    )
    return fingerprint_texts(list(texts), _config("affine32"))


def nd_full(texts: Sequence[str]) -> np.ndarray:
    """Signature plus what matching needs: digest, exact shingle sets, rewrites' n-grams."""
    fingerprint_chunk = _newsdedup(
        "newsdedup.stages.fingerprint:fingerprint_chunk",
        "newsdedup.backends.local:fingerprint_slim",
    )
    slim = [(str(i), t, None, None, None, None) for i, t in enumerate(texts)]
    return fingerprint_chunk(slim, _config()).signatures


def _numpy_path(func: Callable[[Sequence[str]], np.ndarray]) -> Callable[..., np.ndarray]:
    """``func`` with the compiled kernels off (``NEWSDEDUP_JIT=0``): the numpy path."""

    def run(texts: Sequence[str]) -> np.ndarray:
        before = os.environ.get("NEWSDEDUP_JIT")
        os.environ["NEWSDEDUP_JIT"] = "0"
        try:
            return func(texts)
        finally:
            if before is None:
                del os.environ["NEWSDEDUP_JIT"]
            else:
                os.environ["NEWSDEDUP_JIT"] = before

    return run


# ---------------------------------------------------------------- the table's rows


@dataclass(frozen=True)
class Method:
    label: str
    sign: Callable[[Any], np.ndarray]  # texts -> signatures when ``shingler`` is None
    shingler: str | None = None  # a key of SHINGLERS; None: shingling is fused in ``sign``
    limit: int = 0  # most documents timed (0: all); slow methods get fewer
    old: bool = False  # the row as the earlier tables measured it

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        if self.shingler is None:
            return self.sign(texts)
        return self.sign(SHINGLERS[self.shingler](texts))


METHODS: dict[str, Method] = {
    "newsdedup oph": Method("newsdedup oph (default), numba kernels", nd_oph),
    "newsdedup oph numpy": Method(
        "newsdedup oph, numpy path (NEWSDEDUP_JIT=0)", _numpy_path(nd_oph)
    ),
    "newsdedup full": Method("newsdedup full fingerprint, kernels", nd_full),
    "newsdedup affine32": Method(
        "newsdedup affine32 (datasketch-identical)", nd_affine32, limit=6_000
    ),
    "rensa update, loop": Method(
        "rensa RMinHash.update per doc (old row)", rensa_update, "loop", 6_000, old=True
    ),
    "rensa update": Method("rensa RMinHash.update per doc", rensa_update, "zip_str", 6_000),
    "rensa sets": Method("rensa digest_matrix_from_token_sets", rensa_sets, "zip_str", 6_000),
    "rensa flat, xxh": Method(
        "rensa digest_matrix_from_flat_token_hashes", rensa_flat, "xxh_tokens", 10_000
    ),
    "rensa flat": Method("rensa digest_matrix_from_flat_token_hashes", rensa_flat, "numpy"),
    # Not a signature to compare slot by slot: equal slots estimated Jaccard 0.52 too low on
    # 20 near-duplicate pairs (rensa compares Rho rows in its own LSH); timed, not ranked.
    "rensa rho": Method("rensa ..._flat_token_hashes_rho (one pass)", rensa_rho, "numpy"),
    "datasketch update": Method(
        "datasketch MinHash.update per shingle (sha1)", ds_update, "zip_bytes", 1_000
    ),
    "datasketch bulk, loop": Method(
        "datasketch MinHash.bulk, sha1 (old row)", ds_bulk_sha1_old, "loop", 3_000, old=True
    ),
    "datasketch bulk": Method("datasketch MinHash.bulk, sha1", ds_bulk_sha1, "zip_bytes", 3_000),
    "datasketch bulk xxh32": Method(
        "datasketch MinHash.bulk, hashfunc=xxh32", ds_bulk_xxh, "zip_bytes", 3_000
    ),
    "datasketch bulk hashed": Method(
        "datasketch MinHash.bulk, pre-hashed, hashfunc=int", ds_bulk_hashed, "numpy", 3_000
    ),
    "numpy, old": Method(
        "numpy xxh32 per shingle, mod 2^61-1 (old row)", numpy_mersenne_old, "loop", 3_000, True
    ),
    "numpy": Method("numpy affine32, one product per doc", numpy_affine32, "numpy", 10_000),
}

# The rows run again on two processes, and the cold-start rows.
TWO_CORES = [
    "newsdedup oph",
    "newsdedup full",
    "rensa flat",
    "datasketch bulk xxh32",
    "numpy",
]
COLD = ["newsdedup oph", "newsdedup full", "rensa flat", "datasketch bulk xxh32", "numpy"]
