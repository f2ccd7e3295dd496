"""Publication dates: every format read to the same second, and unreadable ones said aloud."""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.cli import main
from newsdedup.config import Config
from newsdedup.data import Fingerprint
from newsdedup.dates import UNDATED, day, seconds, unread, unreadable
from newsdedup.pipeline import dedup_fingerprints

MARCH_5 = 1709596800.0  # 2024-03-05T00:00:00Z
TEN = MARCH_5 + 10 * 3600  # 2024-03-05T10:00:00Z
FEB_26_1987 = 541296000.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601
        ("2024-03-05", MARCH_5),
        ("20240305", MARCH_5),
        ("2024-03-05T10:00:00Z", TEN),
        ("2024-03-05t10:00:00z", TEN),
        ("2024-03-05 10:00:00", TEN),
        ("2024-03-05T10:00", TEN),
        ("2024-03-05T11:00:00+01:00", TEN),
        ("2024-03-05T11:00:00+0100", TEN),
        ("2024-03-05T11:00:00+01", TEN),
        ("2024-03-05T05:00:00-05:00", TEN),
        ("2024-03-05T10:00:00.250Z", TEN + 0.25),
        ("2024-03-05T10:00:00,5", TEN + 0.5),
        ("2024-03-05T10:00:00.123456789+00:00", TEN + 0.123456789),
        ("20240305T100000Z", TEN),
        ("2024-W10-2", MARCH_5),
        ("2024W102", MARCH_5),
        ("2024-065", MARCH_5),
        ("  2024-03-05  ", MARCH_5),
        # RFC 822 / 2822 (RSS pubDate)
        ("Tue, 05 Mar 2024 10:00:00 GMT", TEN),
        ("Tue, 5 Mar 2024 10:00:00 +0000", TEN),
        ("Tue, 05 Mar 2024 05:00:00 EST", TEN),
        ("Tue, 05 Mar 2024 02:00:00 PST", TEN),
        ("05 Mar 2024 11:00 +0100", TEN),
        ("Tue, 05 Mar 24 10:00:00 GMT", TEN),
        # epoch seconds and milliseconds
        ("1709632800", TEN),
        ("1709632800.5", TEN + 0.5),
        ("1709632800000", TEN),
        ("541296000", FEB_26_1987),
        # written forms
        ("Feb 26, 1987", FEB_26_1987),
        ("February 26, 1987", FEB_26_1987),
        ("26 February 1987", FEB_26_1987),
        ("26-FEB-1987 15:01:01.79", FEB_26_1987 + 15 * 3600 + 61 + 0.79),
        ("1987/02/26", FEB_26_1987),
        ("26/02/1987", FEB_26_1987),  # the first number cannot be a month
        ("03/04/2024", MARCH_5 - 86400),  # month first: March 4
        ("26-FEB-87", FEB_26_1987),  # two-digit years as RFC 2822: 50-99 are 19xx
        ("5 March 2024 10:00 UTC", TEN),
        ("March 5, 2024 5:00 AM EST", TEN),
        ("March 5, 2024 3:00 PM", TEN + 5 * 3600),
        ("Tue, 05 Mar 2024 10:00:00 +0000 (UTC)", TEN),
        ("2024-03-05 10:00:00 GMT", TEN),
        ("2024-03", MARCH_5 - 4 * 86400),  # a missing day is the first
        ("Mar 5 2024 10:00 CET", TEN),  # an unknown zone name: the clock read as UTC
    ],
)
def test_formats_read_to_the_expected_second(text: str, expected: float) -> None:
    assert seconds(text) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "last Tuesday",
        "now",
        "Feb 26",  # no year: not today's
        "10:00",
        "2024-13-01",
        "2024-02-30",
        "2023-366",  # 2023 has 365 days
        "n/a",
        "12",
        "Tuesday the fifth, around noon",
    ],
)
def test_unreadable_strings_are_undated(text: str) -> None:
    assert seconds(text) == UNDATED
    assert unreadable(text)
    assert day(text) is None


@pytest.mark.parametrize("text", [None, "", "   "])
def test_missing_dates_are_undated_but_not_unreadable(text: str | None) -> None:
    assert seconds(text) == UNDATED
    assert not unreadable(text)


def test_day_is_the_utc_day() -> None:
    assert day("Tue, 05 Mar 2024 23:30:00 -0500") == "2024-03-06"
    assert day("1987/02/26") == "1987-02-26"


moments = st.datetimes(
    min_value=datetime(1950, 1, 1), max_value=datetime(2049, 12, 31), timezones=st.just(None)
).map(lambda moment: moment.replace(microsecond=0, tzinfo=timezone.utc))
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(
    lambda quarters: timezone(timedelta(minutes=15 * quarters))
)


@given(moments, offsets)
def test_iso_round_trip(moment: datetime, zone: timezone) -> None:
    local = moment.astimezone(zone)
    for text in (
        local.isoformat(),
        local.isoformat(sep=" "),
        local.strftime("%Y%m%dT%H%M%S%z"),
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.replace(tzinfo=None).isoformat(),
    ):
        assert seconds(text) == moment.timestamp(), text


@given(moments, offsets)
def test_rfc2822_round_trip(moment: datetime, zone: timezone) -> None:
    assert seconds(format_datetime(moment.astimezone(zone))) == moment.timestamp()
    assert seconds(format_datetime(moment, usegmt=True)) == moment.timestamp()


@given(moments)
def test_written_forms_round_trip(moment: datetime) -> None:
    for pattern in (
        "%b %d, %Y %H:%M:%S",
        "%d %B %Y %H:%M:%S",
        "%d-%b-%Y %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
    ):
        text = moment.strftime(pattern)
        assert seconds(text) == moment.timestamp(), text
        assert seconds(text.upper()) == moment.timestamp(), text


@given(moments)
def test_epoch_round_trip_within_its_range(moment: datetime) -> None:
    stamp = int(moment.timestamp())
    if 10**8 <= stamp < 10**10:  # 9-10 digits (12-13 in milliseconds): 1973-03-03 on
        assert seconds(str(stamp)) == stamp
        assert seconds(str(stamp * 1000)) == stamp


def fingerprint(doc_id: str, published: str | None) -> Fingerprint:
    return Fingerprint(doc_id, "", [], 0, published)


def test_unread_counts_and_names_the_first() -> None:
    fps = [fingerprint("a", "2024-03-05"), fingerprint("b", "soon"), fingerprint("c", None)]
    fps += [fingerprint("d", "later")]
    found = unread(fps)
    assert found is not None
    assert (found.count, found.example, found.doc_id) == (2, "soon", "b")
    assert unread(fps[:1]) is None


def test_the_result_counts_unreadable_dates() -> None:
    import numpy as np

    from newsdedup.backends.local import fingerprint_stream
    from newsdedup.data import Document

    docs = [
        Document("a", "One story about a rate rise.", published="Tue, 05 Mar 2024 10:00:00 GMT"),
        Document("b", "Another story about the weather.", published="the other day"),
    ]
    fps = list(fingerprint_stream(docs, Config()))
    result = dedup_fingerprints(fps, Config())
    assert result.stats["dates_unreadable"] == 1
    assert result.unread_dates is not None and result.unread_dates.doc_id == "b"
    assert np.isfinite(seconds(fps[0].published))


# ---------------------------------------------------------------- through the command line

STORY = (
    "The central bank raised its main interest rate by half a point on Tuesday, the "
    "largest increase in two decades, saying inflation had spread from energy to food, "
    "rents and services and would not fall back to its target without firmer action. "
    "Markets had expected a smaller move and the currency rose against the dollar."
)
OTHER = (
    "Heavy rain closed three mountain passes overnight and the regional authority told "
    "drivers to stay off the roads until the snow ploughs had cleared the upper valleys. "
    "Schools in four towns will open late on Wednesday, the authority said in a statement."
)


def write(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def clusters(out: Path) -> dict[str, dict[str, str]]:
    text = (out / "clusters.csv").read_text(encoding="utf-8")
    return {row["doc_id"]: row for row in csv.DictReader(text.splitlines())}


def test_summary_counts_unreadable_dates_with_an_example(tmp_path: Path) -> None:
    path = write(
        tmp_path / "corpus.jsonl",
        [
            {"id": "a", "text": STORY, "date": "2024-03-05"},
            {"id": "b", "text": OTHER, "date": "yesterday"},
            {"id": "c", "text": OTHER + " More.", "date": "soon"},
        ],
    )
    code, out, _ = invoke("run", path, "-o", tmp_path / "o")
    assert code == 0, out
    assert "2 dates could not be read, e.g. 'yesterday'" in out
    assert f"{path} line 2" in out
    assert "count as undated" in out
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stats"]["dates_unreadable"] == 2


def test_readable_dates_say_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "corpus.jsonl", [{"id": "a", "text": STORY, "date": "Feb 26, 1987"}])
    code, out, _ = invoke("run", path, "-o", tmp_path / "o")
    assert code == 0, out
    assert "could not be read" not in out


def test_a_date_field_no_record_has_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "corpus.jsonl",
        [{"id": "a", "text": STORY, "pubDate": "Tue, 05 Mar 2024 10:00:00 GMT"}],
    )
    code, _, err = invoke("run", path, "-o", tmp_path / "o", "--date-field", "pubdate")
    assert code == 1
    assert "'pubdate'" in err and "pubDate" in err
    assert "Use --date-field pubDate" in err
    assert not (tmp_path / "o").exists()


def test_the_default_date_field_may_be_absent(tmp_path: Path) -> None:
    path = write(tmp_path / "corpus.jsonl", [{"id": "a", "text": STORY}])
    code, out, _ = invoke("run", path, "-o", tmp_path / "o")
    assert code == 0, out
    assert "could not be read" not in out


def test_earliest_rfc822_copy_is_the_representative(tmp_path: Path) -> None:
    path = write(
        tmp_path / "corpus.jsonl",
        [
            {"id": "a", "text": STORY, "pubDate": "Thu, 07 Mar 2024 09:00:00 GMT"},
            {"id": "b", "text": STORY, "pubDate": "Tue, 05 Mar 2024 10:00:00 +0100"},
            {"id": "c", "text": STORY, "pubDate": "Wed, 06 Mar 2024 08:00:00 EST"},
            {"id": "d", "text": OTHER, "pubDate": "Mon, 04 Mar 2024 10:00:00 GMT"},
        ],
    )
    code, out, _ = invoke("run", path, "-o", tmp_path / "o", "--date-field", "pubDate")
    assert code == 0, out
    rows = clusters(tmp_path / "o")
    assert {rows[i]["cluster_id"] for i in "abc"} == {"b"}
    assert rows["b"]["is_representative"] in ("True", "true", "1")
    assert "could not be read" not in out


def test_undated_copies_would_keep_the_smallest_id(tmp_path: Path) -> None:
    """The contrast: before issue 14 RFC 822 dates were unreadable and ``a`` was kept."""
    path = write(
        tmp_path / "corpus.jsonl",
        [{"id": i, "text": STORY, "date": "someday"} for i in "abc"],
    )
    code, out, _ = invoke("run", path, "-o", tmp_path / "o")
    assert code == 0, out
    assert {row["cluster_id"] for row in clusters(tmp_path / "o").values()} == {"a"}
    assert math.isinf(seconds("someday"))
