"""The incremental index: keep what matching needs between runs, add each new batch in seconds.

:class:`Index` is the API; :mod:`.sqlite` the embedded store (one file);
:mod:`.incremental` matches a batch against a neighbourhood of the index with the
pipeline's own stages.
"""

from newsdedup.index.api import Added, Index, IndexStats, Queried

__all__ = ["Added", "Index", "IndexStats", "Queried"]
