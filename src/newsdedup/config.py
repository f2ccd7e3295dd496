"""Configuration: one small frozen dataclass per stage, gathered in :class:`Config`.

``Config`` says *what* result a run produces and holds every seed. How a run is executed
(workers, paths, progress display) is not part of it and never changes the result.
A config round-trips through TOML with one table per stage::

    [shingle]
    unit = "auto"
    size = 3

    [lsh]
    threshold = 0.5
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from newsdedup.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    _check(value in choices, f"{name} must be one of {', '.join(choices)}; got {value!r}")


def _check_fraction(name: str, value: float) -> None:
    _check(0.0 < value <= 1.0, f"{name} must be in (0, 1]; got {value!r}")


@dataclass(frozen=True, slots=True)
class ReadConfig:
    """How input records map to documents, and what happens to bad ones.

    Attributes:
        id_field: Field holding the document id.
        text_field: Field holding the article body.
        title_field: Field holding the headline (optional in the data).
        date_field: Field holding the publication date (optional in the data); the
            formats read are those of :mod:`newsdedup.dates`.
        source_field: Field holding the outlet name (optional in the data).
        url_field: Field holding the URL (optional in the data).
        format: ``auto`` (from the file name), ``jsonl``, ``json`` (one array of
            objects), ``csv``, ``tsv``, ``parquet`` or ``txt``.
        delimiter: The field delimiter of CSV and TSV inputs; empty for the format's own
            (comma, tab).
        auto_ids: Number the records instead of reading an id field: each document's id
            is ``FILE:LINE`` (the file as given; for Parquet the row, for a folder the
            text file's relative path), the same on every run of the same input.
        on_error: ``fail`` stops at the first bad record with a message naming file, line
            and fix; ``skip`` sets it aside, counts it and lists it in the ``skipped`` table.
        on_empty: What to do with a document whose text is empty: ``keep`` it as a
            singleton (it cannot be compared), ``skip`` it (counted), or ``fail``.
        max_chars: Longest text accepted, in characters; longer is a bad record.
    """

    id_field: str = "id"
    text_field: str = "text"
    title_field: str = "title"
    date_field: str = "date"
    source_field: str = "source"
    url_field: str = "url"
    format: str = "auto"
    delimiter: str = ""
    auto_ids: bool = False
    on_error: str = "fail"
    on_empty: str = "keep"
    max_chars: int = 5_000_000

    def __post_init__(self) -> None:
        formats = ("auto", "jsonl", "json", "csv", "tsv", "parquet", "txt")
        _check_choice("read.format", self.format, formats)
        _check(
            len(self.delimiter) <= 1 and self.delimiter not in ('"', "\n", "\r"),
            f"read.delimiter must be one character other than a quote or a line break; "
            f"got {self.delimiter!r}",
        )
        _check_choice("read.on_error", self.on_error, ("fail", "skip"))
        _check_choice("read.on_empty", self.on_empty, ("keep", "skip", "fail"))
        _check(self.max_chars > 0, f"read.max_chars must be positive; got {self.max_chars}")
        _check(bool(self.id_field), "read.id_field must not be empty")
        _check(bool(self.text_field), "read.text_field must not be empty")


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """Site furniture set aside before near copies and rewrites are compared.

    Attributes:
        enabled: Whether furniture is learned and stripped at all.
        min_docs: A line recurring in this many distinct documents of one source (the
            source field, else the URL's host) is that source's furniture.
        patterns: Whether short lines matching common furniture (follow-us lines,
            newsletter asks, share buttons, photo credits, comment prompts) are stripped
            in every document.
    """

    enabled: bool = True
    min_docs: int = 5
    patterns: bool = True

    def __post_init__(self) -> None:
        _check(self.min_docs >= 2, f"boilerplate.min_docs must be at least 2; got {self.min_docs}")


@dataclass(frozen=True, slots=True)
class ShingleConfig:
    """How normalised text becomes a set of shingles.

    Attributes:
        unit: ``word`` n-grams, ``char`` n-grams (for scripts written without spaces:
            Chinese, Japanese, Thai...), or ``auto``: each character of such a script
            is a unit, and each run of other characters (see ``shingle.mixes``).
        size: Words per word shingle.
        char_size: Characters per character shingle.
    """

    unit: str = "auto"
    size: int = 3
    char_size: int = 4

    def __post_init__(self) -> None:
        _check_choice("shingle.unit", self.unit, ("auto", "word", "char"))
        _check(1 <= self.size <= 16, f"shingle.size must be 1 to 16; got {self.size}")
        _check(
            1 <= self.char_size <= 32, f"shingle.char_size must be 1 to 32; got {self.char_size}"
        )


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    """MinHash signatures (datasketch 2.x compatible).

    Attributes:
        num_perm: Number of permutations (signature length).
        seed: Seed of the permutations.
        scheme: ``oph``, one-permutation hashing with optimal densification (one pass over
            the shingles; unbiased, as precise as classic MinHash on news, see
            benchmarks/README.md), or ``affine32``, classic MinHash identical to
            ``datasketch.MinHash(scheme="affine32")`` for use with datasketch's indexes.
    """

    num_perm: int = 128
    seed: int = 1
    scheme: str = "oph"

    def __post_init__(self) -> None:
        _check(
            8 <= self.num_perm <= 1024, f"minhash.num_perm must be 8 to 1024; got {self.num_perm}"
        )
        _check_choice("minhash.scheme", self.scheme, ("oph", "affine32"))


@dataclass(frozen=True, slots=True)
class LSHConfig:
    """Candidate generation by banding the signatures.

    Attributes:
        threshold: Jaccard similarity at which a pair must become a candidate with
            probability at least ``recall``.
        recall: Target probability of candidacy exactly at ``threshold``.
        bands: Number of bands; 0 chooses bands and rows from threshold and recall.
            ``bands * rows`` may not exceed ``minhash.num_perm``.
        rows: Rows per band; 0 chooses them with ``bands``.
        max_bucket: Largest bucket (documents sharing one band) expanded into all its
            pairs; a larger one is chained instead, each document paired with the next
            (its size squared would be the cost; issue 14). The run's stats count such
            buckets (``lsh_capped_buckets``). 0: no cap.
    """

    threshold: float = 0.5
    recall: float = 0.99
    bands: int = 0
    rows: int = 0
    max_bucket: int = 2000

    def __post_init__(self) -> None:
        _check_fraction("lsh.threshold", self.threshold)
        _check(0.0 < self.recall < 1.0, f"lsh.recall must be in (0, 1); got {self.recall}")
        _check(
            (self.bands == 0) == (self.rows == 0),
            "lsh.bands and lsh.rows go together: set both or neither",
        )
        _check(self.bands >= 0 and self.rows >= 0, "lsh.bands and lsh.rows must not be negative")
        _check(self.max_bucket >= 0, f"lsh.max_bucket must not be negative; got {self.max_bucket}")


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """Exact verification of candidate pairs on their shingle sets.

    Attributes:
        threshold: Jaccard at or above which a pair is a near copy.
        containment: Containment (|A∩B| / min(|A|,|B|)) at or above which a pair is a
            truncated or padded copy.
        min_shingles: A containment match needs the smaller text to have at least this
            many shingles, so a one-line brief is not "contained" in every long story.
    """

    threshold: float = 0.5
    containment: float = 0.8
    min_shingles: int = 10

    def __post_init__(self) -> None:
        _check_fraction("verify.threshold", self.threshold)
        _check_fraction("verify.containment", self.containment)
        _check(
            self.min_shingles >= 1,
            f"verify.min_shingles must be at least 1; got {self.min_shingles}",
        )


@dataclass(frozen=True, slots=True)
class RewriteConfig:
    """Rewritten versions: pairs that share rare wording, not only near-identical text.

    The score is the IDF-weighted Jaccard similarity of the two texts' character n-grams
    (spaces removed, so it is robust to re-spacing and to scripts without spaces):
    shared rare wording (names, quotes, figures, whole sentences) weighs much, shared
    common words little. How much is enough depends on context: syndication happens
    within days, and an outlet's own stories share its house style. The thresholds were
    chosen on ``../shared/data`` (see ``benchmarks/README.md``).

    Attributes:
        enabled: Whether rewrites are looked for at all.
        char_size: Characters per n-gram.
        sample: Keep one n-gram in ``sample``, chosen by hash (the same in every text), to
            bound memory and time; 1 keeps all; 0 chooses by corpus size: all up to
            125,000 documents, then 2, 4, 8 ... so that about 250 million n-grams are
            held (1 in 8 for a million articles).
        threshold: Score at which two texts from different sources published within
            ``window_days`` of each other are a rewrite.
        undated: Score needed when either date is unknown.
        undated_containment: When either date is unknown, the pair must also share this
            much of the shorter text's word shingles: a rewrite keeps much of the
            wording, independent reports of one event share names and quotes.
        same_source: Score needed when both texts come from the same source.
        window_days: Beyond this many days apart, only near and contained copies match.
        max_df: N-grams found in more documents than this do not generate candidates
            (they weigh little anyway); 0 chooses ``max(50, sqrt(documents))``.
        candidate_sample: Only n-grams whose hash is divisible by this find candidates
            (they are still scored on all n-grams); 0 chooses 1 up to 25,000 documents
            and 4 above, where finding candidates dominates the run time.
    """

    enabled: bool = True
    char_size: int = 5
    sample: int = 0
    threshold: float = 0.08
    undated: float = 0.12
    undated_containment: float = 0.1
    same_source: float = 0.5
    window_days: float = 3.0
    max_df: int = 0
    candidate_sample: int = 0

    def __post_init__(self) -> None:
        _check(
            2 <= self.char_size <= 16, f"rewrite.char_size must be 2 to 16; got {self.char_size}"
        )
        _check(0 <= self.sample <= 64, f"rewrite.sample must be 0 (auto) to 64; got {self.sample}")
        _check(0 <= self.undated_containment <= 1, "rewrite.undated_containment must be in [0, 1]")
        for name in ("threshold", "undated", "same_source"):
            _check_fraction(f"rewrite.{name}", getattr(self, name))
        _check(self.window_days >= 0, f"rewrite.window_days must be >= 0; got {self.window_days}")
        _check(self.max_df >= 0, f"rewrite.max_df must be >= 0; got {self.max_df}")
        _check(
            0 <= self.candidate_sample <= 64,
            f"rewrite.candidate_sample must be 0 (auto) to 64; got {self.candidate_sample}",
        )


LEVELS = ("copies", "rewrites", "stories")
"""The grouping levels, narrowest first: each groups what the one before does, and more."""


@dataclass(frozen=True, slots=True)
class DecideConfig:
    """How far grouping goes, and the model that decides stories.

    Attributes:
        level: ``copies`` (exact, near and contained copies), ``rewrites`` (and texts
            written from the same copy) or ``stories`` (and reports that carry the same
            source words about the same event); see :mod:`newsdedup.stages.decide`.
        model: A decision model JSON file (``benchmarks/fit_decision.py`` writes one);
            empty for the packaged model.
    """

    level: str = "stories"
    model: str = ""

    def __post_init__(self) -> None:
        _check_choice("decide.level", self.level, LEVELS)


@dataclass(frozen=True, slots=True)
class ChooseConfig:
    """Which member of a cluster is kept.

    Attributes:
        policy: ``earliest`` date, ``longest`` text, or ``source`` priority.
        source_priority: Outlets in order of preference, for ``policy = "source"``.
    """

    policy: str = "earliest"
    source_priority: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_choice("choose.policy", self.policy, ("earliest", "longest", "source"))
        _check(
            self.policy != "source" or bool(self.source_priority),
            "choose.policy 'source' needs choose.source_priority, "
            "a list of outlets, most preferred first",
        )
        _check(
            self.policy == "source" or not self.source_priority,
            f"choose.source_priority is used only with choose.policy 'source' (got policy "
            f"{self.policy!r}); add --keep source, or leave out --source-priority",
        )


@dataclass(frozen=True, slots=True)
class WriteConfig:
    """Output tables.

    Attributes:
        format: Format of the clusters, pairs and skipped tables: ``csv``, ``jsonl`` or ``parquet``.
    """

    format: str = "csv"

    def __post_init__(self) -> None:
        _check_choice("write.format", self.format, ("csv", "jsonl", "parquet"))


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration of a run, one table per stage."""

    read: ReadConfig = field(default_factory=ReadConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    lsh: LSHConfig = field(default_factory=LSHConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    rewrite: RewriteConfig = field(default_factory=RewriteConfig)
    decide: DecideConfig = field(default_factory=DecideConfig)
    choose: ChooseConfig = field(default_factory=ChooseConfig)
    write: WriteConfig = field(default_factory=WriteConfig)

    def __post_init__(self) -> None:
        lsh, num_perm = self.lsh, self.minhash.num_perm
        _check(
            lsh.bands * lsh.rows <= num_perm,
            f"lsh.bands x lsh.rows = {lsh.bands} x {lsh.rows} = {lsh.bands * lsh.rows} is more "
            f"than minhash.num_perm = {num_perm}: a band would reach past the signature. Lower "
            f"--bands or --rows, raise --num-perm to at least {lsh.bands * lsh.rows}, or leave "
            "both out to have them chosen from the threshold and --recall.",
        )

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Return the config as nested plain values (tuples become lists)."""
        return {
            f.name: {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(getattr(self, f.name)).items()
            }
            for f in fields(self)
        }

    def replace(self, overrides: Mapping[str, Mapping[str, Any]]) -> Config:
        """Return a copy with ``{section: {key: value}}`` overrides applied and validated."""
        sections = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, values in overrides.items():
            if name not in sections:
                raise ConfigError(f"unknown config section [{name}]; known: {', '.join(sections)}")
            sections[name] = _replace_section(name, sections[name], values)
        return Config(**sections)

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, Any]]) -> Config:
        """Build a config from nested plain values, as read from TOML."""
        return cls().replace(data)

    @classmethod
    def from_toml(cls, path: str | Path) -> Config:
        """Load a config from a TOML file with one table per stage."""
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        return cls.from_dict(data)

    def to_toml(self) -> str:
        """Return the config as TOML text that :meth:`from_toml` reads back."""
        import tomli_w

        return tomli_w.dumps(self.to_dict())


def _replace_section(name: str, section: Any, values: Mapping[str, Any]) -> Any:
    if not isinstance(values, Mapping):
        raise ConfigError(f"config section [{name}] must be a table of key = value")
    known = {f.name: f for f in fields(section)}
    for key in values:
        if key not in known:
            raise ConfigError(f"unknown key {name}.{key}; known: {', '.join(known)}")
    clean = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    for key, value in clean.items():
        default = getattr(section, key)
        if type(default) is float and isinstance(value, int) and not isinstance(value, bool):
            clean[key] = float(value)
        elif type(clean[key]) is not type(default):
            raise ConfigError(
                f"{name}.{key} must be of type {type(default).__name__}; got {value!r}"
            )
    return dataclasses.replace(section, **clean)
