"""The one switch for compiled kernels: ``NEWSDEDUP_JIT=0`` turns them all off.

Hot loops (:mod:`newsdedup.kernels`, :mod:`newsdedup.counting_kernels`) are compiled with
numba; each has a numpy twin that gives the same results bit for bit and is used when
numba is missing or the environment says ``NEWSDEDUP_JIT=0``. The switch changes speed,
never results; worker processes inherit the environment, so they decide alike.
"""

from __future__ import annotations

import os


def allowed() -> bool:
    """Whether the environment lets compiled kernels run (``NEWSDEDUP_JIT`` is not ``0``)."""
    return os.environ.get("NEWSDEDUP_JIT", "1") != "0"
