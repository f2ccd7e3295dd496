"""Engines: where a run's chunks of work go; never what they compute.

The pipeline names the steps; an engine runs the stages' per-chunk work where it chooses
and hands the results back in input order, and gathers the global steps it is given
(LSH buckets, lead keys, the n-grams' document frequencies and the rare n-grams'
candidates, verification, how rare a passage is) where the fingerprints are:

- :class:`newsdedup.backends.local.LocalEngine`: this process, or a pool of worker
  processes on this machine (the default);
- :class:`newsdedup.backends.spark.SparkEngine`: the executors of an Apache Spark
  cluster (``pip install 'newsdedup[spark]'``).

Every engine gives the same results, byte for byte: the stages are the same pure
functions, and the chunks come back in the order they went out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from newsdedup.backends.blocks import BlockInput
    from newsdedup.config import Config, RewriteConfig, VerifyConfig
    from newsdedup.data import Document, Fingerprint
    from newsdedup.runtime import Mapper
    from newsdedup.stages.align import ShingleRarity
    from newsdedup.stages.boilerplate import Boilerplate, SurveyChunk
    from newsdedup.stages.lsh import Banded, Banding
    from newsdedup.stages.rewrite import Rarity
    from newsdedup.stages.verify import Rewrites, Verified


@dataclass(frozen=True, slots=True)
class Rows:
    """Which documents of the engine's last fingerprint pass a global step is about.

    Attributes:
        positions: Row ``k`` of the step is document ``positions[k]`` of the pass, in the
            order :meth:`Engine.fingerprints` gave them (ascending).
        made: How many documents that pass gave, so an engine can tell it is that pass.
    """

    positions: np.ndarray
    made: int


class Engine(Protocol):
    """Where the per-chunk steps of a run happen.

    Attributes:
        threads: Threads the driver's global steps (LSH buckets, n-gram weights) may use.
        reads_blocks: Whether the engine's workers read plain JSONL inputs themselves
            (:mod:`newsdedup.backends.blocks`): only then is a ``BlockInput`` handed to
            :meth:`survey` and :meth:`fingerprints` instead of documents.
    """

    threads: int

    @property
    def reads_blocks(self) -> bool:
        """Whether the workers read plain JSONL inputs themselves (see above)."""
        ...

    def survey(
        self, docs: Iterable[Document] | BlockInput, config: Config
    ) -> Iterator[SurveyChunk]:
        """The lines of every chunk of ``docs``, keyed, in input order."""
        ...

    def fingerprints(
        self,
        docs: Iterable[Document] | BlockInput,
        config: Config,
        *,
        furniture: Boilerplate,
        seen: MutableMapping[int, tuple[str, str]] | None = None,
    ) -> Iterator[Fingerprint]:
        """The fingerprint of every document, in input order."""
        ...

    def mapper(self) -> Mapper:
        """Where a stage's independent tasks (aligning chunks of pairs) run."""
        ...

    def lsh(
        self,
        fingerprints: Sequence[Fingerprint],
        banding: Banding,
        config: Config,
        *,
        rows: Rows | None = None,
    ) -> Banded:
        """The LSH pairs of ``fingerprints`` (:func:`newsdedup.stages.lsh.banded_fingerprints`).

        ``rows`` says which documents of the engine's fingerprint pass they are, so an
        engine that holds that pass's arrays elsewhere may band them there; the pairs
        are the same either way.
        """
        ...

    def leads(self, fingerprints: Sequence[Fingerprint], *, rows: Rows | None = None) -> np.ndarray:
        """The lead-key pairs of ``fingerprints`` (:func:`newsdedup.stages.leads.lead_pairs`)."""
        ...

    def rarity(self, fingerprints: Sequence[Fingerprint], *, rows: Rows | None = None) -> Rarity:
        """The document frequency of every n-gram of ``fingerprints``.

        Those of :func:`newsdedup.stages.rewrite.rarity` over their n-gram sets.
        """
        ...

    def rare_pairs(
        self,
        fingerprints: Sequence[Fingerprint],
        rare: Rarity,
        cfg: RewriteConfig,
        times: np.ndarray,
        *,
        rows: Rows | None = None,
    ) -> np.ndarray:
        """The rare-n-gram candidates of ``fingerprints`` in their date window.

        Those of :func:`newsdedup.stages.rewrite.candidates`, with ``rare`` the n-grams'
        document frequencies and ``times`` each document's date in seconds (``inf``:
        undated).
        """
        ...

    def verify(
        self,
        pairs: np.ndarray,
        fingerprints: Sequence[Fingerprint],
        cfg: VerifyConfig,
        *,
        rewrites: Rewrites | None = None,
        rare: Rarity | None = None,
        rows: Rows | None = None,
    ) -> Verified:
        """Every candidate pair verified (:func:`newsdedup.stages.verify.verify`).

        ``rare`` is what ``rewrites.weights`` are weighed by (:meth:`rarity`), for an
        engine that weighs the n-grams where it holds them; the result is the same.
        """
        ...

    def shingle_rarity(
        self, fingerprints: Sequence[Fingerprint], keys: np.ndarray, *, rows: Rows | None = None
    ) -> ShingleRarity:
        """How many documents of ``fingerprints`` hold each shingle of ``keys``.

        Those of :func:`newsdedup.stages.align.shingle_rarity` (distinct texts counted once).
        """
        ...

    def release(self) -> None:
        """Let go of what the engine holds of its last fingerprint pass (the run is over)."""
        ...
