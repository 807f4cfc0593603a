"""Opening and closing credits: a chapter of their own before and after the book.

Distributors (ACX among them) want the title and author spoken in a file of their own at the
start, and the end said in one at the end. Each is a chapter of the book before it is chunked
(``narration.run.plan`` chunks them with the book's own, in one pass), so it is normalised,
keyed, synthesized, checked, retaken and stored through the same take path as every chunk, and
mastered like every chapter.

Their chapters are numbered around the book's: the opening one -1 (file ``00 - Opening
credits``), the closing one after the last chapter, so the book's own chapter files keep their
numbers.
"""

from __future__ import annotations

from narration.errors import ConfigError
from narration.language import primary_language
from narration.model import Book, Chapter, Paragraph

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


def credit_chapters(book: Book) -> tuple[Chapter, Chapter]:
    """The opening and closing credits as untitled chapters of one paragraph each, read in the
    book's language: what the plan puts before the book's first chapter and after its last."""
    opening, closing = credit_lines(book)
    return Chapter("", [Paragraph(opening)]), Chapter("", [Paragraph(closing)])
