"""Engines: where a run's chunks of work go; never what they compute.

The pipeline names the steps; an engine runs the stages' per-chunk work where it chooses
and hands the results back in input order:

- :class:`newsdedup.backends.local.LocalEngine`: this process, or a pool of worker
  processes on this machine (the default);
- :class:`newsdedup.backends.spark.SparkEngine`: the executors of an Apache Spark
  cluster (``pip install 'newsdedup[spark]'``).

Every engine gives the same results, byte for byte: the stages are the same pure
functions, and the chunks come back in the order they went out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from newsdedup.backends.blocks import BlockInput
    from newsdedup.config import Config
    from newsdedup.data import Document, Fingerprint
    from newsdedup.runtime import Mapper
    from newsdedup.stages.boilerplate import Boilerplate, SurveyChunk


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
