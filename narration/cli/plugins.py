"""Commands and runners that live outside ``narration`` (the Prefect ones in ``flows/``), found
through entry points so that ``narration`` never imports them: ``narration.commands`` (a command
module: ``NAME``, ``HELP``, ``add_arguments``, ``run``) and ``narration.runners`` (another way to
execute the planned books of ``narrate run``: ``add_arguments``, ``problem``, ``wanted``, ``run``,
``cancel``)."""

from __future__ import annotations

import argparse
import logging
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

COMMANDS_GROUP = "narration.commands"
RUNNERS_GROUP = "narration.runners"


class Command(Protocol):
    """A command module (``narration/cli/status.py``, ``flows/serve_command.py``)."""

    NAME: str
    HELP: str  # one line, in ``narrate --help``

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...
    def run(self, args: argparse.Namespace) -> int: ...  # the exit code


class Runner(Protocol):
    """Another way to execute ``narrate run``'s planned books (``flows/runner.py``)."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...
    def problem(self, args: argparse.Namespace) -> str | None: ...  # its flags checked before anything runs
    def wanted(self, args: argparse.Namespace) -> bool: ...  # whether the flags and environment ask for it
    def run(self, planned: list[tuple[Any, Any]], out: Path, options: Any, progress: Any) -> tuple[list, list]: ...
    def cancel(self, message: str) -> None: ...  # after a signal stopped the run


@cache
def loaded(group: str) -> tuple[Any, ...]:
    """The objects registered under ``group``, by name; one that fails to import (its package
    installed without its dependencies) is left out with a warning, so the rest still works."""
    found = []
    for point in sorted(entry_points(group=group), key=lambda p: p.name):
        try:
            found.append(point.load())
        except ImportError as exc:
            log.warning("%s %s (%s) left out: %s", group, point.name, point.value, exc)
    return tuple(found)
