"""Spill: large per-document arrays kept in a temporary file rather than on the heap.

A run holds, for every document, its shingle set, its rewrites' character n-grams and its
signature: about 3.3 KB a 2.8 KB article, 3.3 GB at a million. :class:`Spill` writes them to
an anonymous temporary file and maps them back, so they live in the page cache, which the
kernel can write out and drop under memory pressure, instead of the heap.

Mapped pages still count as the process's own once touched, and this kernel maps file
pages by large folios (up to 2 MB a fault, whatever ``madvise`` says): verifying a few
thousand pairs here and there would map the whole file. So the stages that read spilled
arrays let their pages go as they move on (``releasing`` in
:mod:`newsdedup.runtime`, ``MADV_DONTNEED``): the data stays in the page cache
and in the file, and the process holds only what it reads now.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from typing import BinaryIO

import numpy as np

from newsdedup.data import Fingerprint
from newsdedup.runtime import on_release
from newsdedup.stages.fingerprint import FingerprintChunk

_EMPTY = np.zeros(0, dtype=np.uint32)
SPILL_PREFIX = "newsdedup-spill-"
"""How spill files and folders are named in the temp folder; a folder adds ``<pid>-``."""
_MAPPED: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()  # every region an array still uses


class Spill:
    """An anonymous temporary file that arrays are written to and mapped back from.

    Use it as a context manager: the file closes at the end of the block, and arrays
    already mapped stay readable for as long as they live.
    """

    def __init__(self) -> None:
        self._handle = tempfile.TemporaryFile(prefix=SPILL_PREFIX)  # noqa: SIM115 (closed by __exit__)

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def put(self, flat: np.ndarray) -> np.ndarray:
        """Write ``flat`` (1-D or 2-D, C order) at the end of the file; return it mapped back.

        The mapping stays valid after the file is closed, for as long as the returned array
        (or any view of it) lives.
        """
        flat = np.ascontiguousarray(flat)
        if not flat.size:
            return flat
        offset = self._handle.seek(0, 2)
        self._handle.write(flat.data)
        self._handle.flush()
        region, skew = _region(self._handle.fileno(), offset, offset + flat.nbytes)
        mapped = np.frombuffer(region, dtype=flat.dtype, count=flat.size, offset=skew)
        return mapped.reshape(flat.shape)


def _region(fileno: int, start: int, end: int) -> tuple[mmap.mmap, int]:
    """Map bytes ``start:end`` of a file (read only), for :func:`release_pages` to let go of.

    Returns the region and where ``start`` lies in it (maps begin at a page boundary).
    """
    aligned = start - start % mmap.ALLOCATIONGRANULARITY
    region = mmap.mmap(fileno, end - aligned, access=mmap.ACCESS_READ, offset=aligned)
    _MAPPED.add(region)
    return region, start - aligned


@dataclass(frozen=True, slots=True)
class Stored:
    """Where a worker process wrote an array: what crosses the pipe instead of the array.

    Attributes:
        path: The worker's spill file.
        offset: Where the array starts in it, in bytes.
        dtype: The array's dtype, by name.
        shape: The array's shape.
    """

    path: str
    offset: int
    dtype: str
    shape: tuple[int, ...]


class SpillWriter:
    """A worker's side of a spill: arrays appended to a file of its own in a shared folder.

    Workers write what they computed where the driver maps it from (:func:`mapped`), so
    the arrays are neither pickled, nor sent through a pipe, nor written again by the
    driver: at a million articles, 3.3 GB that each of those steps copied once.
    """

    def __init__(self, folder: str) -> None:
        self._folder = folder
        self._handle: BinaryIO | None = None

    def put(self, array: np.ndarray) -> Stored:
        """Append ``array`` (C order) to this process's file; return where it is."""
        array = np.ascontiguousarray(array)
        if self._handle is None:
            path = os.path.join(self._folder, f"{os.getpid()}.spill")
            self._handle = open(path, "ab")  # noqa: SIM115 (open for the process's life)
        offset = self._handle.tell()
        self._handle.write(array.data)
        self._handle.flush()
        return Stored(self._handle.name, offset, array.dtype.str, array.shape)


def mapped(stored: Sequence[Stored]) -> list[np.ndarray]:
    """The arrays workers stored, mapped from their files (read only; nothing is copied).

    One region is mapped per file, from the first array to the end of the last: every
    region mapped is one more for :func:`release_pages` to let go of, and a million articles
    come in thousands of arrays.
    """
    arrays: list[np.ndarray] = [np.zeros(0)] * len(stored)
    by_path: dict[str, list[int]] = {}
    for i, where in enumerate(stored):
        if int(np.prod(where.shape, dtype=np.int64)):
            by_path.setdefault(where.path, []).append(i)
        else:
            arrays[i] = np.zeros(where.shape, dtype=np.dtype(where.dtype))
    for path, which in by_path.items():
        first = min(stored[i].offset for i in which)
        end = max(stored[i].offset + _nbytes(stored[i]) for i in which)
        with open(path, "rb") as handle:
            region, skew = _region(handle.fileno(), first, end)
        for i in which:
            where = stored[i]
            dtype = np.dtype(where.dtype)
            count = _nbytes(where) // dtype.itemsize
            at = skew + where.offset - first
            arrays[i] = np.frombuffer(region, dtype=dtype, count=count, offset=at).reshape(
                where.shape
            )
    return arrays


def _nbytes(stored: Stored) -> int:
    return int(np.prod(stored.shape, dtype=np.int64)) * np.dtype(stored.dtype).itemsize


def release_pages() -> None:
    """Let go of every spilled page mapped: the data stays in its file and the page cache.

    The next read of a spilled array maps its pages again, from the page cache. The stages
    ask for it through :func:`newsdedup.runtime.release_all`.
    """
    for region in list(_MAPPED):
        region.madvise(mmap.MADV_DONTNEED)


on_release(release_pages)


# Fingerprints whose arrays live in the spill.

_SPILL_GROUP = 16  # chunks per memory-mapped region, so a million documents need ~250 maps


def _spilled(group: list[FingerprintChunk], spill: Spill) -> Iterator[Fingerprint]:
    """The group's fingerprints, their shingles, n-grams and signatures moved to ``spill``.

    Arrays a worker wrote already (``stored``) are mapped from its file instead.
    """
    held = [part for part in group if part.stored is None]
    if held:
        shingles = spill.put(np.concatenate([part.shingles for part in held]))
        signatures = spill.put(np.concatenate([part.signatures for part in held]))
        grams = spill.put(np.concatenate([_EMPTY, *(part.grams for part in held)]))
    stored = [where for part in group if part.stored for where in part.stored]
    maps = iter(mapped([where for where in stored if isinstance(where, Stored)]))
    at, row, gram_at = 0, 0, 0
    for part in group:
        if part.stored is not None:
            shingle_set, signature, gram_set = next(maps), next(maps), next(maps)
            yield from replace(
                part, shingles=shingle_set, signatures=signature, grams=gram_set
            ).fingerprints
            continue
        size, rows, count = part.shingles.size, len(part.ids), part.grams.size
        yield from replace(
            part,
            shingles=shingles[at : at + size],
            signatures=signatures[row : row + rows],
            grams=grams[gram_at : gram_at + count],
        ).fingerprints
        at, row, gram_at = at + size, row + rows, gram_at + count


def _spilled_list(group: list[FingerprintChunk], spill: Spill) -> list[Fingerprint]:
    return list(_spilled(group, spill))


def spilled_fingerprints(results: Iterator[FingerprintChunk]) -> Iterator[Fingerprint]:
    """The fingerprints of ``results``, their arrays in the spill (written, or mapped).

    Worker processes write their chunks' arrays themselves
    (:func:`newsdedup.backends.local.fingerprint_stored`);
    chunks made in this process are written here. A thread writes (or maps) each group
    while this one receives the next: past the kernel's dirty page limit a write waits on
    the disk (about 400 MB/s here). At most two groups (8,192 documents) are held
    unwritten.
    """
    with Spill() as to, ThreadPoolExecutor(1, thread_name_prefix="spill") as writer:
        written = None
        while group := list(islice(results, _SPILL_GROUP)):
            writing = writer.submit(_spilled_list, group, to)
            if written is not None:
                yield from written.result()
            written = writing
        if written is not None:
            yield from written.result()
