"""DataFrames in, the cluster table out, as the same kind: pandas, polars or an Arrow table.

::

    import pandas as pd
    from newsdedup import dedup_frame

    clusters = dedup_frame(pd.read_parquet("news.parquet"))
    kept = clusters[clusters.is_representative]

Each row is read as a record of a file would be (:mod:`newsdedup.io.read`): the same field
mapping (``config.read``: id, text, title, date, source and url columns), the same checks
and the same handling of bad rows (``on_error``, ``on_empty``, ``auto_ids``). Rows are
numbered from 1 (``line``) in messages and in the table's ``line`` column; its ``file``
column is ``<frame>``.
"""

from __future__ import annotations

from typing import Any

from newsdedup.config import Config
from newsdedup.data import Document, Skip
from newsdedup.errors import InputError

FRAME = "<frame>"


def dedup_frame(frame: Any, config: Config | None = None) -> Any:
    """Group the duplicates among the rows of ``frame``; return the cluster table.

    Args:
        frame: A pandas or polars DataFrame, or a pyarrow Table, one article a row.
        config: The configuration; defaults to ``Config()``.

    Returns:
        The clusters table of ``newsdedup run`` (a row per input row that was read, in
        input order, with ``doc_id``, ``cluster_id``, ``is_representative``,
        ``match_kind``, ``level``, scores, ``matched_to``, ``file`` and ``line``), as the
        same kind as ``frame``. Rows set aside by ``on_error="skip"`` or
        ``on_empty="skip"`` are not in it; :func:`dedup_frame_result` returns them too.

    Raises:
        InputError: ``frame`` is not a table this knows, or a row is bad and
            ``on_error`` is ``fail``.
    """
    return dedup_frame_result(frame, config)[0]


def dedup_frame_result(frame: Any, config: Config | None = None) -> tuple[Any, list[Skip]]:
    """:func:`dedup_frame`, with the rows that were set aside (as :class:`Skip`)."""
    import pyarrow as pa

    from newsdedup.io.write import CLUSTER_COLUMNS, cluster_columns
    from newsdedup.pipeline import dedup

    config = config or Config()
    kind, table = _to_arrow(frame)
    docs, skipped = _documents(table, config)
    result = dedup(docs, config)
    origins = {doc.id: doc.origin for doc in docs if doc.origin is not None}
    columns = cluster_columns(result, origins)
    out = pa.table({name: columns[name] for name in CLUSTER_COLUMNS})
    return _from_arrow(out, kind), skipped


def _to_arrow(frame: Any) -> tuple[str, Any]:
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        return "arrow", frame
    module = type(frame).__module__.split(".")[0]
    try:
        if module == "pandas":
            return "pandas", pa.Table.from_pandas(frame, preserve_index=False)
        if module == "polars":
            return "polars", frame.to_arrow()
    except (pa.ArrowException, UnicodeError, TypeError, ValueError) as exc:
        raise InputError(
            f"the {module} DataFrame cannot be read as a table ({exc}); make every column "
            "one type, and its strings valid Unicode (no lone surrogates)."
        ) from None
    raise InputError(
        f"dedup_frame takes a pandas or polars DataFrame or a pyarrow Table, not "
        f"{type(frame).__module__}.{type(frame).__name__}; convert it first."
    )


def _from_arrow(table: Any, kind: str) -> Any:
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(table)
    return table


def _documents(table: Any, config: Config) -> tuple[list[Document], list[Skip]]:
    """Documents and skips of the table's rows, checked as :func:`newsdedup.io.read.read` does."""
    from newsdedup.io.records import Raw, Seen, surrogate_problem, to_item

    seen = Seen()
    docs: list[Document] = []
    skipped: list[Skip] = []
    record = 0
    for batch in table.to_batches(max_chunksize=4096):
        for fields in batch.to_pylist():
            problem = surrogate_problem(f"{FRAME} line {record + 1}", fields)
            raw = Raw(FRAME, record + 1, record, None if problem else fields, problem)
            item = to_item(raw, config.read, seen)
            if isinstance(item, Document):
                docs.append(item)
            else:
                skipped.append(item)
            record += 1
    return docs, skipped


__all__ = ["FRAME", "dedup_frame", "dedup_frame_result"]
