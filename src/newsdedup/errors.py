"""The errors newsdedup raises. The CLI turns these, and only these, into exit codes."""

from __future__ import annotations


class NewsDedupError(Exception):
    """Base class: a problem a user can fix, with a message that says how."""

    exit_code = 1


class InputError(NewsDedupError):
    """Bad input data: a malformed record, bad encoding, missing field, duplicate id."""

    def __init__(self, message: str, *, file: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.file = file
        self.line = line


class ConfigError(NewsDedupError):
    """A configuration value or option that is out of range or inconsistent."""

    exit_code = 2


class OutputError(NewsDedupError):
    """The output location cannot be written as asked."""


class MissingExtraError(NewsDedupError):
    """An optional dependency is not installed."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"this feature needs the package '{package}'; "
            f"install it with: pip install 'newsdedup[{extra}]'"
        )


class EngineError(NewsDedupError):
    """The engine that runs the work failed (a Spark job, a lost executor)."""


class StoreError(NewsDedupError):
    """An index cannot be used as asked: not an index, of another version, or kept busy."""
