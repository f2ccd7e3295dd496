"""The local backend: any worker count gives the same result, byte for byte."""

import json
import mmap
import tempfile

import numpy as np
import pytest
from click.testing import CliRunner

from newsdedup import Config, Document
from newsdedup.backends import spill
from newsdedup.backends.local import fingerprint_stream
from newsdedup.backends.spill import mapped
from newsdedup.cli import main
from newsdedup.pipeline import run
from newsdedup.runtime import release_all
from newsdedup.stages.clean import digest, normalize
from newsdedup.stages.fingerprint import fingerprint, fingerprint_texts
from newsdedup.stages.minhash import signatures
from newsdedup.synthetic import iter_articles


def _corpus(tmp_path, n=600):
    path = tmp_path / "corpus.jsonl"
    rows = list(iter_articles(n, seed=5))
    rows[3]["text"] = ""
    rows[4]["text"] = "中国人民银行宣布降息，市场反应平稳。"
    rows[5]["text"] = rows[6]["text"].upper() + " ©"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "timings.json"
    }


def test_stream_equals_the_per_document_reference():
    config = Config()
    docs = [Document(r["id"], r["text"], published=r["date"]) for r in iter_articles(300, seed=2)]
    docs.append(Document("empty", "  ,  "))
    streamed = list(fingerprint_stream(docs, config, chunk=64))
    for doc, fp in zip(docs, streamed, strict=True):
        ref = fingerprint(doc, config)
        assert (fp.doc_id, fp.digest, fp.length, fp.published) == (
            ref.doc_id,
            ref.digest,
            ref.length,
            ref.published,
        )
        assert np.array_equal(fp.shingles, ref.shingles)
        assert np.array_equal(fp.signature, signatures([ref.shingles], config.minhash)[0])
    assert streamed[-1].digest == "" and digest(normalize(docs[0].text)) == streamed[0].digest


def test_run_with_one_or_two_workers_writes_the_same_bytes(tmp_path):
    corpus = _corpus(tmp_path)
    config = Config()
    run([corpus], tmp_path / "one", config, workers=1)
    run([corpus], tmp_path / "two", config, workers=2)
    one, two = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert one.keys() == two.keys() and one == two
    assert any(name.startswith("cleaned") for name in one)


def test_cli_workers_option_and_its_bad_value(tmp_path):
    corpus = _corpus(tmp_path, n=80)
    ok = CliRunner().invoke(
        main, ["run", str(corpus), "-o", str(tmp_path / "o"), "-q", "--workers", "1"]
    )
    assert ok.exit_code == 0, ok.output
    bad = CliRunner().invoke(
        main, ["run", str(corpus), "-o", str(tmp_path / "o"), "--workers", "0"]
    )
    assert bad.exit_code == 2 and "--workers" in bad.output


def test_workers_are_not_part_of_the_config():
    assert "workers" not in Config().to_toml()


def test_fingerprint_texts_gives_one_signature_per_text():
    sigs = fingerprint_texts(["a b c d", "", "x y z"], Config())
    assert sigs.shape == (3, Config().minhash.num_perm) and (sigs[1] == 0xFFFFFFFF).all()


@pytest.mark.parametrize("workers", [1, 2])
def test_spilled_fingerprints_equal_in_memory_ones(workers, tmp_path, monkeypatch):
    # With two workers, the workers write the arrays; with one, this process does.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    maps: list[object] = []
    monkeypatch.setattr(spill, "mapped", lambda stored: maps.extend(stored) or mapped(stored))
    config = Config()
    docs = [Document(r["id"], r["text"]) for r in iter_articles(700, seed=9)]
    docs.insert(5, Document("blank", ""))
    kept = list(fingerprint_stream(docs, config, chunk=32))
    spilled = list(fingerprint_stream(docs, config, chunk=32, spill=True, workers=workers))
    assert list(tmp_path.iterdir()) == []  # the workers' spill folder is gone, its maps stay
    assert len(maps) == (0 if workers == 1 else 3 * 22)  # three arrays a chunk of 32
    for array in (spilled[0].shingles, spilled[0].signature, spilled[0].grams):
        assert isinstance(_mapped_from(array), mmap.mmap)  # in the mapped file, not the heap
    release_all()  # pages let go are read back from the file
    for a, b in zip(kept, spilled, strict=True):
        assert (a.doc_id, a.digest, a.length) == (b.doc_id, b.digest, b.length)
        assert np.array_equal(a.shingles, b.shingles)
        assert np.array_equal(a.signature, b.signature)
        assert (a.grams is None) == (b.grams is None)
        assert a.grams is None or np.array_equal(a.grams, b.grams)


def _mapped_from(array):
    """The object an array's memory belongs to, past views and buffers."""
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    return base.obj if isinstance(base, memoryview) else base


def test_stream_with_furniture_and_rewrites_equals_the_reference():
    from newsdedup.stages.boilerplate import learn_from_documents, source_of, strip
    from newsdedup.synthetic import generate

    config = Config()
    docs = generate(60, seed=4, copies=2.0, rewrites=True).documents()
    furniture = learn_from_documents(docs, config.boilerplate)
    streamed = list(fingerprint_stream(docs, config, chunk=16, furniture=furniture))
    for doc, fp in zip(docs, streamed, strict=True):
        ref = fingerprint(doc, config, furniture)
        assert (fp.digest, fp.length, fp.site) == (ref.digest, ref.length, ref.site)
        assert np.array_equal(fp.shingles, ref.shingles)
        assert np.array_equal(fp.grams, ref.grams)
    assert len(streamed) == len(docs)
    assert any(strip(d.text, source_of(d.source, d.url), furniture) is not d.text for d in docs)
