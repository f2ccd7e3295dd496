"""Tests for newsdedup.io.read_blocks: reading JSONL in blocks equals read(), record by record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from newsdedup.backends.blocks import BlockInput
from newsdedup.backends.local import fingerprint_stream, survey_stream
from newsdedup.config import Config, ReadConfig
from newsdedup.data import Document, Skip
from newsdedup.errors import InputError
from newsdedup.io.read import read
from newsdedup.io.read_blocks import DocumentsAt, Settle, blocks, check_block, readable

Slim = tuple[str, str, str | None, str | None, str | None]


def by_blocks(paths: list[Path], cfg: ReadConfig, size: int) -> tuple[list[Slim], Settle]:
    """What the workers hand on and the driver settles, the way backends.blocks does it."""
    settle = Settle(cfg)
    docs: list[Slim] = []
    for block in blocks(paths, size):
        checked, slims = check_block(block, cfg)
        taken = settle.block(checked)
        if taken != checked.sent:
            _, slims = check_block(block, cfg, taken)
        docs.extend(slims)
    return docs, settle


def by_read(paths: list[Path], cfg: ReadConfig) -> tuple[list[Document], list[Skip]]:
    items = list(read(paths, cfg))
    return [i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, Skip)]


def assert_same(paths: list[Path], cfg: ReadConfig, size: int) -> None:
    """Blocks of ``size`` bytes give read()'s documents, origins, skips, or its first error."""
    try:
        want_docs, want_skips = by_read(paths, cfg)
    except InputError as exc:
        with pytest.raises(InputError) as info:
            by_blocks(paths, cfg, size)
        assert (str(info.value), info.value.file, info.value.line) == (
            str(exc),
            exc.file,
            exc.line,
        )
        return
    got, settle = by_blocks(paths, cfg, size)
    assert got == [(d.id, d.text, d.published, d.source, d.url, d.title) for d in want_docs]
    assert list(settle.origins.items()) == [(d.id, d.origin) for d in want_docs]
    assert settle.skipped == want_skips
    again = DocumentsAt(settle.spans, settle.origins, {d.id for d in want_docs}, cfg)
    assert dict(again) == {d.id: d for d in want_docs}
    again.close()


LINES = {
    "doc": b'{"id": "%s", "text": "a story %s", "date": "2024-01-0%s", "source": "S"}\n',
    "doc_crlf": b'{"id": "%s", "text": "story\\n%s", "url": "http://x/%s"}\r\n',
    "no_text": b'{"id": "%s", "title": "brief %s %s"}\n',
    "null_text": b'{"id": "%s", "text": null, "n": "%s%s"}\n',
    "empty_text": b'{"id": "%s", "text": "  ", "n": "%s%s"}\n',
    "no_id": b'{"key": "%s", "text": "x %s %s"}\n',
    "bad_id": b'{"id": [%s], "text": "x%s%s"}\n',
    "number_id": b'{"id": 1%s, "text": "number %s %s"}\n',
    "text_type": b'{"id": "%s", "text": 5%s%s}\n',
    "bad_json": b'{"id": "%s", "text": "cut %s %s\n',
    "cut_at_end": b'{"id": "%s%s%s", "text": \n',
    "not_object": b'["%s", "%s", "%s"]\n',
    "bad_utf8": b'{"id": "%s", "text": "caf\xe9 %s %s"}\n',
    "blank": b"\n",
    "spaces": b"  \t \n",
    "bom": b'\xef\xbb\xbf{"id": "%s", "text": "bom %s %s"}\n',
}


def render(kinds: list[tuple[str, int]], last_newline: bool) -> bytes:
    out = []
    for n, (kind, ident) in enumerate(kinds):
        line = LINES[kind]
        if b"%s" in line:
            line = line % (str(ident).encode(), str(n).encode(), str(n % 10).encode())
        out.append(line)
    data = b"".join(out)
    return data if last_newline else data.rstrip(b"\r\n")


files = st.lists(
    st.tuples(
        st.lists(st.tuples(st.sampled_from(sorted(LINES)), st.integers(0, 5)), max_size=14),
        st.booleans(),
    ),
    min_size=1,
    max_size=3,
)
configs = st.builds(
    ReadConfig,
    on_error=st.sampled_from(["fail", "skip"]),
    on_empty=st.sampled_from(["keep", "skip", "fail"]),
    max_chars=st.sampled_from([20, 1000]),
)


@hsettings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files, configs, st.integers(1, 120))
def test_blocks_equal_read_record_by_record(
    tmp_path: Path, contents: list[tuple[list[tuple[str, int]], bool]], cfg: ReadConfig, size: int
) -> None:
    paths = []
    for n, (kinds, last_newline) in enumerate(contents):
        path = tmp_path / f"f{n}.jsonl"
        path.write_bytes(render(kinds, last_newline))
        paths.append(path)
    assert_same(paths, cfg, size)


def test_every_block_boundary(tmp_path: Path) -> None:
    # Repeated ids across blocks, a record without text before and after one with it,
    # blank lines, a BOM: cut at every byte position.
    kinds = ["no_text", "bom", "blank", "doc", "no_text", "spaces", "doc", "bad_json", "doc"]
    data = render([(k, i % 3) for i, k in enumerate(kinds)], True)
    path = tmp_path / "c.jsonl"
    path.write_bytes(data)
    for cfg in (ReadConfig(on_error="skip"), ReadConfig(on_error="skip", on_empty="skip")):
        for size in range(1, len(data) + 2):
            assert_same([path], cfg, size)
    assert_same([path], ReadConfig(), 7)


def test_a_file_given_twice_counts_its_records_again(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    # The record without text is bad the first time, an empty text the second (the file
    # has had the text field by then): a document whose record counts from the file's start.
    path.write_bytes(render([("no_text", 7), ("blank", 0), ("doc", 1), ("doc", 2)], True))
    for size in (16, 1000):
        assert_same([path, path], ReadConfig(on_error="skip"), size)


def test_readable_takes_plain_jsonl_files_only(tmp_path: Path) -> None:
    plain = tmp_path / "a.jsonl"
    plain.write_text('{"id": "a", "text": "x"}\n')
    (tmp_path / "b.csv").write_text("id,text\nb,y\n")
    (tmp_path / "c.jsonl.gz").write_bytes(b"")
    cfg = ReadConfig()
    assert readable([plain, plain], cfg)
    assert not readable([plain, tmp_path / "b.csv"], cfg)
    assert not readable([tmp_path / "c.jsonl.gz"], cfg)
    assert not readable([tmp_path / "missing.jsonl"], cfg)
    assert not readable([tmp_path], cfg)
    assert not readable([], cfg)


def test_unopenable_file_is_a_bad_record_as_read_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsdedup.io.read
    import newsdedup.io.read_blocks

    def refuse(path: Path) -> None:
        raise InputError(f"{path} cannot be opened: Permission denied.", file=str(path))

    path = tmp_path / "locked.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n')
    monkeypatch.setattr(newsdedup.io.read, "open_binary", refuse)
    monkeypatch.setattr(newsdedup.io.read_blocks, "open_binary", refuse)
    assert_same([path], ReadConfig(on_error="skip"), 8)
    assert_same([path], ReadConfig(), 8)


@pytest.mark.parametrize("workers", [1, 2])
def test_streams_from_blocks_equal_streams_from_documents(tmp_path: Path, workers: int) -> None:
    from newsdedup.synthetic import iter_articles

    path = tmp_path / "c.jsonl"
    articles = list(iter_articles(120, seed=3))
    lines = [json.dumps(a) for a in articles]
    lines[7] = lines[3]  # a repeated id, met in a later block: settled by the driver
    lines[20] = '{"id": "cut", "text": '
    path.write_text("\n".join(lines) + "\n\n")
    config = Config(read=ReadConfig(on_error="skip"))
    docs = [d for d in read([path], config.read) if isinstance(d, Document)]

    def source() -> BlockInput:
        return BlockInput([path], Settle(config.read), size=3000)

    want = list(fingerprint_stream(docs, config, chunk=16))
    got = list(fingerprint_stream(source(), config, workers=workers, chunk=16))
    assert [fp.doc_id for fp in got] == [fp.doc_id for fp in want]
    for a, b in zip(got, want, strict=True):
        assert (a.digest, a.length, a.published, a.source, a.site) == (
            b.digest,
            b.length,
            b.published,
            b.source,
            b.site,
        )
        assert np.array_equal(a.shingles, b.shingles)
        assert np.array_equal(a.signature, b.signature)
    surveyed = list(survey_stream(source(), config, workers=workers, chunk=16))
    expected = list(survey_stream(docs, config, chunk=16))
    assert [t for p in surveyed for t in p.texts] == [t for p in expected for t in p.texts]
    assert np.array_equal(
        np.concatenate([p.lines for p in surveyed]), np.concatenate([p.lines for p in expected])
    )


@hsettings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"\n")), st.integers(1, 64))
def test_blocks_cut_whole_lines_and_number_them(tmp_path: Path, data: bytes, size: int) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(data)
    cut = list(blocks([path], size))
    assert b"".join(data[b.offset : b.offset + b.size] for b in cut) == data
    assert all(b.size > 0 and not b.problem for b in cut)
    assert all(data[b.offset + b.size - 1 : b.offset + b.size] == b"\n" for b in cut[:-1])
    assert all(b.line == data.count(b"\n", 0, b.offset) + 1 for b in cut)
