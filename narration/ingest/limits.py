"""How much text one book may hold (``TextLimits``): a paragraph over the limit is split, a book
over the limits is refused.

Every later stage costs something per paragraph and per character (sentence splitting, the
chunker, the emotion classifier, the narration script), so a file of one million tiny
paragraphs or of one paragraph of a megabyte tied planning up for minutes and gigabytes. The
byte limits of ``safety.ArchiveLimits`` cannot see either: 5 MB of text holds a million
paragraphs. A text file is checked before it is parsed, while refusing is still cheap; every
book is checked again once read.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from narration.errors import InputError
from narration.ingest.settings import TextLimits
from narration.model import Book, Paragraph

# A sentence end a long paragraph may be split at: ., !, ? or … (closing quotes and brackets
# after it) before a space and a word that does not start in lower case ("Mr. | smith" is
# more likely mid-sentence), or a Japanese/Chinese full stop.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*+\s++(?![a-z])|[。！？][」』）)]*+\s*+")
_SPACE = re.compile(r"\s+")
# A gap of blank lines between two blocks of a text file; a line that starts a block of its own
# with no blank line before it (a list item, a heading).
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_BLOCK_LINE = re.compile(r"^[ \t]{0,3}(?:[-*+]|\d{1,9}[.)]|#{1,6})[ \t]", re.MULTILINE)


def check_text_size(text: str, path: Path, limits: TextLimits) -> None:
    """Refuse a Markdown or text file over the book limits before it is parsed (a million list
    items took Markdown's parser a minute and 2.5 GB). Its blocks stand in for paragraphs:
    runs of lines between blank lines, or list items and headings, whichever are more."""
    _within(path, len(text), limits.book_chars, "characters", "book-chars")
    blocks = max(sum(1 for _ in _BLANK_LINES.finditer(text)) + 1, sum(1 for _ in _BLOCK_LINE.finditer(text)))
    _within(path, blocks, limits.book_paragraphs, "paragraphs", "book-paragraphs")


# Elements that each become a paragraph (or more) of an EPUB, XHTML or HTML: counted before
# the documents are walked (a 19 KB EPUB of a million <p> took 90 s to walk).
_BLOCK_TAGS = tuple(f"{ns}{tag}" for ns in ("", "{http://www.w3.org/1999/xhtml}")
                    for tag in ("p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6"))


def check_markup_size(roots: Iterable[etree._Element], path: Path, limits: TextLimits) -> None:
    """Refuse a book's parsed documents over the book limits before their text is extracted."""
    roots = list(roots)
    _within(path, sum(1 for root in roots for _ in root.iter(*_BLOCK_TAGS)), limits.book_paragraphs, "paragraphs",
            "book-paragraphs")
    _within(path, sum(len(text.strip()) for root in roots for text in root.itertext()), limits.book_chars,
            "characters", "book-chars")


def within_limits(book: Book, path: Path, limits: TextLimits) -> Book:
    """``book`` with every paragraph longer than ``limits.paragraph_chars`` split; InputError if
    it holds more paragraphs or characters than the limits allow."""
    _within(path, sum(len(p.text) for ch in book.chapters for p in ch.paragraphs), limits.book_chars, "characters",
            "book-chars")
    if all(len(p.text) <= limits.paragraph_chars for ch in book.chapters for p in ch.paragraphs):
        chapters = book.chapters
    else:
        chapters = [dataclasses.replace(ch, paragraphs=[part for p in ch.paragraphs
                                                        for part in split_paragraph(p, limits.paragraph_chars)])
                    for ch in book.chapters]
    _within(path, sum(len(ch.paragraphs) for ch in chapters), limits.book_paragraphs, "paragraphs", "book-paragraphs")
    return book if chapters is book.chapters else dataclasses.replace(book, chapters=chapters)


def split_paragraph(paragraph: Paragraph, limit: int) -> list[Paragraph]:
    """The paragraph as paragraphs of at most ``limit`` characters each, cut at the last
    sentence end that fits (in the second half of the part: no sliver of a part), else the last
    space, else (one word that long) at the limit. A scene break after it follows the last part."""
    parts = split_text(paragraph.text, limit)
    if len(parts) == 1:
        return [paragraph]
    last = len(parts) - 1
    return [dataclasses.replace(paragraph, text=part, sentences=[], scene_break=paragraph.scene_break and i == last)
            for i, part in enumerate(parts)]


def split_text(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit + 1]  # a space just past the limit still ends a part
        cut = _last_end(_SENTENCE_END, window, limit // 2) or _last_end(_SPACE, window) or limit
        if part := text[start : start + cut].strip():
            parts.append(part)
        start += cut
    if rest := text[start:].strip():
        parts.append(rest)
    return parts


def _last_end(pattern: re.Pattern[str], window: str, after: int = 0) -> int:
    """Where the last match of ``pattern`` in ``window`` from ``after`` on ends (0: none)."""
    end = 0
    for match in pattern.finditer(window, after):
        end = match.end()
    return min(end, len(window) - 1) if end > 0 else 0


def _within(path: Path, amount: int, limit: int, what: str, flag: str) -> None:
    """InputError naming ``path`` when ``amount`` of ``what`` is over the book's ``limit``."""
    if amount > limit:
        raise InputError(path, f"{amount:,} {what}, over the limit of {limit:,} {what} a book (raise it with --max-{flag})")
