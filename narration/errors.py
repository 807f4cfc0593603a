"""Errors the user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations

from pathlib import Path


class NarrationError(Exception):
    """Base class for every error that is the input's or the user's fault, not a bug."""


class InputError(NarrationError):
    """A book file that cannot be read: names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ConfigError(NarrationError):
    """A bad option: unknown backend, voice, format, model..."""


class BookLocked(NarrationError):
    """Another run holds the book's output folder. The CLI exits 3 (not 2: nothing is wrong with
    the input; run again later, or with --wait)."""

    exit_code = 3

    def __init__(self, root: str | Path, holder: str) -> None:
        self.root = str(root)
        self.holder = holder  # "pid N on host H since ..."
        super().__init__(f"{self.root}: already being narrated by {holder}; run again when it ends (or with --wait)")
