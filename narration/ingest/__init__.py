"""Book files -> ``Book``: picks the reader by file suffix."""

from __future__ import annotations

from pathlib import Path

from narration.errors import InputError
from narration.model import Book
from narration.options import IngestOptions

EPUB_SUFFIXES = (".epub",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
BOOK_SUFFIXES = EPUB_SUFFIXES + MARKDOWN_SUFFIXES + TEXT_SUFFIXES


def load_book(path: str | Path, options: IngestOptions | None = None) -> Book:
    """Read an EPUB, Markdown or plain-text book; raises InputError naming the file if it can't.
    Its language is decided from its text and its metadata (``narration.ingest.language``)."""
    from narration.ingest.language import METADATA, with_language

    book = _read(path, options)
    return with_language(book, book.language if book.language_source == METADATA else "")


def _read(path: str | Path, options: IngestOptions | None = None) -> Book:
    """The book as its reader makes it: ``language_source`` is "metadata" where it declares one."""
    options = options or IngestOptions()
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, not a book file")
    suffix = path.suffix.lower()
    # Readers are imported on use so that one reader's heavy imports don't tax the other.
    if suffix in EPUB_SUFFIXES:
        from narration.ingest.epub import load_epub

        return load_epub(path, options)
    if suffix in MARKDOWN_SUFFIXES:
        from narration.ingest.markdown import load_markdown

        return load_markdown(path, options)
    if suffix in TEXT_SUFFIXES:
        from narration.ingest.plaintext import load_text

        return load_text(path, options)
    kind = f"'{path.suffix}'" if path.suffix else "no suffix"
    raise InputError(path, f"unsupported book type ({kind}); expected one of {', '.join(BOOK_SUFFIXES)}")
