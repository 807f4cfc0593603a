"""Commands and runners that live outside ``narration`` (the Prefect ones in ``flows/``), found
through entry points so that ``narration`` never imports them: ``narration.commands`` (a command
module: ``NAME``, ``HELP``, ``add_arguments``, ``run``) and ``narration.runners`` (another way to
execute the planned books of ``narrate run``: ``add_arguments``, ``problem``, ``wanted``, ``run``,
``cancel``)."""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points
from typing import Any

log = logging.getLogger(__name__)

COMMANDS_GROUP = "narration.commands"
RUNNERS_GROUP = "narration.runners"


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
