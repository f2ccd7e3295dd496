"""newsdedup: find and group duplicate and near-duplicate articles in news corpora.

The public API::

    from newsdedup import Config, Document, dedup, run

    result = dedup([Document("a", "..."), Document("b", "...")])
    report = run(["corpus.jsonl"], "out/")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Assignment",
    "Cluster",
    "Config",
    "DedupResult",
    "Document",
    "Index",
    "Match",
    "NewsDedupError",
    "RunReport",
    "__version__",
    "dedup",
    "dedup_frame",
    "evaluate_run",
    "run",
    "threshold_guidance",
]

if TYPE_CHECKING:
    from newsdedup.config import Config
    from newsdedup.data import Assignment, Cluster, DedupResult, Document, Match
    from newsdedup.errors import NewsDedupError
    from newsdedup.evaluate import evaluate_run
    from newsdedup.frames import dedup_frame
    from newsdedup.index import Index
    from newsdedup.pipeline import RunReport, dedup, run
    from newsdedup.thresholds import threshold_guidance

# Imported on first use, so that `newsdedup --help` does not load numpy and datasketch.
_LAZY = {
    "Config": "newsdedup.config",
    "Assignment": "newsdedup.data",
    "Cluster": "newsdedup.data",
    "DedupResult": "newsdedup.data",
    "Document": "newsdedup.data",
    "Index": "newsdedup.index",
    "Match": "newsdedup.data",
    "NewsDedupError": "newsdedup.errors",
    "RunReport": "newsdedup.pipeline",
    "dedup": "newsdedup.pipeline",
    "dedup_frame": "newsdedup.frames",
    "run": "newsdedup.pipeline",
    "evaluate_run": "newsdedup.evaluate",
    "threshold_guidance": "newsdedup.thresholds",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'newsdedup' has no attribute {name!r}")
