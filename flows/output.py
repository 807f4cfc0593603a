"""What the CLI prints, through one door: every line, table cell, JSON document and log record
that may hold a book's or a user's text goes through ``narration.display``, so no terminal
escape, bidi override or rich markup in a title or a file name acts on the terminal."""

from __future__ import annotations

import logging
from typing import Any

from rich.console import Console
from rich.text import Text

from narration.display import json_shown, shown


def plain(text: object, style: str = "") -> Text:
    """Text that may hold a book's or a user's words (a title, a file name, an error naming one),
    as rich prints it: markup and emoji codes shown as written, and terminal escapes, bidi
    overrides and other control characters as visible escapes (``narration.display.shown``)."""
    return Text(shown(str(text)), style=style)


def say(console: Console, text: object, **kwargs: Any) -> None:
    """Print a line through ``plain``."""
    console.print(plain(text), highlight=False, **kwargs)


def dump_json(value: Any) -> None:
    """A JSON document on stdout, with no control character raw in it (``json_shown``)."""
    print(json_shown(value, indent=2))


class ShownFormatter(logging.Formatter):
    """Log lines through ``shown``: a message quoting a book's text is one line, with no escapes."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  (logging's name)
        return shown(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return "\n".join(map(shown, super().formatException(ei).splitlines()))


def setup_logging(verbose: bool) -> None:
    """Warnings (with --verbose, info too) on stderr through ``ShownFormatter`` (unless logging
    is set up already: a host program's or a test's own handlers stay)."""
    handler = logging.StreamHandler()
    handler.setFormatter(ShownFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
