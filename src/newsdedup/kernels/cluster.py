"""The compiled kernel of :mod:`newsdedup.stages.cluster`: the greedy walk that attaches documents.

Importing this module imports numba; :func:`newsdedup.stages.cluster._attach_walk` falls back to
its pure-Python twin when numba is missing or ``NEWSDEDUP_JIT=0``.
"""

import numba


@numba.njit(cache=True, nogil=True)
def attach_walk(starts, earlier, lead, via):
    """Attach each position to the first earlier leader among its sorted candidates.

    Positions are walked in order; the candidates of position ``r`` are
    ``earlier[starts[r]:starts[r + 1]]``, best first. ``lead`` (every position its own
    leader) and ``via`` (-1) are filled in place: the leader joined and the candidate taken.
    """
    for r in range(starts.size - 1):
        for e in range(starts[r], starts[r + 1]):
            u = earlier[e]
            if lead[u] == u:
                lead[r] = u
                via[r] = e
                break
