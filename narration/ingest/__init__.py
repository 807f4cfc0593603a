"""Book files -> ``Book``: picks the reader by file suffix."""

from __future__ import annotations

from pathlib import Path

from narration.errors import InputError
from narration.model import Book

EPUB_SUFFIXES = (".epub",)
MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
BOOK_SUFFIXES = EPUB_SUFFIXES + MARKDOWN_SUFFIXES


def load_book(path: str | Path) -> Book:
    """Read an EPUB, Markdown or plain-text book; raises InputError naming the file if it can't."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, not a book file")
    suffix = path.suffix.lower()
    # Readers are imported on use so that one reader's heavy imports don't tax the other.
    if suffix in EPUB_SUFFIXES:
        from narration.ingest.epub import load_epub

        return load_epub(path)
    if suffix in MARKDOWN_SUFFIXES:
        from narration.ingest.markdown import load_markdown

        return load_markdown(path)
    kind = f"'{path.suffix}'" if path.suffix else "no suffix"
    raise InputError(path, f"unsupported book type ({kind}); expected one of {', '.join(BOOK_SUFFIXES)}")
