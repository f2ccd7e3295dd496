"""DataFrames in, the cluster table out as the same kind."""

from __future__ import annotations

import pyarrow as pa
import pytest

from newsdedup import dedup_frame
from newsdedup.config import Config, ReadConfig
from newsdedup.errors import InputError
from newsdedup.frames import dedup_frame_result
from newsdedup.synthetic import generate

STORY = (
    "The central bank raised its main interest rate by half a point on Tuesday, citing inflation."
)


def arrow_corpus() -> pa.Table:
    docs = generate(40, seed=2).documents()
    return pa.table({"id": [d.id for d in docs], "text": [d.text for d in docs]})


def test_pandas_in_pandas_out_with_the_run_table() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["a", "b", "c"], "text": [STORY, STORY.upper(), "Other news."]})
    out = dedup_frame(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.doc_id) == ["a", "b", "c"]
    assert list(out.cluster_id) == ["a", "a", "c"]
    assert list(out.match_kind) == ["representative", "exact", "unique"]
    assert list(out.file) == ["<frame>"] * 3 and list(out.line) == [1, 2, 3]


def test_polars_and_arrow_give_the_same_table() -> None:
    pl = pytest.importorskip("polars")
    table = arrow_corpus()
    from_arrow = dedup_frame(table)
    from_polars = dedup_frame(pl.from_arrow(table))
    assert isinstance(from_arrow, pa.Table) and isinstance(from_polars, pl.DataFrame)
    assert from_polars.to_arrow().to_pylist() == from_arrow.to_pylist()
    assert from_arrow.num_rows == table.num_rows
    assert sum(from_arrow.column("is_representative").to_pylist()) < table.num_rows


def test_bad_rows_are_checked_as_records_are() -> None:
    table = pa.table({"id": ["a", "a", "b"], "text": [STORY, "dup id", ""]})
    with pytest.raises(InputError, match=r"<frame> line 2 repeats the id 'a'"):
        dedup_frame(table)
    cfg = Config(read=ReadConfig(on_error="skip", on_empty="skip"))
    out, skipped = dedup_frame_result(table, cfg)
    assert out.num_rows == 1 and [s.line for s in skipped] == [2, 3]


def test_frames_without_ids_are_numbered() -> None:
    table = pa.table({"text": [STORY, STORY]})
    out = dedup_frame(table, Config(read=ReadConfig(auto_ids=True)))
    assert out.column("doc_id").to_pylist() == ["<frame>:1", "<frame>:2"]
    assert out.column("cluster_id").to_pylist() == ["<frame>:1", "<frame>:1"]


def test_other_objects_are_refused_clearly() -> None:
    with pytest.raises(InputError, match="pandas or polars DataFrame or a pyarrow Table"):
        dedup_frame([{"id": "a", "text": "x"}])


def test_a_frame_arrow_cannot_hold_is_a_clear_error() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["a", "b"], "text": ["fine", "cut \ud800 here"]}, dtype=object)
    with pytest.raises(InputError, match="lone surrogates"):
        dedup_frame(frame)
