"""Process pools that stop cleanly.

:class:`WorkerPool` is the one way newsdedup starts worker processes. Its workers never
speak to the user and never outlive the run (issue 14): they ignore Ctrl-C, which the
terminal sends to the whole process group, because the parent gets it too and stops them;
a worker whose parent was killed (``kill -9``) exits at once instead of waiting forever on
a queue nobody writes to; and an error in a worker, even in its initializer, comes back to
the parent as the error of a task rather than as a traceback printed by the worker.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.connection import wait
from multiprocessing.context import SpawnContext, SpawnProcess
from types import TracebackType
from typing import Any, Literal, TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")

_STOP_WAIT = 5.0
"""Seconds to wait for each killed worker to be gone."""


class WorkerPool(ProcessPoolExecutor):
    """A pool of spawned worker processes that stop with the run and never print.

    Used as a context manager, a block left normally waits for the work submitted; a block
    left by an exception (Ctrl-C, SIGTERM turned into one by the CLI, an error, a
    generator closed early) cancels what is queued and kills the workers instead:
    nobody wants their results, and waiting could take long.

    Args:
        workers: How many processes.
        initializer: Called in each worker before its first task; an exception it raises
            is raised by every task of that worker, in the parent.
        initargs: Its arguments.
    """

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., object] | None = None,
        initargs: Sequence[Any] = (),
    ) -> None:
        super().__init__(
            workers,
            mp_context=_QuietContext(),
            initializer=_start_worker,
            initargs=(initializer, tuple(initargs)),
        )

    def submit(self, fn: Callable[..., _Out], /, *args: Any, **kwargs: Any) -> Future[_Out]:
        """Schedule ``fn(*args, **kwargs)`` in a worker (see :class:`WorkerPool`).

        A submit may start a worker: Ctrl-C and SIGTERM wait until it is started and
        counted, so that :meth:`stop` knows of every worker there is.
        """
        with _stops_held():
            return super().submit(_guarded, fn, *args, **kwargs)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc_type is None:
            self.shutdown(wait=True)
        else:
            self.stop()
        return False

    def stop(self) -> None:
        """Cancel the work not started and kill the workers; return when they are gone.

        Killed, not asked to stop: a worker holds nothing to clean up (its spill file is
        in the parent's folder), and one still starting holds SIGTERM back. It must be
        gone before the parent exits and frees the queues it may still be opening.
        """
        processes = list((getattr(self, "_processes", None) or {}).values())
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with suppress(ValueError, ProcessLookupError):  # exited already, or closed
                if process.is_alive():
                    process.kill()
        for process in processes:
            with suppress(ValueError, AssertionError):
                process.join(_STOP_WAIT)


class _QuietProcess(SpawnProcess):
    """A spawned process started with SIGINT and SIGTERM blocked (see :func:`_start_worker`).

    In the parent, the signals are only held back while the worker starts, and delivered
    when this returns: stopped halfway through sending the worker what it starts from,
    the parent would leave it to fail reading that, with a traceback. In the worker they
    stay blocked (a blocked signal stays blocked across ``fork`` and ``exec``) until its
    initializer ignores SIGINT: Python sets its own SIGINT handler while it starts, and
    Ctrl-C during its imports would print a traceback.
    """

    def start(self) -> None:
        with _stops_held():
            super().start()


class _QuietContext(SpawnContext):
    Process = _QuietProcess


_STOPS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _stops_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back within the block; deliver them when it ends.

    Two things are needed. The signal mask is what a worker started here inherits. But a
    mask is per thread: the kernel hands a process's signal to any thread that does not
    block it (the pool's own threads), and Python then runs the handler in the main thread
    at once, mask or not. So the main thread's handlers are swapped for one that only
    notes the signal, and the signals noted are raised again afterwards.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    noted: list[int] = []
    handlers: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for stop in _STOPS:
            if signal.getsignal(stop) is not None:  # None: set outside Python, kept
                handlers[stop] = signal.signal(stop, lambda signum, _: noted.append(signum))
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(noted):
            signal.raise_signal(signum)


_FAILED: list[BaseException] = []  # the initializer's error, in a worker whose start failed


def _start_worker(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    """Ignore SIGINT, exit with the parent, then run the pool's own initializer.

    The initializer's error is kept for :func:`_guarded` to raise: raised here, the pool
    would log its traceback from the worker and break.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # also drops a SIGINT held back at start
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)  # a SIGTERM held back ends it
    _exit_with_parent()
    if initializer is None:
        return
    try:
        initializer(*initargs)
    except Exception as exc:
        _FAILED.append(exc)


def _exit_with_parent() -> None:
    """Exit as soon as the parent process is gone, however it went.

    The parent's end of the pipe it started this process through closes when it dies
    (:func:`multiprocessing.parent_process`'s sentinel); without this, the workers of a run
    killed with ``kill -9`` wait on their task queue forever.
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch(sentinel: int) -> None:
        wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, args=(parent.sentinel,), daemon=True).start()


def _guarded(fn: Callable[..., _Out], /, *args: Any, **kwargs: Any) -> _Out:
    if _FAILED:
        raise _FAILED[0]
    return fn(*args, **kwargs)
