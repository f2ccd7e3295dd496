"""Run a chunk job on plain JSONL inputs that the workers read themselves.

The driver sends each worker a block of the input (a byte range, see
:mod:`newsdedup.io.read_blocks`); the worker reads, parses and checks its records, runs the job
(:func:`newsdedup.stages.fingerprint.fingerprint_chunk` or
:func:`~newsdedup.stages.boilerplate.survey_chunk`) on its documents in chunks, and sends back the
chunks with what the driver needs to settle each record in input order. No text crosses a
pipe. When the driver settles a block otherwise than the worker guessed (an id taken in an
earlier block, a record without the text field after an earlier block had it), it runs that
block again in its own process on the documents it settled, so the chunks hold exactly the
documents :func:`newsdedup.io.read.read` gives. That is for bad input only, and costs one block's
work in the driver each time: a corpus with repeated ids in most blocks (``--on-error
skip``) is fingerprinted at about one process's speed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from newsdedup.config import Config
from newsdedup.io.read_blocks import (
    BLOCK_BYTES,
    Block,
    CheckedBlock,
    Settle,
    Slim,
    blocks,
    check_block,
)
from newsdedup.stages.boilerplate import Boilerplate

_T = TypeVar("_T")
_Job = Callable[[Sequence[Slim], Config, Boilerplate | None], _T]


@dataclass(frozen=True, slots=True)
class BlockInput:
    """Plain JSONL files to read in blocks, and the driver's state while reading them.

    Attributes:
        paths: The files, in order.
        settle: Ids, skips and origins, settled in input order.
        size: Bytes per block.
        cut: The blocks, once a pass has cut the files into them: a later pass over the
            same files takes them from here instead of reading the files to find the
            line ends again (3 GB read and counted in this process at a million articles).
    """

    paths: Sequence[str | Path]
    settle: Settle
    size: int = BLOCK_BYTES
    cut: list[Block] = field(default_factory=list)


def block_job(
    job: _Job[_T],
    chunk: int,
    config: Config,
    furniture: Boilerplate | None,
    block: Block,
    take: Sequence[int] | None = None,
) -> tuple[CheckedBlock, list[_T]]:
    """Check a block's records and run ``job`` on its documents, ``chunk`` at a time."""
    checked, docs = check_block(block, config.read, take)
    return checked, [
        job(docs[i : i + chunk], config, furniture) for i in range(0, len(docs), chunk)
    ]


def _work(job: _Job[_T], chunk: int, block: Block) -> tuple[CheckedBlock, list[_T]]:
    from newsdedup.backends.local import _WORKER

    return block_job(job, chunk, _WORKER["config"], _WORKER["furniture"], block)


def block_results(
    job: _Job[_T],
    source: BlockInput,
    config: Config,
    workers: int,
    chunk: int,
    furniture: Boilerplate | None,
    spill: str | None = None,
) -> Iterator[_T]:
    """``job`` of every chunk of the settled documents, in input order.

    ``spill``: the folder where workers write their fingerprints' arrays.
    """
    from newsdedup.backends.local import worker_pool
    from newsdedup.runtime import in_order

    items = cutting(source)
    if workers <= 1:
        yield from settled(
            job,
            chunk,
            config,
            furniture,
            source.settle,
            map(partial(block_job, job, chunk, config, furniture), items),
        )
        return
    with worker_pool(workers, config, furniture, spill) as pool:
        done = in_order(pool, partial(_work, job, chunk), items, 2 * workers)
        yield from settled(job, chunk, config, furniture, source.settle, done)


def cutting(source: BlockInput) -> Iterator[Block]:
    """The blocks of ``source``: cut from the files the first time, then kept in ``cut``."""
    if source.cut:
        yield from source.cut
        return
    cut = []
    for block in blocks(source.paths, source.size):
        cut.append(block)
        yield block
    source.cut.extend(cut)


def settled(
    job: _Job[_T],
    chunk: int,
    config: Config,
    furniture: Boilerplate | None,
    settle: Settle,
    done: Iterator[tuple[CheckedBlock, list[_T]]],
) -> Iterator[_T]:
    """The chunks of ``done``'s blocks once the driver settled each, in input order."""
    for checked, parts in done:
        taken = settle.block(checked)
        if taken != checked.sent:
            _, parts = block_job(job, chunk, config, furniture, checked.block, taken)
        yield from parts
