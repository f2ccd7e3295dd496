"""Tests for newsdedup.io.read_blocks: reading JSONL in blocks equals read(), record by record.

read() reads JSONL with read_jsonl, so read() against the workers' blocks checks the two ways
blocks are cut and settled; both are checked against a reference that parses and checks one
line at a time (the reader before blocks), plain or compressed, truncated or not.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
import zstandard
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from newsdedup.backends.blocks import BlockInput
from newsdedup.backends.local import fingerprint_stream, survey_stream
from newsdedup.config import Config, ReadConfig
from newsdedup.data import Document, Skip
from newsdedup.errors import InputError
from newsdedup.io.inputs import open_binary
from newsdedup.io.read import read
from newsdedup.io.read_blocks import (
    DocumentsAt,
    Settle,
    _decode,
    _parse_json,
    blocks,
    check_block,
    jsonl_lines,
    read_jsonl,
    readable,
)
from newsdedup.io.records import READ_ERRORS, Raw, Seen, to_item, unreadable

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


# ---------------------------------------------------------------- against a reference


def line_records(file: str) -> Iterator[Raw]:
    """The records of a JSONL file as the reader before blocks read them: line by line."""
    record = number = 0
    try:
        with open_binary(Path(file)) as handle:
            lines = iter(handle)
            while True:
                try:
                    raw = next(lines)
                except StopIteration:
                    return
                except READ_ERRORS as exc:
                    raise unreadable(file, number + 1, exc) from None
                number += 1
                if raw.strip():
                    fields, problem = _parse_json(raw, file, number)
                    yield Raw(file, number, record, fields, problem)
                    record += 1
    except InputError as exc:
        yield Raw(exc.file or file, exc.line, -1, None, str(exc))


def by_lines(paths: list[Path], cfg: ReadConfig) -> Iterator[Document | Skip]:
    """Each line parsed and checked alone, in order: the reference read_jsonl must equal."""
    seen = Seen()
    for path in paths:
        for raw in line_records(str(path)):
            yield to_item(raw, cfg, seen)


def by_read_jsonl(paths: list[Path], cfg: ReadConfig, size: int) -> Iterator[Document | Skip]:
    """What read() does with JSONL inputs, in blocks of ``size`` bytes."""
    settle = Settle(cfg, keep=False)
    for path in paths:
        yield from read_jsonl(str(path), cfg, settle, size=size)


Outcome = tuple[list[Document | Skip], tuple[str, str, int] | None]


def outcome(items: Iterable[Document | Skip]) -> Outcome:
    """The items given before reading stopped, and the error that stopped it, if any."""
    got: list[Document | Skip] = []
    try:
        for item in items:
            got.append(item)
    except InputError as exc:
        return got, (str(exc), exc.file, exc.line)
    return got, None


PACK: dict[str, Callable[[bytes], bytes]] = {
    "": lambda data: data,
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda data: zstandard.ZstdCompressor().compress(data),
}

packed_files = st.lists(
    st.tuples(
        st.lists(st.tuples(st.sampled_from(sorted(LINES)), st.integers(0, 5)), max_size=30),
        st.booleans(),
        st.sampled_from(sorted(PACK)),
        st.sampled_from(["", "", "cut 0.3", "cut 0.9", "cut 0.99", "zero 0.5", "zero 0.8"]),
    ),
    min_size=1,
    max_size=3,
)


@hsettings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(packed_files, configs, st.integers(1, 400))
def test_read_equals_reading_line_by_line(
    tmp_path: Path,
    contents: list[tuple[list[tuple[str, int]], bool, str, str]],
    cfg: ReadConfig,
    size: int,
) -> None:
    """Same documents (origins too), skips and error, in the same order, however cut.

    Plain and compressed, truncated or corrupt compressed data too: the records before
    the break, then the break as a bad record (or the error) at the same line. With
    on_error="fail" the documents before the first bad record still come before the error.
    """
    paths = []
    for n, (kinds, last_newline, suffix, damage) in enumerate(contents):
        data = PACK[suffix](render(kinds, last_newline))
        if suffix and damage:
            how, at = damage.split()
            cut = int(len(data) * float(at))
            data = data[:cut] if how == "cut" else data[:cut] + b"\0" * 8 + data[cut + 8 :]
        path = tmp_path / f"f{n}.jsonl{suffix}"
        path.write_bytes(data)
        paths.append(path)
    want = outcome(by_lines(paths, cfg))
    assert outcome(by_read_jsonl(paths, cfg, size)) == want
    assert outcome(read(paths, cfg)) == want
    if all(readable([path], cfg) for path in paths):
        try:
            got, settle = by_blocks(paths, cfg, size)
        except InputError as exc:
            assert want[1] == (str(exc), exc.file, exc.line)
            return
        docs = [item for item in want[0] if isinstance(item, Document)]
        assert got == [(d.id, d.text, d.published, d.source, d.url, d.title) for d in docs]
        assert settle.skipped == [item for item in want[0] if isinstance(item, Skip)]


@pytest.mark.parametrize("suffix", sorted(PACK))
def test_jsonl_lines_count_records_as_read_does(tmp_path: Path, suffix: str) -> None:
    kinds = ["doc", "blank", "bad_json", "spaces", "bom", "doc_crlf", "no_text"] * 50
    data = render([(k, i) for i, k in enumerate(kinds)], False)
    path = tmp_path / f"c.jsonl{suffix}"
    path.write_bytes(PACK[suffix](data))
    lines = list(jsonl_lines(path))
    assert [raw for _, _, raw in lines] == [raw for raw in data.splitlines(True) if raw.strip()]
    items = list(read([path], ReadConfig(on_error="skip", on_empty="skip")))
    assert [i.origin.line if isinstance(i, Document) else i.line for i in items] == [
        line for line, _, _ in lines
    ]
    assert [i.origin.record for i in items if isinstance(i, Document)] == [
        record for (_, record, _), i in zip(lines, items, strict=True) if isinstance(i, Document)
    ]


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_documents_before_a_bad_record_come_before_the_error(tmp_path: Path, suffix: str) -> None:
    # All in one block: the block is parsed at once, but settled one record at a time.
    path = tmp_path / f"c.jsonl{suffix}"
    path.write_bytes(PACK[suffix](b'{"id": "a", "text": "x"}\n{"id": "b", "text": "y"}\n{"id": \n'))
    items = read([path], ReadConfig())
    assert [next(items).id, next(items).id] == ["a", "b"]  # type: ignore[union-attr]
    with pytest.raises(InputError, match=r"line 3 is not valid JSON") as info:
        next(items)
    assert (info.value.file, info.value.line) == (str(path), 3)


def test_a_truncated_gzip_gives_the_records_before_the_break(tmp_path: Path) -> None:
    data = b"".join(b'{"id": "%d", "text": "story %d"}\n' % (i, i) for i in range(5000))
    packed = gzip.compress(data)
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    items = list(read([path], ReadConfig(on_error="skip")))
    *docs, skip = items
    assert isinstance(skip, Skip) and "gzip data is corrupt or truncated" in skip.reason
    assert [d.origin.line for d in docs] == list(range(1, len(docs) + 1))  # type: ignore[union-attr]
    assert skip.line == len(docs) + 1 and 0 < len(docs) < 5000
    assert outcome(items) == outcome(by_lines([path], ReadConfig(on_error="skip")))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"id": "n", "text": "x", "n": ' + b"1" * 5000 + b"}", "Exceeds the limit"),
        (b'{"id": "d", "text": "x", "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested"),
    ],
)
def test_json_that_python_will_not_read_is_a_bad_record(
    tmp_path: Path, line: bytes, reason: str
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"id": "a", "text": "x"}\n' + line + b'\n{"id": "b", "text": "y"}\n')
    items = list(read([path], ReadConfig(on_error="skip")))
    assert [type(item).__name__ for item in items] == ["Document", "Skip", "Document"]
    assert isinstance(items[1], Skip) and items[1].line == 2 and reason in items[1].reason
    with pytest.raises(InputError, match=r"c\.jsonl line 2 holds JSON that cannot be read"):
        list(read([path], ReadConfig()))


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)  # beyond 64 bits too: orjson would read those as floats
    | st.floats(allow_nan=True)
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\ufeff"])),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["id", "text", "date", "x"]), _JSON_VALUES), st.booleans())
def test_a_line_parses_as_json_reads_it(record, bom):
    raw = ("\ufeff" if bom else "") + json.dumps(record, ensure_ascii=False) + "\n"
    data = raw.encode("utf-8", "surrogatepass")
    try:
        want = json.loads(_decode(data, 1))
    except (UnicodeDecodeError, json.JSONDecodeError):
        want = None
    got, problem = _parse_json(data, "in.jsonl", 1)
    assert (got is None) == (want is None) == bool(problem)
    if want is not None:
        assert repr(got) == repr(want)  # the same values, of the same types (nan too)
