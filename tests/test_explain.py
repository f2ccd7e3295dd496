import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdedup import run
from newsdedup.cli import main
from newsdedup.errors import InputError
from newsdedup.explain import explain

QUOTE = (
    "We will stand with our partners against malign interventions and unilateral coercive measures"
)
DOCS = [
    {"id": "wire", "date": "2025-01-11", "source": "Agency",
     "text": f"The ministry congratulated the president on Saturday. {QUOTE}, the spokesman said. "
             "He added that both nations would deepen their extensive bilateral ties this year."},
    {"id": "paper", "date": "2025-01-12", "source": "Daily",
     "text": "Officials in the capital welcomed the message of congratulation a day later. "
             f"The spokesman wrote: {QUOTE}. Both nations would deepen their extensive bilateral ties this year."},
    {"id": "other", "date": "2025-01-12", "source": "Daily",
     "text": "Heavy rain closed schools across the north of the country for a third day running."},
]  # fmt: skip


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("in.jsonl").write_text("".join(json.dumps(d) + "\n" for d in DOCS), encoding="utf-8")
    run(["in.jsonl"], "out")
    return Path("out")


def test_explain_a_verified_rewrite(run_dir: Path) -> None:
    result = explain(run_dir, "paper", "wire")
    assert result.kind == "rewrite" and result.same_cluster
    assert result.scores["days"] in (1.0, "1.000000")
    longest = max(result.passages, key=lambda p: p.words)
    assert QUOTE.lower() in result.a.text[longest.a_start : longest.a_end].lower()
    assert QUOTE.lower() in result.b.text[longest.b_start : longest.b_end].lower()


def test_explain_a_pair_that_was_not_matched(run_dir: Path) -> None:
    result = explain(run_dir, "wire", "other")
    assert result.kind is None and not result.same_cluster and result.passages == ()


def test_unknown_id_and_missing_inputs_are_clear_errors(run_dir: Path) -> None:
    with pytest.raises(InputError, match="no document with the id 'nope'"):
        explain(run_dir, "wire", "nope")
    Path("in.jsonl").unlink()
    with pytest.raises(InputError, match="were not found"):
        explain(run_dir, "wire", "paper")


def test_cli_explain_text_json_and_errors(run_dir: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["explain", str(run_dir), "wire", "paper"])
    assert shown.exit_code == 0 and "verified as rewrite" in shown.stdout
    as_json = json.loads(
        runner.invoke(main, ["explain", str(run_dir), "wire", "paper", "--json"]).stdout
    )
    assert as_json["kind"] == "rewrite" and as_json["same_cluster"] and as_json["passages"]
    missing = runner.invoke(main, ["explain", "nowhere", "wire", "paper"])
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_an_input_edited_after_the_run_is_refused(run_dir: Path) -> None:
    path = Path("in.jsonl")
    path.write_text(
        path.read_text(encoding="utf-8") + json.dumps({"id": "new", "text": "x"}) + "\n"
    )
    with pytest.raises(InputError, match=r"in\.jsonl changed after the run"):
        explain(run_dir, "wire", "paper")


def test_terminal_escapes_and_markup_in_articles_are_shown_not_obeyed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    nasty = [dict(d) for d in DOCS]
    nasty[0]["text"] = "\x1b]0;owned\x07\x1b[2J" + nasty[0]["text"]
    nasty[0]["id"] = "[bold red]wire[/]"
    Path("in.jsonl").write_text("".join(json.dumps(d) + "\n" for d in nasty), encoding="utf-8")
    run(["in.jsonl"], "out")
    shown = CliRunner().invoke(main, ["explain", "out", "[bold red]wire[/]", "paper"])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "␛]0;owned␇␛[2J" in shown.stdout
    assert "[bold red]wire[/]" in shown.stdout
