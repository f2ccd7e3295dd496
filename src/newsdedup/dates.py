"""Publication dates: the one reading of a published string as seconds since the epoch.

Dates decide (the rewrite date window, the ``days`` feature of the decision model) and
choose (the ``earliest`` representative), so every stage reads them here, the same way on
every supported Python: ``datetime.fromisoformat`` alone read only ISO 8601, and less of
it on 3.10 than on 3.11 (issue 14).

Read, in this order:

1. **Epoch numbers**: 9 or 10 digits (with an optional fraction) are seconds, which covers
   1973-03-03 to 2286-11-20; 12 or 13 digits are milliseconds over the same range. Other
   bare numbers are not epochs (8 digits are an ISO 8601 basic date, ``19870226``).
2. **ISO 8601**, parsed here rather than by ``fromisoformat``: a date (``2024-03-05``,
   ``20240305``, week date ``2024-W10-2``, ordinal date ``2024-065``), optionally a time
   after ``T`` or a space (``10:00``, ``10:00:00``, ``100000``, a fraction after ``.`` or
   ``,``) and a zone (``Z``, ``+01``, ``+01:00``, ``+0100``).
3. **RFC 822 / 2822**, the RSS ``pubDate`` (``Tue, 05 Mar 2024 10:00:00 GMT``: day,
   three-letter month, year, time, zone), by :func:`email.utils.parsedate_to_datetime`.
4. **Written forms** (``Feb 26, 1987``, ``26 February 1987``, ``26-FEB-1987 15:01:01.79``,
   ``1987/02/26``), by ``python-dateutil``, not fuzzy: every word must be part of the
   date. The year must be given; a missing month or day is the first, a missing time
   midnight (never today's). An ambiguous day and month (``03/04/2024``) is read month
   first (March 4), as dateutil does; a first number above 12 is the day
   (``26/02/1987``).

A time without a zone is UTC, and so is one whose zone name is not known (the RFC 822
names ``UT``, ``GMT``, ``UTC``, ``Z``, ``EST``/``EDT``, ``CST``/``CDT``, ``MST``/``MDT``,
``PST``/``PDT`` are; others, such as ``CET``, are at most 14 hours off). Two-digit years
follow RFC 2822: 00-49 are 2000-2049, 50-99 are 1950-1999.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from newsdedup.data import UnreadDates

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newsdedup.data import Fingerprint

UNDATED = math.inf
"""What an unknown or unreadable date reads as: later than any date, so it sorts last."""

_EPOCH = re.compile(r"(\d{9,10}(?:\.\d+)?|\d{12,13})")
_ISO = re.compile(
    r"""(?P<year>\d{4})
    (?:(?P<dash>-?)(?:
        (?P<month>\d{2})(?P=dash)(?P<day>\d{2})
      | W(?P<week>\d{2})(?P=dash)(?P<weekday>[1-7])
      | (?P<yday>\d{3})
    ))
    (?:[T\s](?P<hour>\d{2})
        (?:(?P<colon>:?)(?P<minute>\d{2})
            (?:(?P=colon)(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
        )?
        \s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?
    )?""",
    re.VERBOSE | re.IGNORECASE,
)
# RFC 2822 section 3.3 (and its obsolete forms): parsedate_tz alone skips what it does not
# know, reading "March 5, 2024 5:00 PM" as 05:00, so only this shape is handed to it.
_RFC2822 = re.compile(
    r"""(?:[a-z]{3},?\s*)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?
    (?:\s*(?:[+-]\d{4}|[a-z]{1,5}))?(?:\s*\([^()]*\))?""",
    re.VERBOSE | re.IGNORECASE,
)
_ZONES = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
# Never today's date: missing parts are taken from these, and a year that differs
# between them was not in the string.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))
_EPOCH_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=1 << 16)  # a corpus has few distinct dates and many documents
def seconds(published: str | None) -> float:
    """Seconds since the epoch (UTC) of a publication date; :data:`UNDATED` if unknown.

    The formats read, and the rules for what a string leaves out, are in the module's
    docstring. Empty and unreadable strings alike give :data:`UNDATED`; see
    :func:`unreadable` to tell them apart.

    Examples:
        >>> seconds("2024-03-05T10:00:00Z") == seconds("Tue, 05 Mar 2024 10:00:00 GMT")
        True
        >>> seconds("Feb 26, 1987") == seconds("1987-02-26") == seconds("541296000")
        True
        >>> seconds("yesterday")
        inf
    """
    text = (published or "").strip()
    if not text:
        return UNDATED
    for read in (_epoch, _iso, _rfc2822, _written):
        try:
            moment = read(text)
        except (ValueError, OverflowError, TypeError, IndexError):
            continue  # out-of-range fields, e.g. month 13: not a date in this format
        if moment is not None:
            return moment
    return UNDATED


def unreadable(published: str | None) -> bool:
    """Whether ``published`` holds something that is not a date :func:`seconds` reads."""
    return bool(published and published.strip()) and math.isinf(seconds(published))


def day(published: str | None) -> str | None:
    """The UTC day (``YYYY-MM-DD``) of a publication date; ``None`` if unknown or unreadable."""
    moment = seconds(published)
    if math.isinf(moment):
        return None
    return (datetime(1970, 1, 1) + timedelta(seconds=moment)).date().isoformat()


def unread(fingerprints: Sequence[Fingerprint]) -> UnreadDates | None:
    """The documents whose date is given but unreadable: how many, and the first of them.

    Such a document counts as undated; the run says so (issue 14: this was silent).
    """
    count, first = 0, -1
    for position, fp in enumerate(fingerprints):
        if fp.published and unreadable(fp.published):
            count += 1
            first = position if first < 0 else first
    if not count:
        return None
    return UnreadDates(count, fingerprints[first].published or "", fingerprints[first].doc_id)


def _epoch(text: str) -> float | None:
    if not _EPOCH.fullmatch(text):
        return None
    return float(text) if "." in text or len(text) <= 10 else int(text) / 1000.0


def _iso(text: str) -> float | None:
    found = _ISO.fullmatch(text)
    if found is None:
        return None
    # By arithmetic, not datetime objects: a third of the time, for corpora whose every
    # document has its own second (the cache cannot help them).
    year, _, month, mday, week, weekday, yday, hour, _, minute, second, fraction, zone = (
        found.groups()
    )
    if week:
        start = date.fromisocalendar(int(year), int(week), int(weekday))
    elif yday:
        start = date(int(year), 1, 1) + timedelta(days=int(yday) - 1)
        if start.year != int(year) or yday == "000":
            raise ValueError(f"day of year out of range: {text}")
    else:
        start = date(int(year), int(month), int(mday))
    clock = (int(hour or 0), int(minute or 0), int(second or 0))
    if clock[0] > 23 or clock[1] > 59 or clock[2] > 59:
        raise ValueError(f"time out of range: {text}")
    days = start.toordinal() - _EPOCH_DAY
    moment = days * 86400 + clock[0] * 3600 + clock[1] * 60 + clock[2] - _offset(zone)
    return moment + float("0." + fraction) if fraction else float(moment)


def _offset(zone: str | None) -> int:
    """Seconds east of UTC of an ISO 8601 zone (``Z``, ``+01``, ``+01:00``, ``+0100``)."""
    if not zone or zone in "Zz":
        return 0
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"zone out of range: {zone}")
    return (-60 if zone[0] == "-" else 60) * (hours * 60 + minutes)


def _rfc2822(text: str) -> float | None:
    from email.utils import parsedate_to_datetime

    if not _RFC2822.fullmatch(text):
        return None
    moment = parsedate_to_datetime(text)  # raises ValueError (TypeError before 3.10.?)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _written(text: str) -> float | None:
    parse = _dateutil()
    first, second = (parse(text, default=default) for default in _DEFAULTS)
    if first.year != second.year:
        return None  # no year given: "Feb 26" is not a date we can place
    if first.tzinfo is None:
        first = first.replace(tzinfo=timezone.utc)
    return first.timestamp()


@lru_cache(maxsize=1)
def _dateutil() -> Any:
    """The ``parse`` of dateutil, set to this module's rules (imported when first needed)."""
    from dateutil import parser

    class _Info(parser.parserinfo):
        def convertyear(self, year: int, century_specified: bool = False) -> int:
            if year < 100 and not century_specified:
                return year + (2000 if year < 50 else 1900)  # RFC 2822, not today's century
            return int(year)

    reader = parser.parser(_Info())

    def zone(name: str | None, offset: int | None) -> int | None:
        # Called for every string: so no zone is ever taken from this machine's clock.
        if offset is not None:
            return offset
        hours = _ZONES.get((name or "").upper())
        return None if hours is None else hours * 3600

    def parse(text: str, default: datetime) -> datetime:
        return reader.parse(text, default=default, tzinfos=zone)

    return parse
