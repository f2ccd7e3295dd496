"""Execution backends: how a run's work is spread over processes; never what it computes."""
