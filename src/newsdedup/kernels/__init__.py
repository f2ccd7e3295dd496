"""Compiled leaves the stages call (numba), each with a numpy twin."""
