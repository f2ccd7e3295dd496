"""Where input bytes come from: local files (plain or compressed), standard input, URLs.

The readers (:mod:`newsdedup.io.read`) and the writers of the cleaned corpus
(:mod:`newsdedup.io.write`) read a file several times, by path. So an input that cannot be
read twice, standard input (``-``), or that is not on this machine, a URL that fsspec
opens (``s3://``, ``gs://``, ``https://``, ``memory://``...), is first copied to a local
staging folder (:func:`staged`) and read from there; everything else is read in place.

Compression is told by the file name: ``.gz``, ``.bz2``, ``.xz`` (standard library) and
``.zst`` (the ``zstandard`` package: ``pip install 'newsdedup[zstd]'``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO

from newsdedup.errors import InputError

CODECS = (".gz", ".bz2", ".xz", ".zst")
STDIN = "-"
STAGE_PREFIX = "newsdedup-stage-"


def codec(name: str | Path) -> str:
    """The compression suffix of a file name (``.gz``, ``.bz2``, ``.xz``, ``.zst``), or ``""``."""
    lower = str(name).lower()
    return next((suffix for suffix in CODECS if lower.endswith(suffix)), "")


def without_codec(name: str) -> str:
    """``name`` less its compression suffix."""
    return name[: len(name) - len(codec(name))]


def is_url(name: str | Path) -> bool:
    """Whether ``name`` is a URL for fsspec (``scheme://...``) rather than a local path."""
    text = str(name)
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isalnum() and len(scheme) > 1


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing by its suffix.

    Raises:
        InputError: The file cannot be opened, is empty where compressed data must be,
            or needs a package that is not installed.
    """
    suffix = codec(path.name)
    try:
        if suffix and path.stat().st_size == 0:
            raise InputError(
                f"{path} is empty (0 bytes), so it holds no {suffix} data; "
                "re-download or re-compress it, or leave it out.",
                file=str(path),
            )
        if suffix == ".gz":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        if suffix == ".bz2":
            return bz2.open(path, "rb")  # type: ignore[return-value]
        if suffix == ".xz":
            return lzma.open(path, "rb")  # type: ignore[return-value]
        if suffix == ".zst":
            return io.BufferedReader(_ZstdReader(open(path, "rb")), 1 << 16)
        return open(path, "rb")
    except OSError as exc:
        message = f"{path} cannot be opened: {exc.strerror or exc}."
        raise InputError(message, file=str(path)) from None


def open_writer(raw: IO[bytes], suffix: str) -> Any:
    """A context manager compressing into ``raw`` as ``suffix`` says, deterministically.

    gzip gets no file name and mtime 0 in its header, so equal bytes in make equal bytes
    out. An empty suffix gives ``raw`` itself (not closed on exit).
    """
    if suffix == ".gz":
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
    if suffix == ".bz2":
        return bz2.BZ2File(raw, "wb")
    if suffix == ".xz":
        return lzma.LZMAFile(raw, "wb")
    if suffix == ".zst":
        return _zstd().ZstdCompressor().stream_writer(raw, closefd=False)
    return _Unclosed(raw)


class _Unclosed:
    """``raw`` as a context manager that leaves it open."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw

    def __enter__(self) -> IO[bytes]:
        return self.raw

    def __exit__(self, *exc: object) -> None:
        return None


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another; data that breaks off mid-frame is an error.

    ``zstandard``'s own readers return what they could decode of a truncated file and
    say nothing, which would drop the rest of the corpus unseen.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.decompressor = _zstd().ZstdDecompressor()
        self.frame = self.decompressor.decompressobj()
        self.pending = b""
        self.started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            data = self.raw.read(1 << 16)
            if not data:
                if self.started and not self.frame.eof:
                    raise EOFError("zstd data ends in the middle of a frame")
                return 0
            self.started = True
            try:
                self.pending = self.frame.decompress(data)
                while self.frame.eof and self.frame.unused_data:
                    rest = self.frame.unused_data
                    self.frame = self.decompressor.decompressobj()
                    self.pending += self.frame.decompress(rest)
            except _zstd().ZstdError as exc:  # corrupt data: a read error like gzip's
                raise OSError(str(exc)) from None
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def close(self) -> None:
        self.raw.close()
        super().close()


def _zstd() -> Any:
    try:
        import zstandard
    except ImportError:
        raise InputError(
            "reading or writing .zst files needs the zstandard package: "
            "pip install 'newsdedup[zstd]'."
        ) from None
    return zstandard


# ---------------------------------------------------------------- staging


def needs_staging(name: str | Path) -> bool:
    """Whether an input must be copied here before it is read: ``-`` or a URL."""
    return str(name) == STDIN or is_url(name)


@contextmanager
def staged(inputs: Sequence[str | Path], fmt: str = "auto") -> Iterator[list[str]]:
    """Yield the inputs as local paths: standard input and URLs copied to a temporary folder.

    The folder (``newsdedup-stage-<pid>-*`` in the temp folder) is removed on exit.
    Standard input is saved as ``stdin.<format>``, the format from ``fmt`` or, when that
    is ``auto``, from its first byte (``{``: JSONL, ``[``: a JSON array). A URL keeps its
    file name (a folder URL, its folder of ``.txt`` files).

    Raises:
        InputError: Standard input is given twice or its format cannot be told; a URL
            cannot be read (or fsspec is not installed).
    """
    if not any(needs_staging(name) for name in inputs):
        yield [str(name) for name in inputs]
        return
    if sum(str(name) == STDIN for name in inputs) > 1:
        raise InputError("standard input (-) can be read only once; give it once.")
    remove_dead_stages()
    folder = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-"))
    try:
        local = []
        for index, name in enumerate(inputs):
            if not needs_staging(name):
                local.append(str(name))
                continue
            place = folder / str(index)
            place.mkdir()
            copy = _stage_stdin(place, fmt) if str(name) == STDIN else _fetch(name, place)
            local.append(str(copy))
        yield local
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_STAGE_NAME = re.compile(re.escape(STAGE_PREFIX) + r"(\d+)-[A-Za-z0-9_]+")


def remove_dead_stages(folder: Path | None = None) -> list[Path]:
    """Remove staging folders left by runs that were killed (their process is gone).

    Only folders named exactly as :func:`staged` names them are touched, and only when
    no process of that id is alive. Returns the folders removed.
    """
    from newsdedup.io.leftovers import alive

    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob(f"{STAGE_PREFIX}*"):
        match = _STAGE_NAME.fullmatch(path.name)
        if match and path.is_dir() and not path.is_symlink() and not alive(int(match[1])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


_STDIN_FORMATS = ("jsonl", "json", "csv", "tsv", "parquet")


def _stage_stdin(place: Path, fmt: str) -> Path:
    source = sys.stdin.buffer
    head = source.read(1 << 16)
    if fmt == "auto":
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if first == b"{":
            fmt = "jsonl"
        elif first == b"[":
            fmt = "json"
        else:
            raise InputError(
                "cannot tell the format of standard input (-) from its first bytes; "
                "give it with --format (jsonl, json, csv, tsv or parquet)."
            )
    if fmt not in _STDIN_FORMATS:
        raise InputError(f"standard input (-) cannot be read as {fmt}; give a file instead.")
    target = place / f"stdin.{fmt}"
    with open(target, "wb") as out:
        out.write(head)
        shutil.copyfileobj(source, out, 1 << 20)
    return target


def _fetch(url: str | Path, place: Path) -> Path:
    try:
        import fsspec
    except ImportError:
        raise InputError(
            f"{url}: reading URLs needs fsspec (and its driver for the scheme, e.g. s3fs): "
            "pip install 'newsdedup[remote]'."
        ) from None
    text = str(url)
    try:
        fs, path = fsspec.core.url_to_fs(text)
        name = path.rstrip("/").rsplit("/", 1)[-1] or "input"
        target = place / name
        if fs.isdir(path):
            fs.get(path.rstrip("/") + "/", str(target) + "/", recursive=True)
        elif fs.exists(path):
            fs.get(path, str(target))
        else:
            raise InputError(f"{text} does not exist; check the URL.", file=text)
    except InputError:
        raise
    except ImportError as exc:
        raise InputError(
            f"{text}: fsspec has no driver for this scheme ({exc}); install it "
            "(for example s3fs for s3://, gcsfs for gs://).",
            file=text,
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{text} cannot be read: {exc}.", file=text) from None
    return target


# ---------------------------------------------------------------- names and stamps

_STAGED = re.compile(r"[^\s'\"]*" + STAGE_PREFIX + r"\d+-[^/\\\s]+[/\\]\d+[/\\]")


def shown(text: str) -> str:
    """``text`` with staging folders taken out of the paths in it.

    A staged input is named by its own file name (``stdin.jsonl``, ``news.jsonl``), not
    by the temporary folder it was read from: in messages, tables and ids.
    """
    return _STAGED.sub("", text) if STAGE_PREFIX in text else text


def stamp(path: Path) -> dict[str, int] | None:
    """Size and modification time of an input (a folder: of its files), to notice edits later.

    ``None`` when the input cannot be examined.
    """
    try:
        if path.is_dir():
            files = [p.stat() for p in path.rglob("*") if p.is_file()]
            return {
                "files": len(files),
                "bytes": sum(f.st_size for f in files),
                "mtime_ns": max((f.st_mtime_ns for f in files), default=0),
            }
        info = path.stat()
    except OSError:
        return None
    return {"bytes": info.st_size, "mtime_ns": info.st_mtime_ns}
