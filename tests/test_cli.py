"""The command line: every command, its outputs, and every error exit."""

from __future__ import annotations

import csv
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdedup.cli import main
from newsdedup.synthetic import generate, write_jsonl


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    write_jsonl(generate(40, seed=1), path)
    return path


def table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_help_is_instant_and_loads_no_heavy_module() -> None:
    code = "import sys, newsdedup.cli; print(sorted({'numpy', 'datasketch', 'pyarrow'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_run_writes_outputs_and_accounts_for_every_document(corpus: Path, tmp_path: Path) -> None:
    code, out, _ = invoke("run", corpus, "-o", tmp_path / "out")
    assert code == 0
    rows = table(tmp_path / "out" / "clusters.csv")
    kept = sum(row["is_representative"] == "true" for row in rows)
    assert f"{len(rows)} read = {kept} kept + {len(rows) - kept} grouped" in out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["config"]["verify"]["threshold"] == 0.5


def test_run_options_reach_the_config(corpus: Path, tmp_path: Path) -> None:
    args = ["--threshold", "0.7", "--keep", "source", "--source-priority", "AP, Reuters"]
    code, out, _ = invoke("run", corpus, "-o", tmp_path / "o", "--dump-config", *args)
    assert code == 0
    assert "threshold = 0.7" in out and 'source_priority = [\n    "AP",\n    "Reuters",\n]' in out
    assert not (tmp_path / "o").exists()


def test_config_file_is_read_and_options_override_it(corpus: Path, tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('[verify]\nthreshold = 0.6\ncontainment = 0.9\n[write]\nformat = "jsonl"\n')
    code, out, _ = invoke(
        "run", corpus, "-o", tmp_path / "o", "--config", toml, "--threshold", "0.4"
    )
    assert code == 0
    assert not out.startswith("[")
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["config"]["verify"] == {
        "threshold": 0.4,
        "containment": 0.9,
        "min_shingles": 10,
    }
    assert (tmp_path / "o" / "clusters.jsonl").exists()


def test_quiet_prints_nothing(corpus: Path, tmp_path: Path) -> None:
    code, out, err = invoke("run", corpus, "-o", tmp_path / "o", "-q")
    assert (code, out, err) == (0, "", "")


def test_generate_writes_corpus_and_gold(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "generate", tmp_path / "d" / "c.jsonl", "--stories", "10", "--gold", tmp_path / "g.csv"
    )
    assert code == 0 and "Wrote" in out
    ids = [json.loads(line)["id"] for line in (tmp_path / "d" / "c.jsonl").read_text().splitlines()]
    gold = table(tmp_path / "g.csv")
    assert sorted(ids) == sorted(row["id"] for row in gold)


def test_bad_record_exits_1_naming_file_line_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "body": "x"}\n', encoding="utf-8")
    code, out, err = invoke("run", path, "-o", tmp_path / "o")
    assert code == 1
    assert f"{path} line 1 has no field 'text'" in err and "Use --text-field body." in err
    assert "Traceback" not in err + out
    assert not (tmp_path / "o").exists()


def test_on_error_skip_counts_and_lists_bad_records(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n', encoding="utf-8")
    code, out, _ = invoke("run", path, "-o", tmp_path / "o", "--on-error", "skip")
    assert code == 0 and "1 record skipped" in out
    skipped = table(tmp_path / "o" / "skipped.csv")
    assert [(row["line"], row["doc_id"]) for row in skipped] == [("2", "")]


def test_empty_text_can_fail(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"id": "a", "text": ""}\n', encoding="utf-8")
    code, _, err = invoke("run", path, "-o", tmp_path / "o", "--on-empty", "fail")
    assert code == 1 and "has empty text" in err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[verify]\nthreshold = 2.0\n", "verify.threshold must be in (0, 1]"),
        ("[verify]\nthreshhold = 0.5\n", "unknown key verify.threshhold"),
        ("[nope]\n", "unknown config section [nope]"),
        ("[lsh]\nbands = 4\n", "lsh.bands and lsh.rows go together"),
        ("[choose]\npolicy = 'source'\n", "needs choose.source_priority"),
        ("not toml", "is not valid TOML"),
    ],
)
def test_bad_config_exits_2(corpus: Path, tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml)
    code, _, err = invoke("run", corpus, "-o", tmp_path / "o", "--config", path)
    assert code == 2 and message in err


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("run", tmp_path / "absent.jsonl", "-o", tmp_path / "o")
    assert code == 2 and "does not exist" in err


def test_unknown_input_format_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "corpus.xml"
    path.write_text("<doc/>")
    code, _, err = invoke("run", path, "-o", tmp_path / "o")
    assert code == 1 and ".jsonl" in err


def test_refuses_to_overwrite_a_folder_that_is_not_a_run(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me")
    code, _, err = invoke("run", corpus, "-o", out)
    assert code == 1 and "precious" in err
    assert (out / "thesis.tex").read_text() == "keep me"


def test_an_earlier_run_is_replaced(corpus: Path, tmp_path: Path) -> None:
    assert invoke("run", corpus, "-o", tmp_path / "o", "-q")[0] == 0
    assert invoke("run", corpus, "-o", tmp_path / "o", "-q", "--output-format", "jsonl")[0] == 0
    assert not (tmp_path / "o" / "clusters.csv").exists()
    assert (tmp_path / "o" / "clusters.jsonl").exists()


def test_rewrite_and_boilerplate_switches_reach_the_config(corpus: Path, tmp_path: Path) -> None:
    args = [
        "--no-rewrites",
        "--date-window",
        "7",
        "--no-boilerplate",
        "--boilerplate-min-docs",
        "9",
    ]
    code, out, _ = invoke("run", corpus, "-o", tmp_path / "o", "--dump-config", *args)
    assert code == 0
    rewrite = out.split("[rewrite]")[1].split("[")[0]
    assert "enabled = false" in rewrite and "window_days = 7.0" in rewrite
    assert "enabled = false\nmin_docs = 9" in out.split("[boilerplate]")[1]


def test_no_rewrites_finds_copies_only(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    write_jsonl(generate(60, seed=3, rewrites=True), path)
    assert invoke("run", path, "-o", tmp_path / "with", "-q")[0] == 0
    assert invoke("run", path, "-o", tmp_path / "without", "-q", "--no-rewrites")[0] == 0
    kinds = {row["match_kind"] for row in table(tmp_path / "without" / "clusters.csv")}
    assert "rewrite" not in kinds
    assert "rewrite" in {row["match_kind"] for row in table(tmp_path / "with" / "clusters.csv")}


def _terminated(*args: object, **kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)  # the handler raises at the next instruction


def _interrupted(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def _in_a_callback(stop: signal.Signals) -> Callable[..., None]:
    """A run whose stop arrives in a callback from C, where its exception is lost."""

    def run(*args: object, **kwargs: object) -> None:
        callback = ctypes.CFUNCTYPE(None)(lambda: os.kill(os.getpid(), stop))
        callback()  # the handler's exception is raised, and swallowed, in there
        time.sleep(10)  # until the signal, sent again, lands here

    return run


def _broken(*args: object, **kwargs: object) -> None:
    raise BrokenProcessPool("A process in the process pool was terminated abruptly")


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM")
@pytest.mark.parametrize(
    ("stop", "code", "message"),
    [
        (_terminated, 143, "Terminated (SIGTERM): stopped; no partial output was left."),
        (_interrupted, 130, "Interrupted: stopped; no partial output was left."),
        (_in_a_callback(signal.SIGTERM), 143, "Terminated (SIGTERM): stopped; no partial"),
        (_in_a_callback(signal.SIGINT), 130, "Interrupted: stopped; no partial output was"),
        (_broken, 1, "a worker process stopped unexpectedly"),
    ],
)
def test_sigterm_ctrl_c_and_a_dead_worker_stop_a_run_with_a_message(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop, code, message
) -> None:
    """SIGTERM unwinds the run as Ctrl-C does (its cleanup runs), then exits 143; no traceback."""

    def unexpected(signum: int, frame: object) -> None:
        raise RuntimeError("SIGTERM reached the default handler")

    monkeypatch.setattr("newsdedup.pipeline.run", stop)
    before = signal.signal(signal.SIGTERM, unexpected)
    try:
        status, _, err = invoke("run", corpus, "-o", tmp_path / "out")
        assert signal.getsignal(signal.SIGTERM) is unexpected  # put back as it was
    finally:
        signal.signal(signal.SIGTERM, before)
    assert status == code
    assert message in err
    assert "Traceback" not in err
    assert "ignored" not in err


def test_max_bucket_reaches_the_config_and_the_summary_says_it_chained(
    corpus: Path, tmp_path: Path
) -> None:
    code, out, _ = invoke("run", corpus, "-o", tmp_path / "o", "--dump-config", "--max-bucket", "3")
    assert code == 0 and "max_bucket = 3" in out
    code, out, _ = invoke("run", corpus, "-o", tmp_path / "o", "--max-bucket", "2")
    assert code == 0 and "LSH buckets chained (over --max-bucket)" in out
