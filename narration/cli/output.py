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


class ShownFilter(logging.Filter):
    """Log records through ``shown``: a message quoting a book's text or a file name is one line,
    with nothing in it acting on the terminal. On a handler, so Prefect's console gets it too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg, record.args = shown(record.getMessage()), None
        except Exception:  # noqa: BLE001  (a malformed record is the handler's to report, as before)
            pass
        return True


def shown_logs() -> None:
    """Every handler of the root logger filtered through ``ShownFilter``: call it again once
    Prefect, imported, has put its own console handler there."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ShownFilter) for f in handler.filters):
            handler.addFilter(ShownFilter())


def setup_logging(verbose: bool) -> None:
    """Warnings (with --verbose, info too) on stderr, through ``ShownFilter``. Logging set up
    already (a host program's, a test's) is left as it is."""
    if logging.getLogger().handlers:
        return
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    shown_logs()


stderr = Console(stderr=True)


def fail(message: str, code: int = 2) -> int:
    """One line on stderr naming the problem; the exit code to return."""
    say(stderr, f"narrate: error: {message}", soft_wrap=True)
    return code


def hms(seconds: float) -> str:
    """``1:02:03``."""
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
