"""The one switch for compiled kernels: ``NEWSDEDUP_JIT=0`` turns them all off.

Hot loops (the other modules of :mod:`newsdedup.kernels`) are compiled with numba; each
has a numpy twin that gives the same results bit for bit and is used when numba is
missing or the environment says ``NEWSDEDUP_JIT=0``. The switch changes speed,
never results; worker processes inherit the environment, so they decide alike.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def allowed() -> bool:
    """Whether the environment lets compiled kernels run (``NEWSDEDUP_JIT`` is not ``0``)."""
    return os.environ.get("NEWSDEDUP_JIT", "1") != "0"


def kernels(name: str) -> ModuleType | None:
    """The module ``newsdedup.kernels.<name>``, or ``None`` when numba is missing or is off."""
    if not allowed():
        return None
    try:
        return importlib.import_module(f"newsdedup.kernels.{name}")
    except ImportError:  # pragma: no cover - numba is a dependency; this is the fallback
        return None
