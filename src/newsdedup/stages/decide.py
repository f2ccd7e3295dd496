"""The decision: is a verified candidate pair a copy, a rewrite, a story, or nothing?

Three levels of "the same", each within the next:

* **copy** (``exact``, ``near``, ``contained``): the same text, edited, cut short or
  padded. Decided by rules on the word shingles (:func:`copy_kind`).
* **rewrite**: written from the same copy; much of one text can be traced to the other.
* **story**: reports from different outlets that carry the same source words (a
  statement, a press release, a wire paragraph) about the same event.

Rewrites are decided by the bars of :func:`newsdedup.stages.rewrite.needed` (IDF-weighted
character similarity, by date distance and source). Stories, with ``level = "stories"``,
are decided by a calibrated model over the evidence a pair carries (:data:`FEATURES`):
how much of each text the other covers, by word shingles and by rare character n-grams,
how much rare wording they share in all, how many days apart they are (an unknown date
is a value of the feature, not another rule) and whether they come from one source. It
is a logistic regression fitted on several labelled corpora at once (METER, COUNTER,
OneStopEnglish, the seeds and synthetic hard negatives) by ``benchmarks/fit_decision.py``,
with the weights of the features that must only help held non-negative and that of the
date gap non-positive; the fitted numbers ship as plain JSON (``decision.json`` beside
this module), never pickled. Which grouping is the default, and why, is in the README.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from newsdedup.config import VerifyConfig
from newsdedup.data import Passage
from newsdedup.errors import ConfigError

FEATURES = (
    "jaccard",
    "containment",
    "shared_shingles",
    "similarity",
    "coverage",
    "coverage_larger",
    "shared_rare",
    "long_passages",
    "longest",
    "prose",
    "passage_coverage",
    "days",
    "undated",
    "same_source",
)
"""The evidence of a pair, in the order the models weigh it:

* ``jaccard``, ``containment``: of the word shingle sets.
* ``shared_shingles``: ``log(1 + shared word shingles)``: how much wording, in all.
* ``similarity``: IDF-weighted Jaccard of the character n-grams.
* ``coverage``, ``coverage_larger``: the idf weight of the shared n-grams over the weight
  of the smaller (larger) text's n-grams: how much of each text the other accounts for.
* ``shared_rare``: ``log(1 + shared weight / largest idf)``: how much rare wording they
  share, in n-grams held by two documents only (corpus size cancels out).
* ``long_passages``: ``log(1 + aligned passages of PASSAGE_WORDS words or more)``.
* ``longest``: ``log(1 + words of the longest aligned passage)``.
* ``prose``: ``log(1 + words of the long passages that are not capitalised)``: running
  prose (a statement, a quote, a wire sentence) rather than a name shared by two reports
  ("Iran's state-run Islamic Republic News Agency (IRNA)").
* ``passage_coverage``: words in aligned passages over the words of the shorter text.
* ``days``: ``log(1 + days apart)``, 0 when a date is unknown.
* ``undated``: 1 when either date is unknown.
* ``same_source``: 1 when both come from one source (its house style and background).
"""

HELPS = FEATURES[:11]
"""The features that can only make a pair more alike: their weights are never negative."""
HURTS = ("days",)
"""The features that can only make a pair less alike: their weights are never positive."""


PASSAGE_WORDS = 8
"""A shared passage this long carries source words; a shorter one is mostly a shared name."""

_PROSE = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Passages:
    """What the aligned passages of a pair say (:mod:`newsdedup.stages.align`).

    Attributes:
        long: Passages of at least :data:`PASSAGE_WORDS` words.
        longest: Words of the longest passage.
        prose: Words of the long passages that do not start with a capital letter.
        words: Words of all passages.
    """

    long: int
    longest: int
    prose: int
    words: int


def passage_stats(passages: Sequence[Passage], text_a: str) -> Passages:
    """Sum up a pair's aligned passages (offsets into ``text_a``, the first text)."""
    long = [p for p in passages if p.words >= PASSAGE_WORDS]
    prose = sum(
        1
        for p in long
        for token in _PROSE.findall(text_a[p.a_start : p.a_end])
        if not token[:1].isupper()
    )
    return Passages(
        len(long),
        max((p.words for p in passages), default=0),
        prose,
        sum(p.words for p in passages),
    )


def may_hold_passage(evidence: Evidence) -> bool:
    """Whether a pair shares enough word shingles to hold a long passage at all.

    A passage of ``n`` words holds ``n - 2`` word 3-grams; a pair with fewer shared
    shingles than that cannot be a story, and is not aligned.
    """
    return evidence.shared_shingles >= PASSAGE_WORDS - 2


def may_be_story(evidence: Evidence, window_days: float) -> bool:
    """Whether a pair that is no copy and no rewrite may be a story, before it is aligned.

    It must have room for a long passage (:func:`may_hold_passage`), and a story is about
    one event: two reports dated more than ``window_days`` apart are none, however much
    they share (a background paragraph an agency reuses for months, not the event's
    source words). An unknown date rules nothing out.
    """
    close = evidence.days is None or evidence.days <= window_days
    return close and may_hold_passage(evidence)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What verification measured of one pair, from which its features are derived.

    ``passages`` are set when the pair's texts were aligned (story candidates only).
    """

    jaccard: float
    containment: float
    shared_shingles: int
    similarity: float
    shared_weight: float
    weight_a: float
    weight_b: float
    idf_max: float
    days: float | None
    same_source: bool
    smaller_shingles: int = 0
    passages: Passages | None = None

    def features(self) -> tuple[float, ...]:
        """The values of :data:`FEATURES`, in order (passage features 0 when not aligned)."""
        smaller, larger = sorted((self.weight_a, self.weight_b))
        found = self.passages or Passages(0, 0, 0, 0)
        return (
            self.jaccard,
            self.containment,
            math.log1p(self.shared_shingles),
            self.similarity,
            self.shared_weight / smaller if smaller > 0 else 0.0,
            self.shared_weight / larger if larger > 0 else 0.0,
            math.log1p(self.shared_weight / self.idf_max) if self.idf_max > 0 else 0.0,
            math.log1p(found.long),
            math.log1p(found.longest),
            math.log1p(found.prose),
            min(found.words / (self.smaller_shingles + 2), 1.0),
            math.log1p(self.days) if self.days is not None else 0.0,
            1.0 if self.days is None else 0.0,
            1.0 if self.same_source else 0.0,
        )


@dataclass(frozen=True, slots=True)
class LevelModel:
    """A logistic regression: ``p = 1 / (1 + exp(-(intercept + weights . features)))``.

    Attributes:
        intercept: The constant term.
        weights: One weight per feature of :data:`FEATURES`.
        cut: The probability at or above which a pair is at this level.
    """

    intercept: float
    weights: tuple[float, ...]
    cut: float

    def probability(self, features: Sequence[float]) -> float:
        """The model's probability that a pair with these features is at its level."""
        z = self.intercept + math.fsum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass(frozen=True, slots=True)
class Model:
    """The fitted decision of the story level.

    Attributes:
        story: Carries the same source words about the same event.
        source: Where it was read from (the packaged model, or a file).
    """

    story: LevelModel
    source: str = "packaged"

    def story_score(self, evidence: Evidence) -> float:
        """The probability that a pair with this evidence is one story."""
        return self.story.probability(evidence.features())

    def is_story(self, evidence: Evidence) -> tuple[bool, float]:
        """Whether an aligned pair is one story, and the model's probability.

        A story carries source words: at least one passage of :data:`PASSAGE_WORDS` words
        is required, whatever the model says.
        """
        score = self.story_score(evidence)
        long = evidence.passages is not None and evidence.passages.long > 0
        return long and score >= self.story.cut, score


_TICKER = re.compile(
    r"<([A-Z][A-Z0-9.]{0,9})>"
    r"|\((?:NYSE|NASDAQ|Nasdaq|AMEX|LSE|TSX|ASX|OTC)\s*:\s*([A-Z][A-Z0-9.]{0,9})\)"
)
HEAD_CHARS = 800
"""Tickers are looked for in the headline and this many characters of the text."""


def marks(text: str, title: str | None) -> str:
    """What tells one notice from the next: the tickers it names, sorted, space-separated.

    Read from the headline (``<CPB>``, ``(NYSE: CPB)``), or from the start of the text
    when the headline names none (the text mentions other companies too; the headline
    names the one it is about); empty when neither names one. Dividend notices, results
    and bond issues share their wording and differ in the company: their tickers tell
    them apart.
    """
    for head in (title or "", text[:HEAD_CHARS]):
        found = {a or b for a, b in _TICKER.findall(head)} if "<" in head or "(" in head else ()
        if found:
            return " ".join(sorted(found))
    return ""


def templates(a: str, b: str) -> bool:
    """Whether two documents' :func:`marks` tell them apart: both name tickers, none shared."""
    return bool(a and b) and not set(a.split()) & set(b.split())


_FIGURE = re.compile(r"\d[\d.,/:-]*\d|\d")
SHORT_CHARS = 1200
"""Texts shorter than this are short reports, where a shared passage may be a template's."""


def figures_differ(text_a: str, text_b: str) -> bool:
    """Whether two short texts disagree on their figures: two notices of one template.

    Bond issues, money-market operations and results share whole sentences ("is issuing a
    ... mln dlr eurobond due ...") and differ in the amounts, dates and rates. When both
    texts are shorter than :data:`SHORT_CHARS` and the one with fewer figures has two or
    more, at least half of them must be in the other. Longer reports add figures of their
    own and are not held to this.
    """
    if max(len(text_a), len(text_b)) >= SHORT_CHARS:
        return False
    a = {f.replace(",", "") for f in _FIGURE.findall(text_a)}
    b = {f.replace(",", "") for f in _FIGURE.findall(text_b)}
    fewer, more = (a, b) if len(a) <= len(b) else (b, a)
    return len(fewer) >= 2 and 2 * len(fewer & more) < len(fewer)


def copy_kind(jaccard: float, containment: float, smaller: int, cfg: VerifyConfig) -> str | None:
    """Return the copy kind for these scores (``near``, ``contained``), or ``None``."""
    if jaccard >= cfg.threshold:
        return "near"
    if containment >= cfg.containment and smaller >= cfg.min_shingles:
        return "contained"
    return None


def parse_model(data: Mapping[str, object], source: str) -> Model:
    """Build a :class:`Model` from its JSON form, checking every part.

    Raises:
        ConfigError: If it is not a decision model of this version, or its features are
            not :data:`FEATURES`.
    """
    if data.get("format") != "newsdedup-decision" or data.get("version") != 1:
        raise ConfigError(
            f"{source} is not a newsdedup decision model (format 'newsdedup-decision', "
            "version 1); make one with benchmarks/fit_decision.py"
        )
    if tuple(data.get("features", ())) != FEATURES:  # type: ignore[arg-type]
        raise ConfigError(
            f"{source} weighs the features {data.get('features')}; this version weighs "
            f"{list(FEATURES)}. Refit it with benchmarks/fit_decision.py"
        )
    try:
        story = data["levels"]["story"]  # type: ignore[index]
        part = LevelModel(
            float(story["intercept"]),
            tuple(float(w) for w in story["weights"]),
            float(story["cut"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{source}: the story model is incomplete or not numeric ({exc})"
        ) from None
    if len(part.weights) != len(FEATURES) or not 0 < part.cut < 1:
        raise ConfigError(
            f"{source}: the story model needs {len(FEATURES)} weights and a cut in (0, 1)"
        )
    return Model(part, source)


@cache
def load_model(path: str = "") -> Model:
    """The decision model: the packaged one, or the JSON file at ``path``.

    Raises:
        ConfigError: If the file cannot be read or is not a decision model.
    """
    if not path:
        text = resources.files("newsdedup.stages").joinpath("decision.json").read_text("utf-8")
        return parse_model(json.loads(text), "the packaged decision model")
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the decision model {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"the decision model {path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the decision model {path} must be a JSON object")
    return parse_model(data, path)
