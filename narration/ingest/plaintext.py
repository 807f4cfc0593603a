"""Plain-text books (``.txt``) -> ``Book``; Project Gutenberg editions above all.

The file is cut into paragraph blocks (``text_blocks``); the Gutenberg boilerplate and the
metadata at the top come off; credits, transcriber's notes, contents and colophon are marked
(``text_furniture``); chapter headings are found (``text_headings``) and the text after them
made into chapters (``text_chapters``, whose paragraphs, notes and captions come from
``text_paragraphs``). Each of those modules states its own rules. This one's:

- **Gutenberg boilerplate**: everything before ``*** START OF ... ***`` and from ``*** END OF
  ...`` (or the older "End of the Project Gutenberg EBook of ...") on is left out as
  ``licence`` (``--keep licence`` reads the header first and the licence as a last chapter);
  the header's Title/Author/Language lines are the book's metadata. A file without a header
  may open with such "Title: ..." lines: they are metadata too.
- **Aozora Bunko** files (Japanese): the title and author lines at the top are metadata, and
  the notation legend between dashed lines is left out (``transcriber-notes``).
- A ``.txt`` file written in Markdown (YAML front matter, ``#`` headings) is read by the
  Markdown reader. A book nothing names is named after its file.

Every book records what was left out in ``Book.omitted`` (``file:line``) and how its chapters
were found in ``Book.structure``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from narration.errors import InputError
from narration.ingest import gutenberg
from narration.ingest.frontmatter import cut_printer_colophon
from narration.ingest.language import METADATA
from narration.ingest.markdown import detect_language
from narration.ingest.omissions import LICENCE, TITLE_PAGE, TRANSCRIBER_NOTES
from narration.ingest.text_blocks import (
    BREAK,
    MARKER,
    TEXT,
    Block,
    Reader,
    clean_text,
    split_blocks,
)
from narration.ingest.text_chapters import build_chapters, title_page_names
from narration.ingest.text_furniture import (
    mark_colophon,
    mark_contents,
    mark_credits,
    mark_transcriber_notes,
)
from narration.ingest.limits import check_text_size
from narration.ingest.text_headings import find_headings
from narration.ingest.textfile import Casing, book_casing, read_text, title_from_name
from narration.model import Book, Chapter, Paragraph
from narration.ingest.settings import IngestOptions


def load_text(path: Path, options: IngestOptions | None = None) -> Book:
    """Read a plain-text book; paragraphs get ``text``, ``sentences`` stay empty."""
    path = Path(path)
    options = options or IngestOptions()
    source = read_text(path, "plain text")
    check_text_size(source, path, options.limits)
    if _is_markdown(source):
        from narration.ingest.markdown import load_markdown

        book = load_markdown(path, options)
        book.structure = f"Markdown in a .txt file; {book.structure}"
        return book
    reader = Reader(path, options)
    blocks = split_blocks(source.split("\n"))
    if not any(b.kind == TEXT for b in blocks):
        raise InputError(path, "no readable text")
    return _read(reader, blocks)


_ATX_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_YAML_KEY = re.compile(r"^(?:title|author|authors|lang|language)\s*:", re.IGNORECASE)


def _is_markdown(source: str) -> bool:
    """A .txt file written in Markdown: YAML front matter (a title or author key between ``---``
    lines at the top), or ``#`` headings (two or more, or one at the very top); never a file
    with Gutenberg markers."""
    lines = source.split("\n")
    if any(gutenberg.is_start(line) or gutenberg.is_end(line) for line in lines if "*" in line or "end" in line.lower()):
        return False
    if lines[0].strip() == "---":
        close = next((k for k in range(1, min(len(lines), 40)) if lines[k].strip() in ("---", "...")), None)
        if close is not None and any(_YAML_KEY.match(line) for line in lines[1:close]):
            return True
    headings = _ATX_HEADING.findall(source)
    return len(headings) >= 2 or bool(headings and _ATX_HEADING.match(source.lstrip()))


def _read(reader: Reader, blocks: list[Block]) -> Book:
    """The book in ``blocks``: boilerplate and metadata off, furniture marked, chapters found."""
    path, options = reader.path, reader.options
    texts = [b.raw for b in blocks]
    start, end = gutenberg.body_span(texts)
    is_gutenberg = start > 0 or end < len(blocks) or any(b.kind == MARKER for b in blocks)
    meta = gutenberg.header_metadata([b.raw for b in blocks[:start]])
    keep_licence = LICENCE in options.keep
    header, footer = blocks[:start], [b for b in blocks[end:] if b.kind != MARKER]
    if not keep_licence:
        reader.omit(LICENCE, [b for b in header if b.kind != MARKER])
        reader.omit(LICENCE, footer)
    body = blocks[start:end]

    title, authors, language = meta.title, list(meta.authors), meta.language
    body, aozora = _aozora_front(reader, body)
    if aozora:
        title = title or aozora[0]
        authors = authors or aozora[1:]
    body, fields = _leading_fields(reader, body, is_gutenberg)
    title = title or fields.title
    authors = authors or list(fields.authors)
    language = language or fields.language
    named = bool(title)
    title = title or title_from_name(path)
    reader.blocks = body
    declared = language
    reader.language = language or detect_language("\n".join(b.text for b in body[:400] if b.kind == TEXT))
    reader.casing = book_casing(reader.language, [b.text for b in body if b.kind == TEXT])

    mark_credits(reader, is_gutenberg)
    mark_transcriber_notes(reader)
    mark_contents(reader)
    mark_colophon(reader)
    headings = find_headings(reader)
    chapters, structure = build_chapters(reader, headings, title, authors)
    if not named and reader.title_page:
        title, authors = _named_by_title_page(reader.title_page, chapters, title, authors, reader.casing)
    if keep_licence and (header or footer):
        chapters = _with_licence(reader, chapters, header, footer, title)
    if not any(ch.paragraphs for ch in chapters):
        raise InputError(path, "no readable text (only headings, illustrations or Project Gutenberg's licence)")
    if is_gutenberg:
        structure = f"Project Gutenberg plain text; {structure}"
    if cut := cut_printer_colophon(chapters, options.keep):
        reader.omitted.append(cut)
    reader.omitted.sort(key=lambda item: int(item.where.rsplit(":", 1)[1]))
    return Book(
        title=title,
        authors=authors,
        language=reader.language,
        language_source=METADATA if declared else "",
        chapters=chapters,
        source=str(path),
        omitted=reader.omitted,
        structure=structure,
    )


_FIELD_LINE = re.compile(
    r"^\s*(?:title|author|authors|translator|translated by|editor|illustrator|language|release date|"
    r"posting date|last updated|date|year|credits|produced by)\s*:",
    re.IGNORECASE,
)


@dataclass
class _Fields:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""


def _leading_fields(reader: Reader, body: list[Block], is_gutenberg: bool) -> tuple[list[Block], _Fields]:
    """"Title: ... / Author: ..." paragraphs at the very top of a file that has no Gutenberg
    header (a header cut short, or a text someone labelled): metadata, not narration."""
    fields = _Fields()
    taken = 0
    for block in body:
        if block.kind != TEXT or not _FIELD_LINE.match(block.lines[0]):
            break
        meta = gutenberg.header_metadata([block.raw])
        fields.title = fields.title or meta.title
        fields.authors = fields.authors or meta.authors
        fields.language = fields.language or meta.language
        taken += 1
    if taken:
        reader.omit(LICENCE if is_gutenberg else TITLE_PAGE, body[:taken])
    return body[taken:], fields


def _aozora_front(reader: Reader, body: list[Block]) -> tuple[list[Block], list[str]]:
    """Aozora Bunko: title (and author) lines, then the notation legend between dashed lines."""
    for i, block in enumerate(body[:6]):
        if block.kind == BREAK and i + 1 < len(body) and "【テキスト中に現れる記号について】" in body[i + 1].raw:
            close = next((j for j in range(i + 1, min(len(body), i + 30)) if body[j].kind == BREAK), None)
            if close is None:
                return body, []
            head = [line.strip() for b in body[:i] for line in b.lines if line.strip()]
            reader.omit(TITLE_PAGE, body[:i])
            reader.omit(TRANSCRIBER_NOTES, [b for b in body[i : close + 1] if b.kind != BREAK])
            return body[close + 1 :], head
    return body, []


def _named_by_title_page(
    page: list[str], chapters: list[Chapter], title: str, authors: list[str], casing: Casing
) -> tuple[str, list[str]]:
    """No header named the book: its title page does ("THE TWO HARBOURS" / "by Iris Calloway"),
    and the chapter named after the book takes that name too."""
    page_title, page_authors = title_page_names(page, casing)
    if page_title:
        for chapter in chapters:
            chapter.title = page_title if chapter.title == title else chapter.title
        title = page_title
    return title, authors or page_authors


def _with_licence(reader: Reader, chapters: list[Chapter], header: list[Block], footer: list[Block], title: str) -> list[Chapter]:
    """``--keep licence``: the header read first, the licence as a last chapter."""
    head = [Paragraph(clean_text(b.text)) for b in header if b.kind == TEXT]
    if head:
        chapters = [Chapter(title, head, f"{reader.path.name}:{header[0].line}")] + chapters
    tail = [Paragraph(clean_text(b.text)) for b in footer if b.kind == TEXT]
    if tail:
        chapters.append(Chapter("The Project Gutenberg License", tail, f"{reader.path.name}:{footer[0].line}"))
    return chapters
