"""A harder benchmark corpus: articles made of real newswire sentences that recur everywhere.

    python benchmarks/wire_corpus.py --n 1000000 --out /tmp/wire-1m.jsonl [--seed 1]
        [--data ../shared/data] [--measure RUN_DIR [--workers 2] [--reuse]]

Sentences come from the English sets of ``../shared/data`` (Reuters-21578, METER, BBC News,
CNRec): texts are cut into paragraphs and sentences, and sentences of reasonable length are
kept and deduplicated (about 143,000). Each article is:

- a few *wire paragraphs* (1 to 3, of 1 to 3 sentences) after the article's first paragraph,
  their sentences drawn with a heavy-tailed popularity (weight of popularity rank k is
  1 / (k + 100), ranks a seeded shuffle of the pool), so the most popular sentences recur in
  thousands of unrelated articles (about 5,000 for the first at 1M: agency copy reused
  everywhere);
- background: sentences drawn uniformly from the whole pool and grouped into paragraphs of
  1 to 4, so every sentence recurs in many unrelated articles too (about 90 each at 1M);
- sometimes its outlet's furniture lines (a byline, a copyright line, a sign-up prompt);
- an id, a title (a real headline from the sets), a date spread over 2025, an outlet, and a
  dateline opening the text ("LONDON, March 3 (Reuters) - ").

10% of the articles are edited copies of an earlier article (of the last few thousand):
sentences dropped, paragraphs or sentences reordered, sentences reworded, sometimes cut short
or extended with a new paragraph, often a new headline and the copying outlet's furniture.
A copy of a copy belongs to the first article's cluster. The gold file ``OUT.gold.csv``
(``id,cluster``, every article) is written next to the corpus.

The output is streamed (only a ring of recent articles is held) and deterministic for a seed;
the first k articles of a corpus of n > k are the corpus of k. Article text never goes into
the repository: write it under /tmp. Exit code 2 when the data folder is missing.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

try:
    import orjson

    _loads = orjson.loads

    def _dumps(record: dict[str, str]) -> bytes:
        return orjson.dumps(record) + b"\n"

except ImportError:  # pragma: no cover - orjson is a dependency of the project
    import json

    _loads = json.loads

    def _dumps(record: dict[str, str]) -> bytes:
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SETS = ("reuters-21578", "meter", "bbc-news", "cnrec")

TARGET_LINE_BYTES = 2_900  # mean JSONL line: 2.9 GB at 1M articles
COPY_RATE = 0.10
RING = 4_096  # recent articles a copy may be made from
WIRE_PARAGRAPHS = (1, 2, 2, 3)  # wire paragraphs an article, drawn uniformly
WIRE_SENTENCES = (1, 1, 2, 2, 3)  # sentences a wire paragraph, drawn uniformly
ZIPF_EXPONENT = 1.0
ZIPF_OFFSET = 100  # weight of popularity rank k (from 1) is (k + offset) ** -exponent
BACKGROUND_SIGMA = 0.5  # log-normal spread of the number of background sentences
YEAR_START = 1_735_689_600  # 2025-01-01T00:00:00Z
YEAR_SECONDS = 365 * 86_400

OUTLETS = (
    "Reuters", "Associated Press", "Agence France-Presse", "Bloomberg", "Dow Jones Newswires",
    "Press Association", "United Press International", "The Guardian", "The Times",
    "The Daily Telegraph", "The Independent", "Financial Times", "BBC News", "Sky News",
    "The New York Times", "The Washington Post", "Los Angeles Times", "Chicago Tribune",
    "Boston Globe", "USA Today", "The Wall Street Journal", "CNN", "CBS News", "NBC News",
    "ABC News", "Fox News", "Yahoo News", "MSN News", "Sydney Morning Herald", "The Age",
    "Toronto Star", "The Globe and Mail", "Irish Times", "The Scotsman", "Evening Standard",
    "Daily Mail", "The Mirror", "The Sun", "Houston Chronicle", "Miami Herald",
)  # fmt: skip

CITIES = (
    "LONDON", "NEW YORK", "WASHINGTON", "PARIS", "TOKYO", "BRUSSELS", "FRANKFURT", "CHICAGO",
    "HONG KONG", "SINGAPORE", "SYDNEY", "TORONTO", "OTTAWA", "BEIJING", "MOSCOW", "BONN",
    "GENEVA", "ZURICH", "MADRID", "ROME", "MILAN", "AMSTERDAM", "STOCKHOLM", "OSLO",
    "COPENHAGEN", "DUBLIN", "EDINBURGH", "MANCHESTER", "BIRMINGHAM", "CARDIFF", "BELFAST",
    "LOS ANGELES", "SAN FRANCISCO", "HOUSTON", "DALLAS", "BOSTON", "MIAMI", "ATLANTA",
    "NEW DELHI", "MUMBAI", "KUALA LUMPUR", "BUENOS AIRES", "RIO DE JANEIRO", "SAO PAULO",
    "MEXICO CITY", "JOHANNESBURG", "CAIRO", "NAIROBI", "LAGOS", "RIYADH", "DUBAI", "TEHRAN",
    "JERUSALEM", "ANKARA", "ATHENS", "VIENNA", "WARSAW", "PRAGUE", "SEOUL", "MANILA",
)  # fmt: skip
_MONTHS = ("Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov",
           "Dec")  # fmt: skip

_FURNITURE_HEAD = ("By {o} staff", "{o} | Latest news", "From {o} newsroom reports")
_FURNITURE_TAIL = (
    "Copyright 2025 {o}. All rights reserved.",
    "Sign up for the {o} morning briefing, delivered to your inbox every weekday.",
    "Follow {o} on Facebook, X and Instagram for the latest updates.",
    "This article first appeared on the {o} website. Reporting by {o} correspondents.",
)

# Rewording for copies: word swaps an editor might make (both ways).
_SWAPS = {
    "said": "stated", "says": "states", "told": "informed", "company": "firm",
    "companies": "firms", "government": "administration", "percent": "per cent",
    "pct": "per cent", "also": "additionally", "announced": "unveiled", "rose": "climbed",
    "fell": "dropped", "increase": "rise", "decrease": "decline", "big": "large",
    "about": "around", "officials": "authorities", "shares": "stock", "expected": "forecast",
    "agreed": "consented", "because": "as", "however": "but", "people": "persons",
    "market": "marketplace", "week": "seven days", "today": "on the day", "major": "key",
    "mln": "million", "bln": "billion", "dlrs": "dollars", "year": "twelve months",
    "help": "assist", "buy": "purchase", "begin": "start", "show": "reveal",
}  # fmt: skip
_SWAPS.update({v: k for k, v in list(_SWAPS.items()) if " " not in v})

_PARAGRAPH = re.compile(r"\n\s*\n|\n(?= {2,}\S)")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|Inc|Corp|Co|Ltd|Gen|Gov|Sen|Rep|Rev|No|Nos|vs|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|U\.N|E\.U)\.|\b[A-Z]\.)$"
)
_TABLE = re.compile(r"\S {3,}\S")
_LETTERS = re.compile(r"[A-Za-z]")


# ---------------------------------------------------------------- the sentence pool


@dataclass(frozen=True)
class Pool:
    sentences: list[str]
    titles: list[str]
    sources: dict[str, int]  # set -> sentences kept from it


def _split_sentences(paragraph: str) -> list[str]:
    pieces = _SENTENCE_END.split(paragraph)
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREV.search(out[-1].rstrip("\"')]")):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _keep(sentence: str) -> bool:
    if not 50 <= len(sentence) <= 320 or sentence.count(" ") < 7:
        return False
    letters = len(_LETTERS.findall(sentence))
    if letters < 0.7 * len(sentence.replace(" ", "")):
        return False
    if sentence.isupper() or sentence[-1] not in ".!?\"'":
        return False
    return sentence[0].isupper() or sentence[0] in "\"'"


def _clean_text(text: str) -> str:
    text = text.replace("&#3;", "").replace("\r", "")
    return re.sub(r"\s*\bReuter\s*$", "", text)


def read_pool(data: Path) -> Pool:
    sentences: list[str] = []
    titles: list[str] = []
    seen: set[str] = set()
    seen_titles: set[str] = set()
    sources: dict[str, int] = {}
    for name in SETS:
        path = data / name / "docs.jsonl"
        if not path.exists():
            continue
        before = len(sentences)
        with path.open("rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = _loads(line)
                title = _SPACE.sub(" ", str(record.get("title") or "")).strip()
                if 15 <= len(title) <= 120 and title.lower() not in seen_titles:
                    seen_titles.add(title.lower())
                    titles.append(title.title() if title.isupper() else title)
                for para in _PARAGRAPH.split(_clean_text(str(record.get("text") or ""))):
                    if _TABLE.search(para):
                        continue
                    for sentence in _split_sentences(_SPACE.sub(" ", para).strip()):
                        key = sentence.lower()
                        if _keep(sentence) and key not in seen:
                            seen.add(key)
                            sentences.append(sentence)
        sources[name] = len(sentences) - before
    return Pool(sentences, titles, sources)


# ---------------------------------------------------------------- articles


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values)


@dataclass
class Article:
    id: str
    cluster: str
    title: str
    when: int  # seconds since the epoch
    outlet: int
    paragraphs: list[list[str]]  # the body, without furniture

    def record(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "text": "",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.when)),
            "source": OUTLETS[self.outlet],
        }


class Builder:
    def __init__(self, pool: Pool, seed: int) -> None:
        self.pool = pool
        self.rng = random.Random(seed)
        n_sent = len(pool.sentences)
        order = list(range(n_sent))
        self.rng.shuffle(order)
        self.wire_order = order  # popularity rank -> sentence
        weights = [(k + 1 + ZIPF_OFFSET) ** -ZIPF_EXPONENT for k in range(n_sent)]
        self.wire_cum = list(itertools.accumulate(weights))
        mean_sentence = sum(len(s) for s in pool.sentences) / n_sent + 1
        mean_wire = sum((len(pool.sentences[order[k]]) + 1) * w for k, w in enumerate(weights))
        mean_wire /= self.wire_cum[-1]
        overhead = 150 + 80  # id, title, date, source, JSON; furniture, breaks, dateline
        n_wire = _mean(WIRE_PARAGRAPHS) * _mean(WIRE_SENTENCES)
        self.background_mean = max(
            1.0, (TARGET_LINE_BYTES - overhead - n_wire * mean_wire) / mean_sentence
        )
        self.background_mu = math.log(self.background_mean) - BACKGROUND_SIGMA**2 / 2
        self.ring: list[Article] = []

    # -- originals

    def _furniture(self, outlet: int) -> tuple[list[str], list[str]]:
        rng, name = self.rng, OUTLETS[outlet]
        head = tail = []
        if rng.random() < 0.35:
            head = [_FURNITURE_HEAD[outlet % len(_FURNITURE_HEAD)].format(o=name)]
        if rng.random() < 0.5:
            first = outlet % len(_FURNITURE_TAIL)
            picks = [first] if rng.random() < 0.6 else [first, (first + 1) % len(_FURNITURE_TAIL)]
            tail = [_FURNITURE_TAIL[i].format(o=name) for i in picks]
        return head, tail

    def _background(self, count: int) -> list[list[str]]:
        rng, sentences = self.rng, self.pool.sentences
        drawn = [sentences[i] for i in rng.choices(range(len(sentences)), k=count)]
        out, at = [], 0
        while at < len(drawn):
            size = rng.randint(1, 4)
            out.append(drawn[at : at + size])
            at += size
        return out

    def original(self, index: int) -> Article:
        rng, pool = self.rng, self.pool
        wire = []
        for _ in range(rng.choice(WIRE_PARAGRAPHS)):
            ranks = rng.choices(
                self.wire_order, cum_weights=self.wire_cum, k=rng.choice(WIRE_SENTENCES)
            )
            wire.append([pool.sentences[i] for i in ranks])
        count = max(1, round(rng.lognormvariate(self.background_mu, BACKGROUND_SIGMA)))
        body = self._background(count)
        for paragraph in wire:  # wire copy goes anywhere after the article's own lead
            body.insert(rng.randint(1, len(body)), paragraph)
        doc_id = f"w{index:07d}"
        title = rng.choice(pool.titles)
        when = YEAR_START + rng.randrange(YEAR_SECONDS)
        outlet = rng.randrange(len(OUTLETS))
        # A dateline, as wire copy opens: "LONDON, March 3 (Reuters) - ...". Without it the
        # first words of two articles opening on the same pooled sentence would be equal.
        day = time.gmtime(when)
        dateline = f"{rng.choice(CITIES)}, {_MONTHS[day.tm_mon - 1]} {day.tm_mday} "
        body[0] = [f"{dateline}({OUTLETS[outlet]}) - {body[0][0]}", *body[0][1:]]
        return Article(doc_id, doc_id, title, when, outlet, body)

    # -- edited copies

    def _reword(self, sentence: str) -> str:
        rng = self.rng
        words = sentence.split(" ")
        spots = [i for i, w in enumerate(words) if w.lower() in _SWAPS]
        if spots:
            for i in rng.sample(spots, min(len(spots), rng.randint(1, 2))):
                new = _SWAPS[words[i].lower()]
                words[i] = new.capitalize() if words[i][:1].isupper() else new
        elif len(words) > 8:
            i = rng.randrange(1, len(words) - 2)
            if rng.random() < 0.5:
                del words[i]
            else:
                words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)

    def copy(self, index: int) -> Article:
        rng = self.rng
        source = rng.choice(self.ring)
        body: list[list[str]] = []
        for paragraph in source.paragraphs:
            kept = [
                self._reword(s) if rng.random() < 0.15 else s
                for s in paragraph
                if rng.random() >= 0.08
            ]
            if kept:
                body.append(kept)
        if not body:
            body = [list(p) for p in source.paragraphs]
        if len(body) > 2 and rng.random() < 0.4:  # swap two neighbouring paragraphs
            i = rng.randrange(len(body) - 1)
            body[i], body[i + 1] = body[i + 1], body[i]
        if rng.random() < 0.3:  # swap two sentences of a paragraph
            longer = [p for p in body if len(p) > 1]
            if longer:
                p = rng.choice(longer)
                i = rng.randrange(len(p) - 1)
                p[i], p[i + 1] = p[i + 1], p[i]
        if len(body) > 3 and rng.random() < 0.2:  # cut short
            body = body[: max(2, round(len(body) * rng.uniform(0.6, 0.9)))]
        if rng.random() < 0.25:  # an update: a new paragraph
            body.insert(rng.randint(1, len(body)), self._background(rng.randint(1, 3))[0])
        title = rng.choice(self.pool.titles) if rng.random() < 0.6 else source.title
        when = source.when + rng.randrange(2 * 86_400)
        outlet = rng.randrange(len(OUTLETS))
        return Article(f"w{index:07d}", source.cluster, title, when, outlet, body)

    def articles(self, n: int) -> Iterator[Article]:
        for index in range(n):
            if self.ring and self.rng.random() < COPY_RATE:
                article = self.copy(index)
            else:
                article = self.original(index)
            if len(self.ring) < RING:
                self.ring.append(article)
            else:
                self.ring[index % RING] = article
            yield article

    def text(self, article: Article) -> str:
        head, tail = self._furniture(article.outlet)
        lines = [*head, *(" ".join(p) for p in article.paragraphs), *tail]
        return "\n\n".join(lines)


def write_corpus(pool: Pool, n: int, seed: int, out: Path) -> dict[str, float]:
    builder = Builder(pool, seed)
    gold = out.with_name(out.name.removesuffix(".jsonl") + ".gold.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    size = copies = 0
    with out.open("wb", buffering=1 << 22) as corpus, gold.open("w", buffering=1 << 20) as g:
        g.write("id,cluster\n")
        for article in builder.articles(n):
            record = article.record()
            record["text"] = builder.text(article)
            line = _dumps(record)
            corpus.write(line)
            g.write(f"{article.id},{article.cluster}\n")
            size += len(line)
            copies += article.cluster != article.id
    return {"articles": n, "copies": copies, "bytes": size, "gold": str(gold)}  # type: ignore[dict-item]


def measure(corpus: Path, gold: Path, out: Path, workers: int) -> dict[str, object]:
    """``newsdedup run`` on the corpus (wall, peak RSS, stage times), its counts and quality."""
    import json
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from throughput import run_newsdedup  # the benchmark's own helpers

    load_before = os.getloadavg()
    figures: dict[str, object] = dict(run_newsdedup(corpus, out, workers))
    figures["load_before"] = [round(x, 2) for x in load_before]
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    if "failed" in figures:
        return figures
    manifest = json.loads((out / "manifest.json").read_text())
    figures["stats"] = manifest.get("stats", {})
    exe = str(Path(sys.executable).with_name("newsdedup"))
    scored = subprocess.run(
        [exe, "evaluate", str(out), "--gold", str(gold), "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    figures["quality"] = json.loads(scored.stdout)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles [100000]")
    parser.add_argument("--seed", type=int, default=1, help="random seed [1]")
    parser.add_argument("--out", type=Path, required=True, help="corpus, PATH.jsonl (under /tmp)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"data folder [{DATA}]")
    parser.add_argument(
        "--measure",
        type=Path,
        metavar="RUN_DIR",
        help="then run newsdedup on the corpus into RUN_DIR (wall, peak RSS as "
        "benchmarks/throughput.py measures them, stage times, candidates) and score it "
        "against the gold file; print the figures as JSON",
    )
    parser.add_argument("--workers", type=int, default=2, help="workers of the measured run [2]")
    parser.add_argument(
        "--reuse", action="store_true", help="with --measure: keep a corpus already written"
    )
    args = parser.parse_args(argv)
    if not args.out.name.endswith(".jsonl"):
        parser.error("--out must end in .jsonl")
    present = [s for s in SETS if (args.data / s / "docs.jsonl").exists()]
    if not present:
        print(
            f"wire_corpus: no data: none of {', '.join(s + '/docs.jsonl' for s in SETS)} "
            f"under {args.data} (pass --data, e.g. --data ../shared/data)",
            file=sys.stderr,
        )
        return 2
    gold = args.out.with_name(args.out.name.removesuffix(".jsonl") + ".gold.csv")
    if not (args.reuse and args.out.exists() and gold.exists()):
        build(args)
    if args.measure:
        import json

        figures = measure(args.out, gold, args.measure, args.workers)
        print(json.dumps(figures, indent=2))
        return 1 if "failed" in figures else 0
    return 0


def build(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    pool = read_pool(args.data)
    took = time.perf_counter() - start
    print(
        f"pool: {len(pool.sentences):,} sentences ({pool.sources}), "
        f"{len(pool.titles):,} titles, {took:.1f} s",
        file=sys.stderr,
    )
    stats = write_corpus(pool, args.n, args.seed, args.out)
    took = time.perf_counter() - start
    print(
        f"wrote {args.out}: {stats['articles']:,} articles ({stats['copies']:,} edited copies), "
        f"{stats['bytes'] / 1e9:.3f} GB, {stats['bytes'] / args.n / 1e3:.2f} KB an article; "
        f"gold {stats['gold']}; {took:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    sys.exit(main())
