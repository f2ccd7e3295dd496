"""Publication dates: every format read to the same second, and unreadable ones said aloud."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.data import Fingerprint
from newsdedup.dates import UNDATED, day, seconds, unread, unreadable

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
