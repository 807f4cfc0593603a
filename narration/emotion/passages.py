"""A book's passages for the emotion stage: one per paragraph, marked dialogue or narration.

Quoted speech carries a character's emotion; narration carries the narrator's, which should
stay calm. A paragraph counts as dialogue when quoted speech makes up much of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from narration.model import Book

# Quoted spans: “…”, "…", ‘…’ (an apostrophe inside, as in ‘don’t’, does not close it),
# 「…」 and 『…』. A quote still open at the paragraph's end runs to the end: fiction leaves the
# closing mark off when one speech continues into the next paragraph.
_QUOTED = re.compile(
    r"“[^”]*(?:”|$)"
    r'|"[^"]*(?:"|$)'
    r"|(?:(?<=^)|(?<=[\s(\[—–-]))‘(?:[^’]|’(?=\w))*(?:’|$)"
    r"|「[^」]*(?:」|$)"
    r"|『[^』]*(?:』|$)"
)

#: Share of a paragraph's characters inside quotes from which it counts as dialogue.
DIALOGUE_SHARE = 0.4


@dataclass(frozen=True)
class Passage:
    chapter: int  # 0-based chapter index
    paragraph: int  # 0-based paragraph index within the chapter
    text: str
    is_dialogue: bool


def quoted_share(text: str) -> float:
    """Fraction of the non-space characters of ``text`` that lie inside quotation marks."""
    total = sum(not c.isspace() for c in text)
    if not total:
        return 0.0
    quoted = sum(sum(not c.isspace() for c in m.group()) for m in _QUOTED.finditer(text))
    return quoted / total


def is_dialogue(text: str) -> bool:
    return quoted_share(text) >= DIALOGUE_SHARE


def book_passages(book: Book) -> list[Passage]:
    """Every paragraph of ``book`` in reading order (titles are not passages)."""
    return [
        Passage(c, p, paragraph.text, is_dialogue(paragraph.text))
        for c, chapter in enumerate(book.chapters)
        for p, paragraph in enumerate(chapter.paragraphs)
    ]
