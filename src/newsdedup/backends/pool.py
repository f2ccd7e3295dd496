"""Ordered maps over a pool: results in input order, a bounded number in flight."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def in_order(
    pool: Executor, call: Callable[[_In], _Out], items: Iterable[_In], ahead: int
) -> Iterator[_Out]:
    """``call(item)`` of every item over ``pool``, in input order, at most ``ahead`` pending.

    Bounding what is in flight bounds memory however long ``items`` is, and taking results
    in submission order keeps every run's output the same whatever the pool's size.
    """
    pending: deque[Future[_Out]] = deque()
    for item in items:
        pending.append(pool.submit(call, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
