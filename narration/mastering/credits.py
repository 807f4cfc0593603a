"""Opening and closing credits: a chapter of their own before and after the book.

Distributors (ACX among them) want the title and author spoken in a file of their own at the
start, and the end said in one at the end. Each is planned like the book's text (normalised,
chunked, keyed by its words and the voice), so it is synthesized, checked, retaken and stored
through the same take path as every chunk, and mastered like every chapter.

Their chapters are numbered around the book's: the opening one -1 (file ``00 - Opening
credits``), the closing one after the last chapter, so the book's own chapter files keep their
numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from narration.errors import ConfigError
from narration.language import primary_language
from narration.model import Book, Chapter, Chunk, Paragraph

OPENING_TITLE = "Opening credits"
CLOSING_TITLE = "Closing credits"


def credit_lines(book: Book) -> tuple[str, str]:
    """What the opening and closing credits say, in the book's language."""
    language = primary_language(book.language)
    if language == "en":
        by = f", written by {' and '.join(book.authors)}" if book.authors else ""
        return f"This is {book.title}{by}.", "The end."
    if language == "ja":
        by = f"、{'・'.join(book.authors)}作" if book.authors else ""
        return f"「{book.title}」{by}。", "おわり。"
    raise ConfigError(f"credits are written in English and Japanese; this book is in {book.language!r}")


def credit_chunks(book: Book, max_chars: int, lexicon: Mapping[str, str] | None) -> tuple[list[Chunk], list[Chunk]]:
    """The opening and closing credits as chunks (chapter -1 and the one after the book's last),
    normalised and cut as the book's text is; indices from 0, to be renumbered in book order."""
    from narration.text import chunk_book, segment_book

    opening, closing = credit_lines(book)
    credits = Book(title=book.title, language=book.language,
                   chapters=[Chapter("", [Paragraph(opening)]), Chapter("", [Paragraph(closing)])])
    chunks = chunk_book(segment_book(credits), max_chars=max_chars, lexicon=lexicon)
    last = len(book.chapters)
    return ([dataclasses.replace(c, chapter=-1) for c in chunks if c.chapter == 0],
            [dataclasses.replace(c, chapter=last) for c in chunks if c.chapter == 1])
