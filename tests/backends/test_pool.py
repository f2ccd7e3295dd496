import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newsdedup.backends.pool import WorkerPool
from newsdedup.runtime import in_order

posix = pytest.mark.skipif(os.name != "posix", reason="signals and /proc")


def test_results_come_in_input_order_with_a_bounded_number_in_flight():
    running = 0
    most = 0
    lock = threading.Lock()

    def slow_square(x: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.002 * (x % 3))  # later items often finish first
        with lock:
            running -= 1
        return x * x

    submitted = []

    def items():
        for x in range(40):
            submitted.append(x)
            yield x

    with ThreadPoolExecutor(4) as pool:
        out = []
        for result in in_order(pool, slow_square, items(), ahead=3):
            out.append(result)
            assert len(submitted) - len(out) <= 3  # never more than `ahead` pending
    assert out == [x * x for x in range(40)]
    assert most <= 3


def _gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie nobody has reaped yet counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    """The ``pids`` still running after waiting up to ``seconds`` for them to exit."""
    deadline = time.monotonic() + seconds
    while (left := [pid for pid in pids if not _gone(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _fail(message: str) -> None:
    raise ValueError(message)


@posix
def test_workers_ignore_ctrl_c_which_the_parent_handles(capfd: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C reaches every process of the terminal's group; a worker must not die of it."""
    with WorkerPool(2) as pool:
        pids = {pool.submit(os.getpid).result() for _ in range(8)}
        assert pool.submit(signal.getsignal, signal.SIGINT).result() == signal.SIG_IGN
        for pid in pids:
            os.kill(pid, signal.SIGINT)
        assert list(pool.map(abs, [-1, -2, -3])) == [1, 2, 3]
    assert "Traceback" not in capfd.readouterr().err


def test_an_error_in_a_worker_comes_back_to_the_parent(capfd: pytest.CaptureFixture[str]) -> None:
    with WorkerPool(1) as pool:
        with pytest.raises(ValueError, match="bad chunk"):
            pool.submit(_fail, "bad chunk").result()
        assert pool.submit(abs, -4).result() == 4
    assert "Traceback" not in capfd.readouterr().err


def test_an_error_in_the_initializer_comes_back_with_each_task(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Raised in the worker, the pool would print its traceback there and break."""
    with WorkerPool(1, _fail, ("no config",)) as pool:
        for _ in range(2):
            with pytest.raises(ValueError, match="no config"):
                pool.submit(abs, -1).result()
    assert "Traceback" not in capfd.readouterr().err


@posix
def test_leaving_by_an_exception_stops_the_workers_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), WorkerPool(2) as pool:
        pids = [pool.submit(os.getpid).result() for _ in range(4)]
        pending = [pool.submit(time.sleep, 60) for _ in range(6)]
        time.sleep(0.2)
        raise KeyboardInterrupt
    assert time.monotonic() - started < 20
    assert _wait_gone(pids, 5.0) == []
    assert all(future.cancelled() or future.exception() for future in pending[2:])


@posix
def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    """``kill -9`` of a run must not leave its workers waiting on a queue forever."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from newsdedup.backends.pool import WorkerPool

        pool = WorkerPool(2)
        futures = [pool.submit(time.sleep, 0.3) for _ in range(4)]
        [future.result() for future in futures]
        print(*pool._processes, flush=True)
        time.sleep(120)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2 and not any(map(_gone, workers))
    parent.kill()
    parent.wait()
    parent.stdout.close()
    left = _wait_gone(workers)
    for pid in left:  # do not leave them running if the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []


@posix
@pytest.mark.parametrize("sender", ["main", "thread"])
def test_a_parent_stopped_while_a_worker_starts_leaves_no_traceback(sender: str) -> None:
    """SIGTERM between starting a worker and sending it what it starts from is held back.

    Raised there, the worker would read half a message and print why. The signal may
    reach the process through another thread (one the pool started, say), where the main
    thread's signal mask does not hold it.
    """
    script = textwrap.dedent(
        """
        import os, signal, sys, threading, time
        import multiprocessing.util as util
        from newsdedup.backends.pool import WorkerPool

        def stop(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        go = threading.Event()
        def send():
            go.wait()
            os.kill(os.getpid(), signal.SIGTERM)
        sender = threading.Thread(target=send, daemon=True)  # started before any mask
        sender.start()
        pool = WorkerPool(1)
        spawn = util.spawnv_passfds

        def spawn_then_stop(*args):
            pid = spawn(*args)
            print(pid, flush=True)
            if sys.argv[1] == "main":
                os.kill(os.getpid(), signal.SIGTERM)
            else:
                go.set()
                sender.join()
            time.sleep(0.2)  # the handler would run here
            return pid

        util.spawnv_passfds = spawn_then_stop
        try:
            with pool:
                pool.submit(abs, -1).result()
        except KeyboardInterrupt:
            print("stopped", flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, sender], capture_output=True, text=True, timeout=60
    )
    worker, stopped = done.stdout.split()
    assert (done.returncode, stopped) == (0, "stopped")
    assert _wait_gone([int(worker)]) == []
    assert done.stderr == ""
