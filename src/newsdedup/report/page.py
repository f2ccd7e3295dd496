"""Render the report page: one self-contained HTML string from :class:`RunData`.

Article text, titles, ids, sources and URLs are untrusted. Everything put into HTML goes
through :func:`html.escape` with ``quote=True``; the cluster data the script needs is
embedded as JSON with ``<``, ``>``, ``&`` and U+2028/U+2029 escaped
(:func:`script_json`), and the script builds the cluster views with ``textContent``,
never ``innerHTML``. Links are made only for ``http``/``https`` URLs. A Content Security
Policy allows only the page's own script (by hash), so even a mistake here could not run
injected code.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlsplit

from newsdedup.config import Config
from newsdedup.data import Document
from newsdedup.dates import day as day_of
from newsdedup.report import svg
from newsdedup.report.assets import CSS, SCRIPT
from newsdedup.report.load import Member, RunData
from newsdedup.report.spans import (
    clip,
    find_all,
    merge,
    passage_spans,
    shared_spans,
    to_utf16,
)
from newsdedup.stages.boilerplate import is_pattern, source_of
from newsdedup.stages.lsh import choose_banding, probability

MAX_TEXT_CHARS = 20_000
_LINES = re.compile(r"[^\n]+")
MAX_SOURCES = 25
MAX_BOILERPLATE = 50
KIND_ORDER = ("exact", "near", "contained", "rewrite", "story")
KIND_HELP = {
    "unique": "no copy found: kept alone",
    "representative": "kept: the copy chosen to stay",
    "exact": "the same text after normalisation",
    "near": "a copy with small edits (Jaccard at or above the threshold)",
    "contained": "a copy cut short or padded (containment at or above its threshold)",
    "rewrite": "a rewritten version: enough rare wording shared, for its dates and sources",
    "story": "the same story: reports carrying the same source words (--level stories)",
    "empty": "empty text: kept alone, cannot be compared",
}
MAX_TIME_SPAN_DAYS = 200 * 366
SIZE_BUCKETS = ((2, 2), (3, 3), (4, 4), (5, 5), (6, 10), (11, 20), (21, 50), (51, 100))


def e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def script_json(data: Any) -> str:
    r"""JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes, so no ``</script>`` or
    ``<!--`` can end or change the element; U+2028 and U+2029 are escaped too. The
    result still parses with ``JSON.parse`` to the same value.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a plain ``http``/``https`` address, else ``None`` (no link is made)."""
    if not url or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "0%"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(
        f"<th{' class=num' if i in numeric else ''}>{e(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>{e(c)}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ---------------------------------------------------------------- summary and method


def counts(data: RunData) -> dict[str, int]:
    """Documents in, kept, grouped, clusters with copies and skipped records."""
    documents = sum(data.kinds.values())
    kept = sum(n for kind, n in data.kinds.items() if kind in ("unique", "representative", "empty"))
    return {
        "documents": documents,
        "kept": kept,
        "grouped": documents - kept,
        "clusters": data.cluster_total,
        "skipped": data.skipped_total,
    }


def _cards(numbers: Mapping[str, int]) -> str:
    items = (
        ("Documents in", f"{numbers['documents']:,}", "read from the inputs"),
        ("Kept", f"{numbers['kept']:,}", "in the cleaned corpus"),
        (
            "Grouped",
            f"{numbers['grouped']:,}",
            f"{_pct(numbers['grouped'], numbers['documents'])} removed as copies",
        ),
        ("Clusters", f"{numbers['clusters']:,}", "with two or more members"),
        ("Skipped", f"{numbers['skipped']:,}", "bad or empty records set aside"),
    )
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="label">{e(a)}</div><div class="value">{e(b)}</div>'
            f'<div class="hint">{e(c)}</div></div>'
            for a, b, c in items
        )
        + "</div>"
    )


def _kinds_table(data: RunData) -> str:
    total = sum(data.kinds.values())
    order = ("unique", "representative", *KIND_ORDER, "empty")
    kinds = [k for k in order if k in data.kinds] + sorted(set(data.kinds) - set(order))
    rows = [
        (k, f"{data.kinds[k]:,}", _pct(data.kinds[k], total), KIND_HELP.get(k, "")) for k in kinds
    ]
    return _table(("match kind", "documents", "share", "meaning"), rows, {1, 2})


def _sources_table(data: RunData) -> str:
    if data.corpus.problem:
        return f'<p class="muted">Not available: {e(data.corpus.problem)}.</p>'
    sources = data.corpus.by_source
    if set(sources) <= {""}:
        return '<p class="muted">The inputs name no source (outlet) for their documents.</p>'
    ranked = sorted(sources.items(), key=lambda kv: (-kv[1][0], kv[0]))
    rows = [
        (name or "(none)", f"{n:,}", f"{n - g:,}", f"{g:,}", _pct(g, n))
        for name, (n, g) in ranked[:MAX_SOURCES]
    ]
    more = len(ranked) - MAX_SOURCES
    note = f'<p class="muted">{more:,} more sources not listed.</p>' if more > 0 else ""
    return (
        _table(("source", "documents", "kept", "grouped", "grouped share"), rows, {1, 2, 3, 4})
        + note
    )


def banding(data: RunData) -> tuple[int, int]:
    """LSH bands and rows of the run: from the manifest's stats, else chosen again."""
    stats = data.manifest.get("stats", {})
    if stats.get("lsh_bands") and stats.get("lsh_rows"):
        return int(stats["lsh_bands"]), int(stats["lsh_rows"])
    chosen = choose_banding(data.config.lsh, data.config.minhash.num_perm)
    return chosen.bands, chosen.rows


def method_text(data: RunData) -> str:
    """A paragraph a researcher can adapt for a methods section."""
    c, numbers = data.config, counts(data)
    bands, rows = banding(data)
    unit = {"word": "word", "char": "character", "auto": "word (character for unspaced scripts)"}
    size = c.shingle.size if c.shingle.unit != "char" else c.shingle.char_size
    return (
        f"Near-duplicate articles were identified with newsdedup "
        f"{data.manifest.get('newsdedup', '')}. "
        f"Texts were normalised (Unicode NFKC, case, punctuation, spacing) and cut into "
        f"{unit.get(c.shingle.unit, c.shingle.unit)} {size}-gram shingles. Identical normalised "
        f"texts were grouped directly; other candidate pairs came from MinHash signatures "
        f"({c.minhash.num_perm} permutations, seed {c.minhash.seed}) with LSH banding "
        f"({bands} bands of {rows} rows, candidate probability "
        f"{float(probability(c.lsh.threshold, bands, rows)):.1%} at Jaccard {c.lsh.threshold:g}). "
        f"Every candidate was verified exactly: a pair is a near copy at word-shingle Jaccard "
        f"≥ {c.verify.threshold:g}, or a truncated or padded copy at containment ≥ "
        f"{c.verify.containment:g} (shorter text of at least {c.verify.min_shingles} shingles). "
        + _rewrite_text(c)
        + f"Clusters were formed so that every member matched directly the document it was "
        f"grouped under (copies first, then rewrites between the leaders of copy groups); the "
        f"{c.choose.policy} document of each cluster was kept. Of {numbers['documents']:,} "
        f"documents, {numbers['grouped']:,} ({_pct(numbers['grouped'], numbers['documents'])}) "
        f"were grouped under {numbers['clusters']:,} kept documents."
    )


def _rewrite_text(c: Config) -> str:
    """The sentences of the method paragraph on boilerplate and rewrites (empty if off)."""
    text = ""
    if c.boilerplate.enabled:
        text += (
            f"Site furniture (lines recurring in {c.boilerplate.min_docs} or more documents of "
            "one source, and common furniture patterns) was set aside before comparing. "
        )
    if c.rewrite.enabled:
        r = c.rewrite
        text += (
            f"Rewritten versions were found by the IDF-weighted Jaccard similarity of character "
            f"{r.char_size}-grams: at least {r.threshold:g} for texts published at most "
            f"{r.window_days:g} days apart, {r.undated:g} (with word-shingle containment ≥ "
            f"{r.undated_containment:g}) when a date is unknown, {r.same_source:g} within one "
            "source, and never further apart. "
        )
    return text


def _config_table(data: RunData) -> str:
    rows = [
        (f"{section}.{key}", json.dumps(value, ensure_ascii=False))
        for section, values in data.config.to_dict().items()
        for key, value in values.items()
    ]
    return _table(("setting", "value"), rows, set())


# ---------------------------------------------------------------- plots


def _size_label(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}–{hi}"


def size_buckets(sizes: Mapping[int, int]) -> tuple[list[str], list[int]]:
    """Clusters per size bucket (2, 3, 4, 5, 6–10, ...), up to the largest bucket used."""
    if not sizes:
        return [], []
    top = max(sizes)
    buckets = [b for b in SIZE_BUCKETS if b[0] <= top]
    if top > SIZE_BUCKETS[-1][1]:
        buckets.append((SIZE_BUCKETS[-1][1] + 1, top))
    labels = [_size_label(lo, hi) if hi != top or lo == hi else f"{lo}+" for lo, hi in buckets]
    values = [sum(n for s, n in sizes.items() if lo <= s <= hi) for lo, hi in buckets]
    return labels, values


@dataclass(frozen=True, slots=True)
class Timeline:
    """Documents per period for the time plot.

    Attributes:
        unit: ``day``, ``week``, ``month`` or ``year``.
        labels: The periods, oldest first, gaps included.
        kept: Documents kept per period.
        grouped: Documents grouped (removed as copies) per period.
        left_out: Documents whose date lies outside the periods shown.
    """

    unit: str = "day"
    labels: tuple[str, ...] = ()
    kept: tuple[int, ...] = ()
    grouped: tuple[int, ...] = ()
    left_out: int = 0


def _period(day: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def _next(day: dt.date, unit: str) -> dt.date | None:
    try:
        if unit == "year":
            return day.replace(year=day.year + 1)
        if unit == "month":
            return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return day + dt.timedelta(days=7 if unit == "week" else 1)
    except (ValueError, OverflowError):
        return None


def _label(day: dt.date, unit: str) -> str:
    return day.isoformat()[: {"year": 4, "month": 7}.get(unit, 10)]


def _window(days: Mapping[dt.date, tuple[int, int]]) -> tuple[dt.date, dt.date]:
    """First and last day to plot: all, or the central 98% of documents when dates are wild.

    A few bad dates (year 1, year 9999) would otherwise stretch the axis over centuries.
    """
    ordered = sorted(days)
    if (ordered[-1] - ordered[0]).days <= MAX_TIME_SPAN_DAYS:
        return ordered[0], ordered[-1]
    total = sum(n for n, _ in days.values())
    seen, low, high = 0, ordered[0], ordered[-1]
    for day in ordered:
        before, seen = seen, seen + days[day][0]
        if before <= total * 0.01 < seen:
            low = day
        if before < total * 0.99 <= seen:
            high = day
            break
    if (high - low).days > MAX_TIME_SPAN_DAYS:
        low = high - dt.timedelta(days=MAX_TIME_SPAN_DAYS)
    return low, high


def periods(by_day: Mapping[str, tuple[int, int]]) -> Timeline:
    """Bucket ``day -> (documents, grouped)`` counts into days, weeks, months or years.

    The unit is the finest that keeps the plot readable; gaps are filled with zeros.
    """
    days = {}
    for text, value in by_day.items():
        with contextlib.suppress(ValueError):
            days[dt.date.fromisoformat(text)] = value
    if not days:
        return Timeline()
    first, last = _window(days)
    span = (last - first).days
    unit = "day" if span <= 62 else "week" if span <= 730 else "month" if span <= 7305 else "year"
    totals: dict[dt.date, list[int]] = {}
    left_out = 0
    for day, (n, g) in days.items():
        if not first <= day <= last:
            left_out += n
            continue
        slot = totals.setdefault(_period(day, unit), [0, 0])
        slot[0], slot[1] = slot[0] + n - g, slot[1] + g
    slots: list[dt.date] = []
    current: dt.date | None = _period(first, unit)
    while current is not None and current <= last:
        slots.append(current)
        current = _next(current, unit)
    return Timeline(
        unit,
        tuple(_label(slot, unit) for slot in slots),
        tuple(totals.get(slot, [0, 0])[0] for slot in slots),
        tuple(totals.get(slot, [0, 0])[1] for slot in slots),
        left_out,
    )


def _by_kind(data: RunData, index: int) -> dict[str, list[float]]:
    series: dict[str, list[float]] = {}
    for jaccard, containment, kind in data.pair_scores:
        series.setdefault(kind, []).append(containment if index else jaccard)
    order = [k for k in KIND_ORDER if k in series] + sorted(set(series) - set(KIND_ORDER))
    return {k: series[k] for k in order}


def _figure(chart: str, caption: str) -> str:
    return f'<figure class="plot">{chart}<figcaption>{e(caption)}</figcaption></figure>'


def plots(data: RunData) -> str:
    """The plots section: similarity histograms, S-curve, cluster sizes, time."""
    c = data.config
    bands, rows = banding(data)
    figures = [
        _figure(
            svg.histogram(
                _by_kind(data, 0),
                title="Jaccard similarity of verified pairs",
                x_label="word-shingle Jaccard",
                marks=[(c.verify.threshold, f"threshold {c.verify.threshold:g}")],
            ),
            "Every verified pair, coloured by how it matched. Contained copies can lie left of "
            "the Jaccard threshold: they are decided by containment.",
        ),
        _figure(
            svg.histogram(
                _by_kind(data, 1),
                title="Containment of verified pairs",
                x_label="containment |A∩B| / min(|A|, |B|)",
                marks=[(c.verify.containment, f"threshold {c.verify.containment:g}")],
            ),
            "Share of the shorter text's shingles found in the longer one.",
        ),
        _figure(
            svg.curve(
                [(s / 100, float(probability(s / 100, bands, rows))) for s in range(101)],
                title=f"LSH candidate probability: {bands} bands × {rows} rows",
                x_label="Jaccard similarity of a pair",
                y_label="P(candidate)",
                marks=[(c.lsh.threshold, f"LSH threshold {c.lsh.threshold:g}")],
            ),
            f"Chance that a pair of a given similarity is compared at all: "
            f"{float(probability(c.lsh.threshold, bands, rows)):.1%} at the LSH threshold.",
        ),
    ]
    labels, values = size_buckets(data.sizes)
    figures.append(
        _figure(
            svg.stacked_bars(
                labels,
                {"clusters": values},
                title="Cluster sizes",
                x_label="members per cluster",
                y_label="clusters",
            ),
            "Clusters of two or more documents, by number of members.",
        )
    )
    timeline = periods(data.corpus.by_day)
    if timeline.labels:
        outside = (
            f" {timeline.left_out:,} documents dated outside this range are not shown."
            if timeline.left_out
            else ""
        )
        figures.append(
            _figure(
                svg.stacked_bars(
                    timeline.labels,
                    {"kept": timeline.kept, "grouped": timeline.grouped},
                    title="Documents over time",
                    x_label=f"publication date (per {timeline.unit})",
                    y_label="documents",
                ),
                "Grouped documents are the copies removed from the cleaned corpus." + outside,
            )
        )
    return '<div class="plots">' + "".join(figures) + "</div>"


# ---------------------------------------------------------------- clusters


def _boiler_phrases(data: RunData) -> dict[str, list[str]]:
    phrases: dict[str, list[str]] = {}
    for row in data.boilerplate:
        text = str(row.get("text") or "")
        if text.strip():
            phrases.setdefault(str(row.get("source") or ""), []).append(text)
    return phrases


def _pattern_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the lines the fixed furniture patterns set aside."""
    return [(m.start(), m.end()) for m in _LINES.finditer(text) if is_pattern(m.group())]


def _member_data(
    member: Member, doc: Document | None, phrases: Mapping[str, list[str]], patterns: bool
) -> dict:
    text = doc.text if doc else None
    shown = text[:MAX_TEXT_CHARS] if text is not None else None
    boiler: tuple = ()
    if doc and shown is not None:
        site = source_of(doc.source, doc.url) or ""
        found = find_all(doc.text, [*phrases.get(site, []), *phrases.get("", [])])
        lines = _pattern_lines(doc.text) if patterns else []
        boiler = to_utf16(shown, clip(merge([*found, *lines]), len(shown)))
    return {
        "id": member.doc_id,
        "kind": "kept" if member.is_representative else member.kind,
        "jaccard": round(member.jaccard, 3),
        "containment": round(member.containment, 3),
        "title": doc.title if doc else None,
        "source": doc.source if doc else None,
        "date": doc.published if doc else None,
        "url": safe_url(doc.url) if doc else None,
        "text": shown,
        "cut": text is not None and len(text) > MAX_TEXT_CHARS,
        "boiler": [list(span) for span in boiler],
    }


def _pair_spans(data: RunData, rep: Document, other: Document) -> dict[str, Any]:
    pair = data.pairs.get((min(rep.id, other.id), max(rep.id, other.id)))
    if pair is not None and pair.passages is not None:
        rep_is_a = pair.doc_a == rep.id
        a, b = passage_spans(pair.passages, not rep_is_a), passage_spans(pair.passages, rep_is_a)
        how = "passages"
    else:
        a, b = shared_spans(rep.text, other.text)
        how = "8-grams"
    rep_text, other_text = rep.text[:MAX_TEXT_CHARS], other.text[:MAX_TEXT_CHARS]
    return {
        "a": [list(s) for s in to_utf16(rep_text, clip(a, len(rep_text)))],
        "b": [list(s) for s in to_utf16(other_text, clip(b, len(other_text)))],
        "how": how,
    }


def cluster_data(
    data: RunData, members: Sequence[Member], phrases: Mapping, *, with_text: bool
) -> dict[str, Any]:
    """What the script needs to show one cluster: members with texts, spans per pair.

    Each member is shown beside the member it was verified against (``matched_to``: the
    representative, its copy-group leader, or in a story the report it was matched
    with), when that one is listed; else beside the representative.
    """
    docs = data.corpus.docs
    place = {m.doc_id: i for i, m in enumerate(members)}
    pairs: list[dict[str, Any] | None] = [None]
    for member in members[1:]:
        anchor = place.get(member.matched_to, 0)
        first, other = docs.get(members[anchor].doc_id), docs.get(member.doc_id)
        spans = _pair_spans(data, first, other) if first and other and with_text else None
        pairs.append(spans and {**spans, "with": anchor})
    patterns = data.config.boilerplate.enabled and data.config.boilerplate.patterns
    rows = [_member_data(m, docs.get(m.doc_id), phrases, patterns) for m in members]
    if not with_text:
        rows = [{**row, "text": None, "boiler": [], "cut": False} for row in rows]
    return {
        "id": members[0].cluster_id,
        "size": data.sizes_of.get(members[0].cluster_id, len(members)),
        "members": rows,
        "pairs": pairs,
        "why": _why_no_text(data, with_text),
    }


def _why_no_text(data: RunData, with_text: bool) -> str:
    if data.corpus.problem:
        return "Texts are not shown: the run's inputs were not found (see the top of the page)."
    if not with_text:
        return (
            "Texts of this cluster are not included, to keep the page small; only the "
            f"{data.with_text:,} largest clusters carry their texts."
        )
    return ""


def _kinds_text(members: Sequence[Member]) -> str:
    counted: dict[str, int] = {}
    for m in members[1:]:
        counted[m.kind] = counted.get(m.kind, 0) + 1
    return " · ".join(f"{n} {k}" for k, n in sorted(counted.items()))


def _row(index: int, members: Sequence[Member], data: RunData) -> str:
    docs = data.corpus.docs
    found = [docs[m.doc_id] for m in members if m.doc_id in docs]
    rep = docs.get(members[0].doc_id)
    title = (rep.title or rep.text[:90]) if rep else ""
    sources = sorted({d.source for d in found if d.source})
    dates = sorted(filter(None, (day_of(d.published) for d in found)))
    span = (
        f"{dates[0]} – {dates[-1]}"
        if dates and dates[0] != dates[-1]
        else (dates[0] if dates else "")
    )
    size = data.sizes_of.get(members[0].cluster_id, len(members))
    low = min((m.jaccard for m in members[1:]), default=1.0)
    haystack = " ".join([*(m.doc_id for m in members), *(d.title or "" for d in found), *sources])
    cells = [
        f'<td class="num" data-value="{index + 1}">{index + 1}</td>',
        f"<td><code>{e(members[0].cluster_id)}</code></td>",
        f'<td class="title" dir="auto">{e(title)}</td>',
        f'<td class="num" data-value="{size}">{size}</td>',
        f'<td class="num" data-value="{len(sources)}">{len(sources)}</td>',
        f"<td>{e(_kinds_text(members))}</td>",
        f'<td class="num" data-value="{low:.3f}">{low:.2f}</td>',
        f"<td>{e(span)}</td>",
    ]
    return (
        f'<tr tabindex="0" data-index="{index}" data-search="{e(haystack.casefold())}">'
        + "".join(cells)
        + "</tr>"
    )


def cluster_list(data: RunData) -> str:
    """The searchable, sortable table of the clusters shown."""
    headers = (
        ("#", "num"),
        ("Cluster (kept id)", "text"),
        ("Headline of the kept document", "text"),
        ("Size", "num"),
        ("Sources", "num"),
        ("Copies by kind", "text"),
        ("Lowest Jaccard", "num"),
        ("Dates", "text"),
    )
    head = "".join(
        f'<th data-type="{kind}" scope="col"><button type="button">{e(name)}</button></th>'
        for name, kind in headers
    )
    body = "".join(_row(i, members, data) for i, members in enumerate(data.clusters))
    return (
        f'<table id="cluster-table" class="clusters"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _sample_note(data: RunData) -> str:
    shown, total = len(data.clusters), data.cluster_total
    texts = ""
    if data.with_text < shown and not data.corpus.problem:
        texts = (
            f" The texts of the <strong>{data.with_text:,} largest</strong> are included; the "
            "others are listed with their members and scores only."
        )
    if total == 0:
        return '<p class="note">No duplicates were found: every document was kept.</p>'
    if shown == total:
        listed = f"All {total:,} clusters with copies are listed, largest first."
        return f'<p class="{"note" if texts else "muted"}">{listed}{texts}</p>'
    return (
        f'<p class="note">This page lists the <strong>{shown:,} largest</strong> of '
        f"{total:,} clusters with copies, to stay small and fast.{texts} Every cluster is in "
        f"the clusters table of the run folder.</p>"
    )


def boilerplate_section(data: RunData) -> str:
    """The learned boilerplate, if the run wrote ``boilerplate.csv``."""
    if not data.boilerplate:
        return ""
    rows = sorted(
        data.boilerplate, key=lambda r: (-int(float(r.get("count") or 0)), str(r.get("text")))
    )
    table = _table(
        ("boilerplate text", "documents", "source"),
        (
            (r.get("text"), r.get("count"), r.get("source") or "(all)")
            for r in rows[:MAX_BOILERPLATE]
        ),
        {1},
    )
    more = len(rows) - MAX_BOILERPLATE
    note = f'<p class="muted">{more:,} more in boilerplate.csv.</p>' if more > 0 else ""
    return (
        '<section id="boilerplate"><h2>Boilerplate stripped before matching</h2>'
        "<p>Text that recurs across many documents of a source (footers, bylines, "
        "navigation). It was ignored when comparing texts; in the cluster views it is shown "
        f"struck through.</p>{table}{note}</section>"
    )


def skipped_section(data: RunData) -> str:
    """Records set aside while reading, if any."""
    if not data.skipped_total:
        return ""
    rows = ((r.get("file"), r.get("line"), r.get("doc_id"), r.get("reason")) for r in data.skipped)
    more = data.skipped_total - len(data.skipped)
    note = f'<p class="muted">{more:,} more in the skipped table.</p>' if more > 0 else ""
    return (
        f'<section id="skipped"><h2>Skipped records ({data.skipped_total:,})</h2>'
        f"{_table(('file', 'line', 'id', 'reason'), rows, {1})}{note}</section>"
    )


# ---------------------------------------------------------------- the page


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def _boiler_link(data: RunData) -> str:
    return '<a href="#boilerplate">Boilerplate</a>' if data.boilerplate else ""


def render(data: RunData) -> str:
    """The whole page as one HTML string: same run, same bytes."""
    phrases = _boiler_phrases(data)
    payload = {
        "clusters": [
            cluster_data(data, members, phrases, with_text=index < data.with_text)
            for index, members in enumerate(data.clusters)
        ]
    }
    name = data.run_dir.resolve().name
    inputs = ", ".join(str(i) for i in data.manifest.get("inputs", []))
    problem = (
        f'<p class="note warn">Texts are not shown: {e(data.corpus.problem)}.</p>'
        if data.corpus.problem
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{e(_csp(SCRIPT))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsdedup report: {e(name)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style>
</head>
<body>
<header class="top"><div class="wrap">
<h1>Duplicate report <span class="run">{e(name)}</span></h1>
<p class="sub">newsdedup {e(data.manifest.get("newsdedup", ""))} · inputs: {e(inputs)}</p>
<nav><a href="#summary">Summary</a><a href="#method">Method</a><a href="#plots">Plots</a>
<a href="#clusters">Clusters</a>{_boiler_link(data)}</nav>
</div></header>
<main class="wrap">
{problem}
<section id="summary"><h2>Summary</h2>{_cards(counts(data))}
<div class="two"><div><h3>By match kind</h3>{_kinds_table(data)}</div>
<div><h3>By source</h3>{_sources_table(data)}</div></div></section>
<section id="method"><h2>Method</h2><p class="method">{e(method_text(data))}</p>
<details><summary>Full configuration</summary>{_config_table(data)}</details></section>
<section id="plots"><h2>Plots</h2>{plots(data)}</section>
<section id="clusters"><h2>Clusters</h2>{_sample_note(data)}
<div class="tools"><input id="cluster-search" type="search" aria-label="Search clusters"
 placeholder="Search ids, headlines, sources…">
<span id="cluster-count" class="muted">{len(data.clusters):,} clusters</span>
<span class="muted">Click a column to sort, a row to open it.</span></div>
<div class="list">{cluster_list(data)}</div>
<section id="detail" hidden></section></section>
{boilerplate_section(data)}
{skipped_section(data)}
</main>
<script type="application/json" id="report-data">{script_json(payload)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
