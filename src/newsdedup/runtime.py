"""What a stage may ask of whatever runs it, without knowing what that is.

Stages are pure: they compute over the documents, fingerprints and pairs they are given,
and never start a process, write a file or know where their input lives. Three things
still pass between a stage and the engine that runs it, and they are named here, below
both:

- :class:`Mapper`: how a stage's independent tasks are run. A stage hands a pure,
  module-level task, the context every task shares (settings, learned furniture) and the
  items; the engine decides where they run (:func:`serial` here, a process pool in
  :mod:`newsdedup.backends.local`, executors on Spark) and yields the results in input
  order, so where never changes what.
- :func:`threaded`: an ordered map over threads, for stages that spread lookups over
  them (the compiled kernels release the GIL); :func:`in_order` is its core, over any
  ``concurrent.futures`` executor.
- :func:`releasing` and :func:`release_all`: a hint that the arrays read so far are not
  needed again soon. An engine that keeps arrays outside the heap (the local engine's
  spill, :mod:`newsdedup.backends.spill`) registers how to let them go with
  :func:`on_release`; otherwise the hint does nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Protocol, TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")
_Context = TypeVar("_Context")


class Mapper(Protocol):
    """Runs ``task(context, item)`` for every item; yields the results in input order.

    ``count`` is how many items there are (a hint: an engine may run few items where it
    is, rather than start workers for them).
    """

    def __call__(
        self,
        task: Callable[[_Context, _In], _Out],
        context: _Context,
        items: Iterable[_In],
        count: int,
    ) -> Iterator[_Out]:
        """The results of ``task(context, item)``, item by item, in input order."""
        ...


def serial(
    task: Callable[[_Context, _In], _Out], context: _Context, items: Iterable[_In], count: int
) -> Iterator[_Out]:
    """The :class:`Mapper` that runs every task here, one after the other."""
    for item in items:
        yield task(context, item)


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


def threaded(call: Callable[[_In], _Out], items: Iterable[_In], threads: int) -> Iterator[_Out]:
    """``call(item)`` of every item over ``threads`` threads, in input order.

    One thread (or fewer) runs them here, one after the other. At most two items a thread
    are in flight, so memory stays bounded however long ``items`` is.
    """
    if threads <= 1:
        yield from map(call, items)
        return
    with ThreadPoolExecutor(threads) as pool:
        yield from in_order(pool, call, items, 2 * threads)


_RELEASE: list[Callable[[], None]] = []


def on_release(release: Callable[[], None]) -> None:
    """Have :func:`release_all` call ``release`` (once, however often it is registered)."""
    if release not in _RELEASE:
        _RELEASE.append(release)


def release_all() -> None:
    """Let go of the arrays read so far, where the engine keeps them outside the heap."""
    for release in _RELEASE:
        release()


def releasing(items: Iterable[_In], every: int = 4096) -> Iterator[_In]:
    """The items, calling :func:`release_all` after every ``every`` of them and at the end."""
    for done, item in enumerate(items, start=1):
        yield item
        if done % every == 0:
            release_all()
    release_all()
