"""Book files -> ``Book``: picks the reader by file suffix."""

from __future__ import annotations

from pathlib import Path

from narration.display import clean_text, clean_title
from narration.errors import InputError
from narration.ingest.block_kinds import BlockRules, leave_out_by_content
from narration.ingest.frontmatter import cut_trailing_title_pages
from narration.ingest.language import METADATA, with_language
from narration.ingest.limits import within_limits
from narration.ingest.settings import IngestOptions
from narration.model import Book

EPUB_SUFFIXES = (".epub",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
TEXT_SUFFIXES = (".txt",)
BOOK_SUFFIXES = EPUB_SUFFIXES + MARKDOWN_SUFFIXES + TEXT_SUFFIXES


def load_book(path: str | Path, options: IngestOptions | None = None) -> Book:
    """Read an EPUB, Markdown or plain-text book; raises InputError naming the file if it can't
    or if it holds more text than ``options.limits`` allow (a paragraph too long is split). Its
    language is decided from its text and its metadata (``narration.ingest.language``)."""
    options = options or IngestOptions()
    path = Path(path)
    return within_limits(_load(path, options), path, options.limits)


def _load(path: Path, options: IngestOptions) -> Book:
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, not a book file")
    book = leave_out_by_content(without_control_characters(_read(path, options)), BlockRules(keep=options.keep))
    book.omitted += cut_trailing_title_pages(book.chapters, options.keep)
    # After the content pass: a licence in English does not make a French book English.
    return with_language(book, book.language if book.language_source == METADATA else "")


def without_control_characters(book: Book) -> Book:
    """Titles and paragraphs without terminal escapes and control or format characters, whatever
    the reader let through (``narration.display``): nothing of the kind is spoken or written."""
    book.title = clean_title(book.title)
    book.authors = [clean_title(a) for a in book.authors]
    book.structure = clean_title(book.structure)
    for chapter in book.chapters:
        chapter.title = clean_title(chapter.title)
        for paragraph in chapter.paragraphs:
            paragraph.text = clean_text(paragraph.text)
    return book


def _read(path: Path, options: IngestOptions) -> Book:
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
