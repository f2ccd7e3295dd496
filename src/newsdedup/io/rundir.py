"""Read back a run's output folder: its manifest, cluster table and pair table.

``newsdedup run ... -o OUT`` writes ``clusters``, ``pairs`` (CSV, JSONL or Parquet, as
``write.format`` said) and ``manifest.json``. The commands that look at a finished run
(``evaluate``, ``thresholds``) read it here, by column name, so that columns added to
the tables later do not break them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdedup.errors import InputError

_FORMATS = ("csv", "jsonl", "parquet")


@dataclass(frozen=True, slots=True)
class PairRow:
    """One verified pair of a run, as written to its pairs table."""

    a: str
    b: str
    jaccard: float
    containment: float
    kind: str
    similarity: float = 0.0


def check_run_dir(run_dir: str | Path) -> Path:
    """Return ``run_dir`` as a path after checking that it holds a run's output.

    Raises:
        InputError: The folder is missing, or has no ``manifest.json``.
    """
    path = Path(run_dir)
    hint = f"give the folder written by `newsdedup run INPUT -o {path}`"
    if not path.is_dir():
        raise InputError(f"run folder {path} does not exist; {hint}", file=str(path))
    if not (path / "manifest.json").is_file():
        raise InputError(
            f"{path} is not a newsdedup run folder (it has no manifest.json); {hint}",
            file=str(path),
        )
    return path


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The run's ``manifest.json`` as a dict.

    Raises:
        InputError: The manifest is not a JSON object.
    """
    path = run_dir / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"{path} is not readable JSON ({exc}); run `newsdedup run` again to rewrite it",
            file=str(path),
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a JSON object; run `newsdedup run` again", file=str(path))
    return data


def find_table(run_dir: Path, name: str, prefer: str | None = None) -> Path | None:
    """The run table ``name`` in ``prefer``'s format, else any known format; ``None`` if absent."""
    for fmt in (*([prefer] if prefer else []), *_FORMATS):
        path = run_dir / f"{name}.{fmt}"
        if path.is_file():
            return path
    return None


def table_path(run_dir: Path, name: str, prefer: str | None = None) -> Path:
    """The run table ``name`` (see :func:`find_table`).

    Raises:
        InputError: The run folder has no such table.
    """
    path = find_table(run_dir, name, prefer)
    if path is None:
        raise InputError(
            f"{run_dir} has no {name} table ({', '.join(f'{name}.{f}' for f in _FORMATS)}); "
            "the run folder is incomplete: run `newsdedup run` again",
            file=str(run_dir),
        )
    return path


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if text.strip():
                yield line, json.loads(text)


def _parquet_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    rows = (row for batch in pq.ParquetFile(path).iter_batches() for row in batch.to_pylist())
    yield from enumerate(rows, start=1)


def _records(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a run table as ``(line, row)``, checking that ``columns`` are present."""
    readers = {".csv": _csv_records, ".jsonl": _jsonl_records, ".parquet": _parquet_records}
    try:
        for line, row in readers[path.suffix](path):
            missing = [col for col in columns if col not in row]
            if missing:
                raise InputError(
                    f"{path} line {line} has no column {missing[0]!r}; the run folder is "
                    "damaged or from another tool: run `newsdedup run` again",
                    file=str(path),
                    line=line,
                )
            yield line, row
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            f"{path} cannot be read ({exc}); run `newsdedup run` again", file=str(path)
        ) from None


def read_table(run_dir: Path, name: str) -> Iterator[dict[str, Any]]:
    """Every row of the run table ``name`` (``clusters``, ``pairs``, ...), as a dict."""
    return table_rows(table_path(run_dir, name))


def table_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Every row of a run table file, as a dict (CSV values are strings)."""
    for _, row in _records(path, ()):
        yield row


def read_clusters(run_dir: Path) -> dict[str, str]:
    """The run's grouping: document id -> cluster id, from its clusters table."""
    path = table_path(run_dir, "clusters")
    return {
        str(row["doc_id"]): str(row["cluster_id"])
        for _, row in _records(path, ("doc_id", "cluster_id"))
    }


def _float(value: Any, path: Path, line: int, column: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"{path} line {line} has {column}={value!r}, not a number; run `newsdedup run` again",
            file=str(path),
            line=line,
        ) from None


def read_pairs(run_dir: Path) -> list[PairRow]:
    """The run's verified pairs, from its pairs table."""
    path = table_path(run_dir, "pairs")
    columns = ("doc_a", "doc_b", "jaccard", "containment", "match_kind")
    return [
        PairRow(
            str(row["doc_a"]),
            str(row["doc_b"]),
            _float(row["jaccard"], path, line, "jaccard"),
            _float(row["containment"], path, line, "containment"),
            str(row["match_kind"]),
            _float(row.get("similarity") or 0.0, path, line, "similarity"),
        )
        for line, row in _records(path, columns)
    ]


def manifest_value(manifest: Mapping[str, Any], *keys: str) -> Any:
    """The value at ``manifest[keys[0]][keys[1]]...``, or ``None`` when any key is missing."""
    value: Any = manifest
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def resolve_inputs(inputs: list[str], run_dir: Path) -> list[Path] | None:
    """The manifest's inputs as found from here or beside the run folder, else ``None``."""
    found = []
    for name in inputs:
        for path in (Path(name), run_dir.parent / name):
            if path.exists():
                found.append(path)
                break
        else:
            return None
    return found


def changed_inputs(manifest: Mapping[str, Any], paths: Sequence[Path]) -> list[str]:
    """The inputs whose size or time differ from when the run read them.

    A run written before inputs were stamped, or an input that could not be stamped
    (standard input, a URL), is taken as unchanged.
    """
    from newsdedup.io.inputs import stamp

    stamps = manifest.get("input_stamps") or [None] * len(paths)
    return [
        str(path)
        for path, then in zip(paths, stamps, strict=False)
        if then is not None and stamp(path) != then
    ]


def edited_message(run_dir: Path, changed: Sequence[str]) -> str:
    """What to say when inputs were edited after the run."""
    return (
        f"{', '.join(changed)} changed after the run in {run_dir} read it (its size or time "
        "differ), so its records may not be the ones that were grouped; run newsdedup run again"
    )
