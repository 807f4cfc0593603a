"""``--chapters``: which of a plan's chapters a run makes, named as the dry-run shows them.

A selection is a comma-separated list of items: a chapter's number (``7``), a range of numbers
(``1-3``) or a chapter's title as the dry-run prints it (``Great and Small``, compared ignoring
case and runs of spaces). Numbers count the plan's chapters from 1 in the dry-run's order, the
opening credits first when ``--credits`` adds them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from narration.errors import InputError

_RANGE = re.compile(r"(\d+)\s*(?:-\s*(\d+))?")


def parse_selection(text: str) -> list[tuple[int, int] | str]:
    """The items of a selection: (first, last) number ranges and titles; ValueError when empty."""
    items: list[tuple[int, int] | str] = []
    for raw in text.split(","):
        item = " ".join(raw.split())
        if not item:
            continue
        if match := _RANGE.fullmatch(item):
            first = int(match[1])
            items.append((first, int(match[2]) if match[2] else first))
        else:
            items.append(item)
    if not items:
        raise ValueError(f"no chapter in {text!r}: give numbers, ranges or titles, e.g. 1-3,7")
    return items


def select_chapters(text: str, titles: Sequence[str], source: str | Path) -> list[int]:
    """The positions (0-based, in plan order) of the chapters ``text`` names among ``titles``,
    in plan order; InputError naming ``source`` for a number out of range or an unknown title."""
    try:
        items = parse_selection(text)
    except ValueError as exc:
        raise InputError(source, f"--chapters: {exc}") from None
    count = len(titles)
    by_title: dict[str, int] = {}
    for n, title in enumerate(titles):
        by_title.setdefault(" ".join(title.split()).casefold(), n)
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, str):
            if item.casefold() not in by_title:
                raise InputError(source, f"--chapters: no chapter is titled {item!r} (the dry-run lists the titles)")
            chosen.add(by_title[item.casefold()])
            continue
        first, last = item
        if not 1 <= first <= last <= count:
            shown = f"{first}" if first == last else f"{first}-{last}"
            raise InputError(source, f"--chapters: {shown} is not a chapter number or range of this book: "
                             f"it has {count} chapter{'s' if count != 1 else ''}, numbered 1-{count} in the dry-run")
        chosen.update(range(first - 1, last))
    return sorted(chosen)
