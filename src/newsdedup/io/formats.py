"""Tell the format of an input, so that its reader can be chosen: by its name, or its first byte."""

from __future__ import annotations

from pathlib import Path

from newsdedup.config import ReadConfig
from newsdedup.errors import InputError
from newsdedup.io.inputs import open_binary, without_codec
from newsdedup.io.records import READ_ERRORS

_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
_KNOWN = (
    ".jsonl, .ndjson, .json, .csv, .tsv (each also .gz, .bz2, .xz, .zst), .parquet, "
    "or a folder of .txt files"
)


def detect_format(path: Path, cfg: ReadConfig) -> str:
    """Return the format of ``path``: ``jsonl``, ``json``, ``csv``, ``tsv``, ``parquet``, ``txt``.

    A ``.json`` file (or any file with ``--format json``) is ``json``, one array of
    objects, when its first character is ``[``, else ``jsonl``, one object a line.

    Args:
        path: An input file or folder.
        cfg: ``cfg.format`` other than ``auto`` is returned as is (``json`` is still told
            apart from ``jsonl`` by the first character).

    Returns:
        The format name; a folder is ``txt``.

    Raises:
        InputError: The file name ends in an unknown extension.
    """
    if cfg.format not in ("auto", "json", "jsonl"):
        return cfg.format
    if cfg.format == "auto" and path.is_dir():
        return "txt"
    name = without_codec(path.name.lower())
    fmt = cfg.format if cfg.format != "auto" else _SUFFIXES.get(Path(name).suffix)
    if fmt is None or (fmt == "parquet" and name != path.name.lower()):
        raise InputError(
            f"{path}: cannot tell the format from the file name; known: {_KNOWN}. "
            "Rename the file, or give the format with --format.",
            file=str(path),
        )
    if fmt == "json" and path.is_file():
        return "json" if _first_char(path) == b"[" else "jsonl"
    return fmt


def _first_char(path: Path) -> bytes:
    """The first byte of the file that is not white space or a byte order mark."""
    try:
        with open_binary(path) as handle:
            while True:
                data = handle.read(4096)
                if not data:
                    return b""
                data = data.lstrip(b"\xef\xbb\xbf").lstrip()
                if data:
                    return data[:1]
    except (*READ_ERRORS, InputError):
        return b""  # the reader says what is wrong, where
