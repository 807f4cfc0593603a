"""A book's narration plan: the parsed book and its synthesis chunks, per chapter.

This is what ``narrate --dry-run`` prints and what the flow executes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narration.ingest import load_book
from narration.model import Book, Chunk
from narration.options import NarrationOptions
from narration.synthesis import backend_class
from narration.text import chunk_book, segment_book


@dataclass
class ChapterPlan:
    index: int
    title: str
    words: int
    chunks: list[Chunk] = field(default_factory=list)


@dataclass
class BookPlan:
    source: Path
    book: Book
    chapters: list[ChapterPlan]

    @property
    def chunks(self) -> list[Chunk]:
        return [c for ch in self.chapters for c in ch.chunks]

    def summary(self) -> dict[str, Any]:
        """The ``--dry-run --json`` document."""
        return {
            "title": self.book.title,
            "authors": self.book.authors,
            "language": self.book.language,
            "chapters": [
                {"title": ch.title, "words": ch.words, "chunks": len(ch.chunks)} for ch in self.chapters
            ],
        }


def plan_book(path: str | Path, options: NarrationOptions) -> BookPlan:
    """Read, segment and chunk a book. Raises InputError for unreadable books."""
    path = Path(path)
    options, _ = options.resolved()
    book = segment_book(load_book(path))
    max_chars = options.max_chars or backend_class(options.backend).max_chars
    chunks = chunk_book(book, max_chars=max_chars)
    chapters = [
        ChapterPlan(index=i, title=ch.title, words=ch.words, chunks=[c for c in chunks if c.chapter == i])
        for i, ch in enumerate(book.chapters)
    ]
    return BookPlan(source=path, book=book, chapters=chapters)
