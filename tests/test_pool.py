import threading
import time
from concurrent.futures import ThreadPoolExecutor

from newsdedup.backends.pool import in_order


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
