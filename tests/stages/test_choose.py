import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.config import ChooseConfig
from newsdedup.data import Fingerprint
from newsdedup.stages.choose import preference


def fp(doc_id, length=10, published=None, source=None):
    return Fingerprint(doc_id, "d", np.zeros(0, dtype=np.uint32), length, published, source)


def ids(fps, cfg):
    return [fps[i].doc_id for i in preference(fps, cfg)]


def test_earliest_then_longest_then_id():
    fps = [
        fp("c", 5, "2024-01-02"),
        fp("b", 5, "2024-01-01"),
        fp("a", 9, "2024-01-01"),
        fp("z", 99),
    ]
    assert ids(fps, ChooseConfig()) == ["a", "b", "c", "z"]


def test_longest():
    fps = [fp("a", 5, "2024-01-01"), fp("b", 50, "2024-05-01"), fp("c", 50, "2024-04-01")]
    assert ids(fps, ChooseConfig(policy="longest")) == ["c", "b", "a"]


def test_source_priority_unlisted_last():
    fps = [fp("a", source="Local Herald"), fp("b", source="Wire"), fp("c", source="Daily")]
    assert ids(fps, ChooseConfig(policy="source", source_priority=("Wire", "Daily"))) == [
        "b",
        "c",
        "a",
    ]


def test_dates_in_any_format_read_the_same() -> None:
    fps = [fp("a", 5, "2024-03-06"), fp("b", 5, "Tue, 05 Mar 2024 10:00:00 GMT"), fp("c", 5)]
    fps.append(fp("d", 5, "last Tuesday"))
    assert ids(fps, ChooseConfig()) == ["b", "a", "c", "d"]  # unreadable is undated


@given(st.permutations(list(range(6))))
def test_preference_does_not_depend_on_input_order(perm):
    base = [fp(f"d{i}", i % 3, f"2024-01-0{1 + i % 2}") for i in range(6)]
    shuffled = [base[i] for i in perm]
    assert ids(shuffled, ChooseConfig()) == ids(base, ChooseConfig())
