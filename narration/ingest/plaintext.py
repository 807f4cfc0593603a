"""Plain-text books (``.txt``) -> ``Book``; Project Gutenberg editions above all.

What a plain-text edition looks like, and what this reader does with each part:

- **Paragraphs** are separated by blank lines; their lines are hard-wrapped (~70 characters)
  and joined with spaces (no space between two Japanese characters). A file with no blank
  lines at all gives one paragraph per line, or, when its lines are hard-wrapped, paragraphs
  that start at indented lines or end at short lines. Gutenberg's ``_italic_`` underscores
  are dropped.
- **Gutenberg boilerplate**: everything before ``*** START OF ... ***`` and from ``*** END OF
  ...`` (or the older "End of the Project Gutenberg EBook of ...") on is left out as
  ``licence``; the header's Title/Author/Language lines are the book's metadata. "Produced
  by ..." credits after the START line and "Transcriber's Note" blocks are
  ``transcriber-notes``; other paragraphs that speak of Project Gutenberg before the first
  chapter are ``licence`` too.
- **Chapter headings** are short paragraphs (one or two lines) that carry a label:
  ``CHAPTER I.``, ``Chapter 1``, ``CHAPTER XII. The Title``, ``BOOK ONE``, ``PART I``,
  ``VOLUME II``, ``STAVE ONE``, ``LETTER 4``, a Roman or Arabic numeral alone (``IV.``; only
  when a book has two or more of these), ``PREFACE``, ``INTRODUCTION``, ``EPILOGUE``...,
  Japanese ``第一章`` or a kanji numeral alone, and Aozora Bunko's ``［＃「一」は中見出し］``.
  A label alone may be followed by a separate short title paragraph (all capitals or in title
  case, not a sentence): the chapter title joins them, ``Chapter I. Down the Rabbit-Hole``.
  All-capital labels and titles are title-cased (``CHAPTER I. A SCANDAL IN BOHEMIA`` ->
  ``Chapter I. A Scandal in Bohemia``); mixed-case ones are kept as written.
- **A heading starts a chapter only when prose follows it.** A heading followed by another
  heading is either a container (BOOK/PART/VOLUME, Japanese 部/巻, Aozora 大見出し) or a table
  of contents entry. A container's title becomes the prefix of its first chapter's title
  (``Book One: Chapter I``), the way the EPUB reader names the first chapter of a volume; it
  is spoken once, as part of that chapter's announced title, and is not repeated as a
  paragraph. Other headings with no prose are table-of-contents entries and are left out
  (``contents``). A container with prose of its own (an introduction, an epigraph) is a
  chapter of its own.
- **Tables of contents**: a ``CONTENTS`` (or ``LIST OF ILLUSTRATIONS``) paragraph and the
  list lines after it, up to the first heading that prose follows, are left out
  (``contents``), page numbers and all.
- **Front matter**: text before the first chapter heading that is a title page
  (``frontmatter.looks_like_title_page``) or copyright lines is left out (``title-page``,
  ``copyright``); prose there (a preface with no heading) is kept as a first chapter named
  after the book. A book with no chapter headings at all is one chapter named after its title.
- **Scene breaks** (``* * *``, ``*****``, ``---``, ``~ ~ ~``, a lone ``*``...): the paragraph
  before gets ``scene_break=True`` (never a chapter's last paragraph).
- **Illustrations** (``[Illustration]``, ``[Illustration: caption, maybe over several
  lines]``) are left out (``captions``) unless ``captions`` is kept; a chapter label inside a
  caption (illustrated editions print "Chapter I." in the picture) still starts the chapter.
- **Footnotes** (``[Footnote 1: ...]``, ``[Footnote A: ...]``) are notes: skipped (recorded as
  ``notes``), or read inline or at the chapter's end (``narration.ingest.notes``). Their
  markers (``[1]``, ``[A]``) are taken out of the text in every mode.
- **Aozora Bunko** files (Japanese): the title and author lines at the top are metadata, the
  notation legend between dashed lines is left out (``transcriber-notes``), and the
  ``底本：`` colophon at the end too (``colophon``).

Every book records what was left out in ``Book.omitted`` (``file:line``) and how its chapters
were found in ``Book.structure``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from narration.errors import InputError
from narration.ingest import gutenberg
from narration.ingest.frontmatter import is_copyright_line, looks_like_title_page
from narration.ingest.markdown import detect_language, heading_label, split_authors
from narration.ingest.notes import MarkedParagraph, place_notes
from narration.ingest.omissions import (
    CAPTIONS,
    COLOPHON,
    CONTENTS,
    COPYRIGHT,
    LICENCE,
    NOTES,
    TITLE_PAGE,
    TRANSCRIBER_NOTES,
    omission,
)
from narration.ingest.textfile import SMALL_WORDS, is_caps, is_cjk, join_lines, read_text, title_case
from narration.model import Book, Chapter, Omission, Paragraph
from narration.options import IngestOptions

# --- kinds of block -----------------------------------------------------------------------------

TEXT = "text"
SPECIAL = "special"  # a bracketed block: [Illustration: ...], [Footnote 1: ...], [Sidenote: ...]
BREAK = "break"  # a scene-break line
MARKER = "marker"  # a Gutenberg START/END line

_SPECIAL_OPEN = re.compile(
    r"^\s*\[\s*_?(?P<kind>illustrations?|footnote|sidenote|transcriber['’]?s?\s+notes?|blank\s+page|note)\b",
    re.IGNORECASE,
)
# A scene break: a line of nothing but break characters (three or more of a line-drawing one).
_BREAK_LINE = re.compile(r"^\s*(?:[*·•~#⁂◇◆○●☆★＊※]\s*)+$|^\s*(?:[-–—_=]\s*){3,}$")
# A picture's file name left behind by a conversion ("0023m"): not text.
_IMAGE_NAME = re.compile(r"^\d{3,5}[a-z]$|^[\w-]+\.(?:jpe?g|png|gif)\b(?:\s*\(\d+K\))?$|^(?:Full Size|cover)$", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^\[\s*footnote\s+(?P<label>\d{1,4}[a-z]?|[A-Za-z]|\*+|[†‡§])\s*[:.]?\s*(?P<text>.*?)\s*\]?$", re.IGNORECASE | re.DOTALL)
_ILLUSTRATION = re.compile(r"^\[\s*_?illustrations?_?\s*[:.]?\s*(?P<text>.*?)\s*\]?$", re.IGNORECASE | re.DOTALL)
_INLINE_ILLUSTRATION = re.compile(r"\[\s*illustrations?\b[^\]]*\]", re.IGNORECASE)
# Gutenberg's _italics_ ("7_s_. 6_d_." and "_word_12" too: a numeral may touch the marks).
_ITALIC = re.compile(r"(?<![^\W\d_])_(?=\S)([^_]+?)(?<=\S)_(?![^\W\d_])")
_AOZORA_NOTE = re.compile(r"※?［＃[^］\n]*］")
_AOZORA_HEADING = re.compile(r"［＃「[^」]*」は(大|中|小)見出し］")
_CONTENTS_LINE = re.compile(
    r"^\W*(?:table\s+of\s+)?contents?(?:\s+(?:of\s+)?(?:the\s+)?(?:volume|vol\.|part|book)\s+\S+)?\W*$"
    r"|^\W*(?:list\s+of\s+)?(?:illustrations|plates|full-page\s+illustrations|figures)\W*$"
    r"|^(?:目次|もくじ)$",
    re.IGNORECASE,
)
_PAGE_NUMBER = re.compile(r"(?:\.\s*|\s{2,}|\s)(?:\d{1,4}|[ivxlc]{1,6})\s*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[a-z\u00e0-\u00ff,;'’\")\]][.!?…]['\"”’)\]]*(?:\s|$)")
_CONTAINER_KINDS = {"part", "book", "volume", "部", "巻", "大見出し"}
_KANJI_NUMBER = re.compile(r"^[一二三四五六七八九十百〇零]+[\s　.．、]*$|^[０-９]+[\s　.．、]*$")
_JA_PART = re.compile(r"^[上中下][\s　]+\S")
_FIELD_LINE = re.compile(
    r"^\s*(?:title|author|authors|translator|translated by|editor|illustrator|language|release date|"
    r"posting date|last updated|date|year|credits|produced by)\s*:",
    re.IGNORECASE,
)
_FRONT_PG = re.compile(r"project\s+gutenberg|gutenberg\.org|\be-?texts?\b|\bpglaf\b|small\s+print", re.IGNORECASE)
_ENDNOTE = re.compile(r"^\[(?P<label>\d{1,4}[a-z]?|[A-Z])\]\s+(?P<text>\S.*)$", re.DOTALL)
_FOOTNOTES_LABEL = re.compile(r"^\W*(?:foot-?notes?|notes?)\s*[:.]?\s*$", re.IGNORECASE)

MAX_HEADING_LINES = 2
MAX_HEADING_CHARS = 100
MAX_SPECIAL_LINES = 80  # a [Illustration: ...] left open ends at its paragraph after this many lines
TRANSCRIBER_SCAN = 12  # paragraphs a "Transcriber's Notes" label takes with it at most


@dataclass
class _Block:
    lines: list[str]  # as in the file, indentation kept; never blank
    line: int  # 1-based number of the first line
    kind: str = TEXT
    gap: int = 0  # blank lines before it

    @property
    def text(self) -> str:
        return " ".join(join_lines([line.strip() for line in self.lines]).split())

    @property
    def raw(self) -> str:
        return "\n".join(line.strip() for line in self.lines)


@dataclass
class _Heading:
    kind: str  # heading_label's kind: "chapter", "part", "number"...
    title: str  # as it will be shown
    line: int
    blocks: list[int]  # indices of the blocks it is made of (label, title)


@dataclass
class _Reader:
    path: Path
    options: IngestOptions
    blocks: list[_Block] = field(default_factory=list)
    omitted: list[Omission] = field(default_factory=list)
    # index -> omission kind, for blocks left out (or, with --keep, read as text)
    dropped: dict[int, str] = field(default_factory=dict)
    language: str = "en"
    # Entries of the table of contents (normalised), and where the contents ended: a short
    # paragraph after it that repeats an entry is a heading even without a label.
    toc_entries: set[str] = field(default_factory=set)
    toc_end: int = -1
    title_page: list[str] = field(default_factory=list)  # its lines, when one was left out

    def where(self, block: _Block) -> str:
        return f"{self.path.name}:{block.line}"

    def omit(self, kind: str, blocks: Iterable[_Block], texts: Iterable[str] | None = None) -> None:
        blocks = list(blocks)
        if not blocks:
            return
        if texts is None:
            texts = [b.text for b in blocks]
        self.omitted.append(omission(kind, self.where(blocks[0]), texts))


def load_text(path: Path, options: IngestOptions | None = None) -> Book:
    """Read a plain-text book; paragraphs get ``text``, ``sentences`` stay empty."""
    path = Path(path)
    options = options or IngestOptions()
    source = read_text(path, "plain text")
    if _is_markdown(source):
        from narration.ingest.markdown import load_markdown

        book = load_markdown(path, options)
        book.structure = f"Markdown in a .txt file; {book.structure}"
        return book
    reader = _Reader(path, options)
    blocks = _split_blocks(source.split("\n"))
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


# --- lines -> blocks ----------------------------------------------------------------------------


def _split_blocks(lines: list[str]) -> list[_Block]:
    """Paragraph-sized blocks: text between blank lines, bracketed notes and captions (which may
    hold blank lines), scene-break lines and Gutenberg marker lines, each a block of its own."""
    blocks: list[_Block] = []
    current: _Block | None = None
    gap = 0
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            current = None
            gap += 1
            i += 1
            continue
        if _SPECIAL_OPEN.match(stripped):
            end = _bracket_end(lines, i)
            body = [ln.rstrip() for ln in lines[i : end + 1] if ln.strip()]
            blocks.append(_Block(body, i + 1, SPECIAL, gap))
            current, gap, i = None, 0, end + 1
            continue
        if _BREAK_LINE.match(stripped) or gutenberg.is_start(stripped) or gutenberg.is_end(stripped):
            kind = BREAK if _BREAK_LINE.match(stripped) else MARKER
            marker = [line]
            # A long marker wrapped onto a second line ("... SHERLOCK\nHOLMES ***").
            if kind == MARKER and not stripped.endswith("***") and i + 1 < len(lines) and lines[i + 1].rstrip().endswith("***"):
                marker.append(lines[i + 1].rstrip())
            blocks.append(_Block(marker, i + 1, kind, gap))
            current, gap, i = None, 0, i + len(marker)
            continue
        if current is None:
            current = _Block([], i + 1, TEXT, gap)
            blocks.append(current)
            gap = 0
        current.lines.append(line)
        i += 1
    return _resplit(blocks, lines)


def _bracket_end(lines: list[str], start: int) -> int:
    """The index of the line that closes the bracket opened at ``start`` (blank lines may come
    between); one left open ends with its paragraph."""
    depth = 0
    for j in range(start, min(len(lines), start + MAX_SPECIAL_LINES)):
        depth += lines[j].count("[") - lines[j].count("]")
        if depth <= 0:
            return j
    # Never closed: up to the end of its paragraph.
    j = start
    while j + 1 < len(lines) and lines[j + 1].strip():
        j += 1
    return j


def _resplit(blocks: list[_Block], lines: list[str]) -> list[_Block]:
    """Split blocks whose lines are paragraphs of their own: long unwrapped lines (one paragraph
    per line, as Aozora Bunko and many web texts are), or a file with no blank lines at all."""
    filled = [k for k, line in enumerate(lines) if line.strip()]
    nonblank = len(filled)
    blank = (filled[-1] - filled[0] + 1 - nonblank) if filled else 0  # inside the text only
    line_mode = nonblank >= 2 and blank <= (max(1, nonblank // 50) if nonblank > 5 else 0)
    texts = [line.rstrip() for line in lines if line.strip()]
    if len(texts) < 4:  # too few lines to measure a wrap width: wrapped if one ends mid-sentence
        wrapped = line_mode and any(not re.search(r"[.!?:;\"'”’)\]。」』]$", t) for t in texts)
    else:
        wrapped = line_mode and _hard_wrapped(lines)
    indented_starts = line_mode and _indented_paragraphs(lines)
    out: list[_Block] = []
    for block in blocks:
        if block.kind != TEXT or len(block.lines) == 1:
            out.append(block)
            continue
        if sum(line.startswith("\u3000") for line in block.lines) >= 2:
            out.extend(_japanese_paragraphs(block))
            continue
        lengths = sorted(len(line.strip()) for line in block.lines)
        long_lines = lengths[len(lengths) // 2] > 100 or (max(lengths) > 120 and not _hard_wrapped(block.lines))
        if long_lines or (line_mode and not wrapped and not indented_starts):
            out.extend(_Block([line], block.line + k, TEXT, block.gap if k == 0 else 0) for k, line in enumerate(block.lines))
        elif line_mode:
            out.extend(_paragraphs_in(block, indented_starts))
        else:
            out.append(block)
    return out


def _japanese_paragraphs(block: _Block) -> list[_Block]:
    """Japanese text with a line per paragraph, each opening with a full-width space or a quote
    (Aozora Bunko and most web texts); a line that does neither continues the one before unless
    that one ended a sentence."""
    out: list[_Block] = []
    for k, line in enumerate(block.lines):
        continues = out and not line.startswith(("\u3000", "「", "『", "（", "(", "　")) \
            and not out[-1].lines[-1].rstrip().endswith(("。", "」", "』", "！", "？", "）"))
        if continues:
            out[-1].lines.append(line)
        else:
            out.append(_Block([line], block.line + k, TEXT, block.gap if k == 0 else 0))
    return out


def _hard_wrapped(lines: list[str]) -> bool:
    """Whether lines are wrapped at a fixed width: most are long, many end mid-sentence."""
    texts = [line.rstrip() for line in lines if line.strip()]
    if len(texts) < 4:
        return False
    width = sorted(len(t) for t in texts)[int(len(texts) * 0.9)]
    if width > 100:
        return False
    long = sum(len(t) >= 0.75 * width for t in texts)
    open_ended = sum(not re.search(r"[.!?:;\"'”’)\]。」』]$", t) for t in texts)
    return long >= 0.5 * len(texts) and open_ended >= 0.3 * len(texts)


def _indented_paragraphs(lines: list[str]) -> bool:
    """Whether paragraphs start with an indented line (and their other lines are not indented)."""
    texts = [line for line in lines if line.strip()]
    indented = sum(line[:1] in (" ", "\t", "\u3000") for line in texts)
    return 0.05 * len(texts) <= indented <= 0.6 * len(texts)


def _paragraphs_in(block: _Block, indented_starts: bool) -> list[_Block]:
    """A block of hard-wrapped lines without blank lines, cut into paragraphs."""
    width = max(len(line.rstrip()) for line in block.lines)
    out: list[_Block] = []
    current: _Block | None = None
    for k, line in enumerate(block.lines):
        starts = current is None or (indented_starts and line[:1] in (" ", "\t", "\u3000"))
        if starts:
            current = _Block([], block.line + k, TEXT, block.gap if k == 0 else 0)
            out.append(current)
        assert current is not None
        current.lines.append(line)
        if not indented_starts and len(line.rstrip()) < 0.75 * width:
            current = None  # a short line ends its paragraph
    return out


# --- the reading ----------------------------------------------------------------------------


def _read(reader: _Reader, blocks: list[_Block]) -> Book:
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
    title = title or _title_from_name(path)
    reader.blocks = body
    reader.language = language or detect_language("\n".join(b.text for b in body[:400] if b.kind == TEXT))

    _mark_credits(reader, is_gutenberg)
    _mark_transcriber_notes(reader)
    _mark_contents(reader)
    _mark_colophon(reader)
    headings = _find_headings(reader)
    chapters, structure = _chapters(reader, headings, title, authors)
    if not named and reader.title_page:
        # No header named the book: its title page does ("THE TWO HARBOURS" / "by Iris Calloway").
        page_title, page_authors = _title_page_names(reader.title_page)
        if page_title:
            for chapter in chapters:
                chapter.title = page_title if chapter.title == title else chapter.title
            title = page_title
        authors = authors or page_authors
    if keep_licence and (header or footer):
        chapters = _with_licence(reader, chapters, header, footer, title)
    if not any(ch.paragraphs for ch in chapters):
        raise InputError(path, "no readable text (only headings, illustrations or Project Gutenberg's licence)")
    if is_gutenberg:
        structure = f"Project Gutenberg plain text; {structure}"
    reader.omitted.sort(key=lambda item: int(item.where.rsplit(":", 1)[1]))
    return Book(
        title=title,
        authors=authors,
        language=reader.language,
        chapters=chapters,
        source=str(path),
        omitted=reader.omitted,
        structure=structure,
    )


@dataclass
class _Fields:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""


def _leading_fields(reader: _Reader, body: list[_Block], is_gutenberg: bool) -> tuple[list[_Block], _Fields]:
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


def _aozora_front(reader: _Reader, body: list[_Block]) -> tuple[list[_Block], list[str]]:
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


_BY = re.compile(r"^by\s+(?P<names>\S.*?)[.,]?$", re.IGNORECASE)


def _title_page_names(lines: list[str]) -> tuple[str, list[str]]:
    """The title (the lines before "by ...", "a novel", an imprint) and the authors of a title page."""
    title_lines: list[str] = []
    authors: list[str] = []
    collecting = True  # the title is the lines before the first that is not part of it
    for k, line in enumerate(lines):
        line = _clean(line)
        by = _BY.match(line)
        if line.lower() == "by" and k + 1 < len(lines):
            by = _BY.match(f"by {_clean(lines[k + 1])}")
        if by:
            authors = [title_case(a) if is_caps(a) else a for a in split_authors(by.group("names"))]
            break
        if (re.match(r"^(?:a|an)\s+(?:novel|romance|tale|story|play|poem)\b|^(?:illustrated|translated|edited|with)\b", line, re.IGNORECASE)
                or is_copyright_line(line) or re.search(r"\b1[5-9]\d\d\b|\b20\d\d\b", line)):
            collecting = False
        if collecting:
            title_lines.append(line.strip(" .,;:"))
    title = " ".join(title_lines[:3]).strip()
    if not title or len(title.split()) > 15:
        return "", authors
    letters = [ch for ch in title if ch.isalpha()]
    if sum(ch.isupper() for ch in letters) > 0.7 * len(letters):  # "PRIDE / and / PREJUDICE"
        title = title_case(title.upper())
    return title, authors


def _with_licence(reader: _Reader, chapters: list[Chapter], header: list[_Block], footer: list[_Block], title: str) -> list[Chapter]:
    """``--keep licence``: the header read first, the licence as a last chapter."""
    head = [Paragraph(_clean(b.text)) for b in header if b.kind == TEXT]
    if head:
        chapters = [Chapter(title, head, f"{reader.path.name}:{header[0].line}")] + chapters
    tail = [Paragraph(_clean(b.text)) for b in footer if b.kind == TEXT]
    if tail:
        chapters.append(Chapter("The Project Gutenberg License", tail, f"{reader.path.name}:{footer[0].line}"))
    return chapters


# --- furniture: credits, transcriber's notes, contents, colophon ------------------------------


def _drop(reader: _Reader, indices: Iterable[int], kind: str, texts: list[str] | None = None) -> None:
    indices = [i for i in indices if i not in reader.dropped]
    if not indices:
        return
    for i in indices:
        reader.dropped[i] = kind
    if kind not in reader.options.keep:
        reader.omit(kind, [reader.blocks[i] for i in indices], texts)


def _mark_credits(reader: _Reader, is_gutenberg: bool) -> None:
    """Production credits after the START line; Gutenberg notices inside the text."""
    blocks = reader.blocks
    texts = [b.raw if b.kind == TEXT else "" for b in blocks]
    for i in gutenberg.credit_indices(texts, 0):
        _drop(reader, [i], TRANSCRIBER_NOTES)
    if is_gutenberg:
        # 1990s editions repeat a <<THIS ELECTRONIC VERSION ... IS COPYRIGHT ...>> notice between works.
        notices = [i for i, b in enumerate(blocks) if b.kind == TEXT and b.text.startswith("<<") and b.text.endswith(">>")
                   and (_FRONT_PG.search(b.text) or "ELECTRONIC VERSION" in b.text.upper())]
        for i in notices:
            _drop(reader, [i], LICENCE)


def _mark_transcriber_notes(reader: _Reader) -> None:
    blocks = reader.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        text = re.sub(r"^[\s|+*=\[-]+", "", block.raw)
        boxed = all(line.strip()[:1] in "|+*=" for line in block.lines) and len(block.lines) > 1
        if not gutenberg.is_transcriber_note(text) and not (boxed and re.search(r"transcriber", block.raw, re.IGNORECASE)):
            i += 1
            continue
        taken = [i]
        if block.kind == TEXT and not boxed:
            # The note's label (or first paragraph) takes the paragraphs after it, up to the next
            # heading, picture, break or wider gap.
            j = i + 1
            while j < len(blocks) and j - i <= TRANSCRIBER_SCAN:
                nxt = blocks[j]
                if nxt.kind != TEXT or nxt.gap >= 2 or _label_of(nxt) is not None:
                    break
                taken.append(j)
                j += 1
        _drop(reader, taken, TRANSCRIBER_NOTES)
        i = taken[-1] + 1


def _mark_contents(reader: _Reader) -> None:
    """A CONTENTS (or LIST OF ILLUSTRATIONS) paragraph and the list after it."""
    blocks = reader.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        caption = _ILLUSTRATION.match(block.raw) if block.kind == SPECIAL else None
        heads_list = block.kind == TEXT and _CONTENTS_LINE.match(block.lines[0].strip())
        if i in reader.dropped or not (heads_list or (caption and _CONTENTS_LINE.match(_clean(caption.group("text"))))):
            i += 1
            continue
        region = [i] if len(block.lines) == 1 else [i]
        j = i + 1
        while j < len(blocks):
            nxt = blocks[j]
            if nxt.kind in (SPECIAL, BREAK) or j in reader.dropped:
                j += 1
                continue
            if nxt.kind != TEXT or _CONTENTS_LINE.match(nxt.lines[0].strip()):
                break  # (a list of illustrations after the contents is a list of its own)
            if _label_of(nxt) is not None and len(nxt.lines) <= MAX_HEADING_LINES:
                # The heading's title, a subtitle or a date line may stand between it and its prose.
                after = _next_content(reader, j + 1)
                for _ in range(3):
                    if after is None or _label_of(blocks[after]) is not None or len(blocks[after].lines) > 2:
                        break
                    if _reads_as_text(blocks[after]):
                        break
                    after = _next_content(reader, after + 1)
                if after is not None and _reads_as_text(blocks[after]):
                    break  # a heading that prose follows: the book itself begins
                region.append(j)
                j += 1
                continue
            if _is_list_like(nxt) and not _reads_as_text(nxt):
                region.append(j)
                j += 1
                continue
            break
        # Containers right before the first chapter belong to the book, not to the list; so does
        # a title that repeats an entry of the list ("A Scandal in Bohemia" over its "I.").
        while len(region) > 1:
            last = blocks[region[-1]]
            earlier = {key for k in region[:-1] for line in blocks[k].lines for key in _entry_keys(line)}
            if _label_of(last) in _CONTAINER_KINDS or (len(last.lines) <= MAX_HEADING_LINES and _key(last.text) in earlier):
                region.pop()
                continue
            break
        _drop(reader, region, CONTENTS)
        listed = block.lines[0] if block.kind == TEXT else caption.group("text") if caption else ""
        if not re.search(r"illustrations|plates|figures", listed, re.IGNORECASE):
            for k in region:
                for line in blocks[k].lines:
                    reader.toc_entries.add(_key(_PAGE_NUMBER.sub("", line)))
            reader.toc_end = max(reader.toc_end, region[-1])
        i = j


def _entry_keys(text: str) -> set[str]:
    """How a contents entry (or a heading) is compared: without page number, case, punctuation;
    also without its label ("I. A Scandal in Bohemia" -> "a scandal in bohemia")."""
    text = _PAGE_NUMBER.sub("", _AOZORA_NOTE.sub("", text)).strip()
    keys = {_key(text)}
    if _LABEL_HEAD.match(text):
        keys.add(_key(_label_rest(text)))
    return {k for k in keys if len(k) >= 3}


def _key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", _ITALIC.sub(r"\1", text).casefold()).split())


def _mark_colophon(reader: _Reader) -> None:
    """Aozora Bunko's closing bibliography (底本：...) and its file notes."""
    blocks = reader.blocks
    for i, block in enumerate(blocks):
        if block.kind == TEXT and block.lines[0].strip().startswith("底本："):
            _drop(reader, [j for j in range(i, len(blocks)) if blocks[j].kind == TEXT], COLOPHON)
            return


def _next_content(reader: _Reader, j: int) -> int | None:
    """The next block at or after ``j`` that is text (not a picture, note, break or left out)."""
    while j < len(reader.blocks):
        if reader.blocks[j].kind == TEXT and j not in reader.dropped:
            return j
        j += 1
    return None


def _is_prose(block: _Block) -> bool:
    """Running prose: a sentence of several words, or a long paragraph; not a title page's or
    a list's short lines."""
    text = block.text
    lines = [line.strip() for line in block.lines]
    if len(lines) >= 2 and max(len(line) for line in lines) < 50:
        return False  # short lines: a title page, an imprint, a list (or verse)
    if len(lines) <= 4 and all(len(line) - len(line.lstrip()) >= 10 for line in block.lines):
        return False  # centred lines: a title page's display type
    if sum(is_cjk(ch) for ch in text) >= 15:
        return "。" in text  # Japanese: a sentence ends with 。
    if is_caps(text):
        return False  # a title, a list of titles, a notice in capitals
    words = text.split()
    if len(words) >= 30:
        return True
    if len(words) < 6 or sum(ch.islower() for ch in text) <= 0.5 * sum(ch.isalpha() for ch in text):
        return False
    return any(not _ABBREVIATION.search(text[: m.start() + 2]) for m in _SENTENCE_END.finditer(text))


_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Co|No|Mme|Mlle|Messrs|Jr|Sr|Rev|Capt|Col|Gen|vol|ch|pp?|[A-Z])\.$")


def _reads_as_text(block: _Block) -> bool:
    """Text of the book rather than an entry of a list: running prose, or a sentence ("It was
    night."), not a title, not a line with a page number."""
    if block.kind != TEXT or _label_of(block) is not None:
        return False
    lines = [line.strip() for line in block.lines]
    listed = sum(_label_of_text(line) is not None or bool(_PAGE_NUMBER.search(line)) for line in lines)
    if listed and listed >= 0.3 * len(lines):
        return False
    if _is_prose(block):
        return True
    text = block.text
    words = text.split()
    sentence = bool(re.search(r"[.!?…。][\"'”’)」]*$", text)) and any(w[:1].islower() for w in words[1:])
    return sentence and not _is_title_block(block)


def _is_list_like(block: _Block) -> bool:
    """A block of a table of contents: short lines, page numbers, no running prose."""
    lines = [line.strip() for line in block.lines]
    listed = sum(_label_of_text(line) is not None or bool(_PAGE_NUMBER.search(line)) for line in lines)
    if listed == len(lines) or (len(lines) >= 4 and listed >= 0.3 * len(lines)):
        return True  # "CHAPTER I ... 1", or "Chapter I." over its summary line
    return all(len(line) <= 80 for line in lines) and not _is_prose(block)


# --- headings -------------------------------------------------------------------------------


def _label_of_text(text: str) -> str | None:
    """heading_label, plus Japanese kanji numerals alone and 上/中/下 parts."""
    text = _AOZORA_NOTE.sub("", text).strip().strip("_=").strip()
    if not text:
        return None
    if _KANJI_NUMBER.match(text):
        return "number"
    if _JA_PART.match(text) and len(text) <= 20:
        return "部"
    if re.fullmatch(r"[—–-]+\s*([IVXLC]+|\d+)\.?\s*[—–-]+", text):
        return "number"  # "— II —"
    kind = heading_label(text)
    if kind == "number":
        # Not "M" or "C" alone (a letter, not a numeral), not "1899" (a year), and not
        # "7 Hunter Street, Liverpool": a numeral is followed by a stop, nothing, or capitals.
        match = re.match(r"(\d+|[MDCLXVI]+)\s*([.:)]?)\s*(.*)$", text)
        if not match:
            return None
        number, stop, rest = match.groups()
        if number in ("M", "D", "C", "L") or (number.isdigit() and int(number) > 300):
            return None
        if rest and not stop and not is_caps(rest):
            return None
    return kind


def _label_of(block: _Block) -> str | None:
    """The label kind of a block that can be a heading (short, one or two lines), else None."""
    if block.kind != TEXT or len(block.lines) > MAX_HEADING_LINES + 2:
        return None
    # Up to two lines; a numbered label with a long title in capitals may run to four.
    long_title = _NUMBERED.match(block.lines[0].strip()) and is_caps(block.text)
    if len(block.lines) > MAX_HEADING_LINES and not long_title:
        return None
    if match := _AOZORA_HEADING.search(block.raw):
        return {"大": "大見出し", "中": "number"}.get(match.group(1))  # 小見出し: a section, read as text
    text = block.text
    if len(text) > (3 * MAX_HEADING_CHARS if long_title else MAX_HEADING_CHARS):
        return None
    first = block.lines[0].strip()
    kind = _label_of_text(first)
    if kind is None:
        return None
    # Not a sentence that happens to begin like a label ("Part of the money was...").
    rest = _label_rest(_AOZORA_NOTE.sub("", text).strip())
    if rest and _is_sentence(rest):
        return None
    if kind == "chapter" and not _NUMBERED.match(first) and len(rest.split()) > 8:
        return None  # "Introduction" with a long tail is prose
    return kind


def _is_sentence(text: str) -> bool:
    """Whether a heading's words after its label read as a sentence rather than a title."""
    words = text.split()
    if len(words) < 4 or is_caps(text):
        return False
    lower = sum(1 for w in words if w[:1].islower())
    return lower > len(words) / 2 and bool(re.search(r"[.!?,;]['\"”’]?$", text) or lower > 0.7 * len(words))


_NUMBERED = re.compile(
    r"^(?:chapter|chap\.|part|book|volume|vol\.|stave|canto|letter|act|fable|story|tale)\s+"
    r"(?:\d+|[MDCLXVI]+\b|(?:the\s+)?[a-z]+)",
    re.IGNORECASE,
)
_LABEL_HEAD = re.compile(
    r"^(?:(?:chapter|chap\.|part|book|volume|vol\.|stave|canto|letter|act|fable|story|tale)\s+"
    r"(?:\d+|[MDCLXVI]+\b|(?:the\s+)?[a-z]+)|\d+\b|[MDCLXVI]+\b|第[0-9０-９一二三四五六七八九十百千]+[章部話巻節]"
    r"|prologue|epilogue|preface|foreword|afterword|introduction|conclusion|interlude|appendix)",
    re.IGNORECASE,
)


def _label_rest(text: str) -> str:
    """What follows a heading's label: "CHAPTER I. Down the Rabbit-Hole" -> "Down the Rabbit-Hole"."""
    match = _LABEL_HEAD.match(text)
    if not match:
        return text
    return text[match.end() :].lstrip(" .:;,-–—)").strip()


def _is_title_block(block: _Block) -> bool:
    """A short title paragraph after a label: all capitals, or title case, not a sentence."""
    if block.kind != TEXT or len(block.lines) > 3:
        return False
    text = _AOZORA_NOTE.sub("", block.text).strip()
    if not text or len(text) > 120 or _label_of(block) is not None:
        return False
    if text[:1] in "\"“'‘«(—-[":
        return False
    if sum(is_cjk(ch) for ch in text) > len(text) / 2:
        return len(text) <= 30 and "。" not in text
    if is_caps(text):
        return sum(ch.isalpha() for ch in text) >= 3
    if re.search(r"[!?,;:]['\"”’]?$", text) or len(text.split()) > 14:
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text)]
    if not words or not words[0][:1].isupper():
        return False
    significant = [w for w in words[1:] if w.lower() not in SMALL_WORDS]
    if not significant:
        return len(words) <= 3 and not text.endswith(".")
    return sum(w[:1].isupper() for w in significant) >= 0.75 * len(significant)


def _find_headings(reader: _Reader) -> dict[int, _Heading]:
    """Every block that can head a chapter, by the index of its first block."""
    blocks = reader.blocks
    found: dict[int, _Heading] = {}
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if i in reader.dropped:
            i += 1
            continue
        heading = None
        if block.kind == TEXT and (kind := _label_of(block)) is not None:
            heading = _heading_at(reader, i, kind)
        elif (block.kind == TEXT and i > reader.toc_end >= 0 and len(block.lines) <= MAX_HEADING_LINES and block.gap >= 2
              and len(block.text) <= MAX_HEADING_CHARS and _key(block.text) in reader.toc_entries
              and block.text[:1] not in "\"“‘'"):
            # A title the contents listed, with no label: "A Scandal in Bohemia" (once only).
            reader.toc_entries.discard(_key(block.text))
            text = _clean(block.text)
            heading = _Heading("toc", title_case(text) if is_caps(text) else text, block.line, [i])
        elif block.kind == SPECIAL and (caption := _ILLUSTRATION.match(block.raw)):
            # An illustrated edition's chapter opening: the label is printed in the picture.
            last = caption.group("text").strip().splitlines()[-1:] if caption.group("text").strip() else []
            if last and (kind := _label_of_text(last[0])) not in (None, "number"):
                heading = _Heading(kind, _format_label(last[0], ""), block.line, [])
        if heading is not None:
            found[i] = heading
            i = max([i, *heading.blocks]) + 1
        else:
            i += 1
    # Numbers alone ("IV.") are headings only in a book with several of them, and sections when
    # the book's chapters carry words ("CHAPTER IV" ... "1.", "2." inside).
    numbers = [i for i, h in found.items() if h.kind == "number"]
    # Worded headings that carry text of their own (BOOK ONE over CHAPTER I. does not count).
    worded = [i for i, h in found.items() if _NUMBERED.match(h.title)
              and (nxt := _next_content(reader, max([i, *h.blocks]) + 1)) is not None and nxt not in found]
    if len(numbers) < 2 or len(worded) >= 2:
        for i in numbers:
            del found[i]
    return found


def _heading_at(reader: _Reader, i: int, kind: str) -> _Heading:
    blocks = reader.blocks
    block = blocks[i]
    lines = [_AOZORA_NOTE.sub("", line).strip() for line in block.lines]
    lines = [line for line in lines if line]
    used = [i]
    if len(lines) == 2 and _label_of_text(lines[1]) is None and not _label_rest(lines[0]):
        label, title = lines[0], _clean(lines[1])  # "CHAPTER XII" / "THE TITLE" in one paragraph
    else:
        label, title = " ".join(lines), ""
        if not _label_rest(label):
            nxt = _next_content(reader, i + 1)
            # Only a blank line (and maybe a picture) between label and title.
            if nxt is not None and nxt - i <= 3 and _is_title_block(blocks[nxt]):
                after = _next_content(reader, nxt + 1)
                if after is not None:  # a title with nothing after it is the book's last words
                    title = _clean(blocks[nxt].text)
                    used.append(nxt)
    return _Heading(kind, _format_label(label, title), block.line, used)


def _format_label(label: str, title: str) -> str:
    """"CHAPTER I." + "DOWN THE RABBIT-HOLE" -> "Chapter I. Down the Rabbit-Hole"."""
    label = _clean(_AOZORA_NOTE.sub("", label)).strip()
    match = _LABEL_HEAD.match(label)
    if match and is_caps(match.group(0)):
        head, rest = match.group(0), label[match.end() :]
        label = title_case(head) + (title_case(rest) if is_caps(rest) else rest)
    elif is_caps(label):
        label = title_case(label)
    label = label.strip()
    if not title:
        return label[:-1] if label.endswith(".") and not label.endswith("..") else label
    title = title_case(title) if is_caps(title) else title
    label = label.rstrip(" .:")
    if all(is_cjk(ch) or ch.isspace() for ch in label):
        return f"{label} {title}"
    return f"{label}. {title}"


# --- chapters -------------------------------------------------------------------------------


@dataclass
class _Draft:
    title: str
    line: int
    items: list[int] = field(default_factory=list)  # block indices
    containers: int = 0  # BOOK/PART/VOLUME headings its title starts with


def _chapters(reader: _Reader, headings: dict[int, _Heading], title: str, authors: list[str]) -> tuple[list[Chapter], str]:
    blocks = reader.blocks
    drafts: list[_Draft] = []
    front: list[int] = []
    current: _Draft | None = None
    pending: list[_Heading] = []
    skip: set[int] = set()
    started: list[_Heading] = []
    for i, block in enumerate(blocks):
        if i in skip:
            continue
        heading = headings.get(i)
        if heading is None:
            (current.items if current else front).append(i)
            continue
        skip.update(heading.blocks)
        nxt = _next_content(reader, max([i, *heading.blocks]) + 1)
        prose_follows = nxt is not None and nxt not in headings
        if prose_follows:
            names = [h.title for h in pending] + [heading.title]
            current = _Draft(": ".join(names), pending[0].line if pending else heading.line, containers=len(pending))
            drafts.append(current)
            started.append(heading)
            pending = []
            if block.kind == SPECIAL:
                current.items.append(i)  # its caption is recorded with the chapter
        elif heading.kind in _CONTAINER_KINDS or heading.kind == "toc" or _opens_numbers(heading, headings.get(nxt) if nxt is not None else None):
            same = next((k for k, h in enumerate(pending) if h.kind == heading.kind), None)
            if same is not None:
                _drop(reader, [j for h in pending[same:] for j in h.blocks], CONTENTS)
                pending = pending[:same]
            pending.append(heading)
        else:
            # A heading with no text after it: an entry of a table of contents.
            if heading.blocks:
                _drop(reader, heading.blocks, CONTENTS)
            elif block.kind == SPECIAL:
                (current.items if current else front).append(i)
    if pending:
        _drop(reader, [j for h in pending for j in h.blocks], CONTENTS)

    chapters: list[Chapter] = []
    notes = _Notes(reader)
    front_draft = _front(reader, front, title, authors, has_chapters=bool(drafts))
    for draft in ([front_draft] if front_draft else []) + drafts:
        if _FOOTNOTES_LABEL.match(draft.title) and reader.options.notes == "skip":
            # A "FOOTNOTES" section of its own, its notes not tied to markers: skipped as notes.
            texts = [b for b in (reader.blocks[i] for i in draft.items) if b.kind in (TEXT, SPECIAL)]
            reader.omit(NOTES, texts)
            continue
        marked = _paragraphs(reader, draft.items, notes)
        chapters.append(Chapter(draft.title, [], f"{reader.path.name}:{draft.line}"))
        notes.chapters.append((chapters[-1], marked))
    notes.finish()
    chapters = [ch for ch in chapters if ch.paragraphs]
    return chapters, _structure(started, drafts, front_draft is not None)


def _opens_numbers(heading: _Heading, nxt: _Heading | None) -> bool:
    """A titled heading right over a bare numeral ("I. A SCANDAL IN BOHEMIA" over "I."): a
    story whose parts are numbered, so it names its first part."""
    return (nxt is not None and nxt.kind == "number" and not _label_rest(nxt.title)
            and bool(_label_rest(heading.title)))


def _structure(started: list[_Heading], drafts: list[_Draft], has_front: bool) -> str:
    if not started:
        return "no chapter headings: the whole text is one chapter"
    kinds: dict[str, int] = {}
    for heading in started:
        kinds[heading.kind] = kinds.get(heading.kind, 0) + 1
    names = {"number": "numbered", "chapter": "chapter", "大見出し": "part", "toc": "titles from the contents"}
    parts = ", ".join(f"{n} {names.get(k, k)}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    first = drafts[0].title
    text = f"{len(started)} chapter headings ({parts}; first: {first!r})"
    containers = sum(d.containers > 0 for d in drafts)
    if containers:
        text += f", {containers} of them open a book/part/volume"
    if has_front:
        text += "; the text before the first heading is a chapter named after the book"
    return text


def _front(reader: _Reader, items: list[int], title: str, authors: list[str], has_chapters: bool) -> _Draft | None:
    """The text before the first chapter: title page, copyright and stray Gutenberg text out;
    prose (a preface with no heading) kept as a chapter named after the book."""
    blocks = reader.blocks
    text_items = [i for i in items if blocks[i].kind == TEXT and i not in reader.dropped]
    for i in text_items:
        block = blocks[i]
        if _FRONT_PG.search(block.raw) and has_chapters:
            _drop(reader, [i], LICENCE)
        elif all(is_copyright_line(line.strip()) for line in block.lines) or (
            is_copyright_line(block.lines[0].strip()) and not _is_prose(block)
        ):
            _drop(reader, [i], COPYRIGHT)
    text_items = [i for i in text_items if i not in reader.dropped]
    # The title page: the short lines before the first prose.
    run: list[int] = []
    for i in text_items:
        if _is_prose(blocks[i]):
            break
        run.append(i)
    rest = [i for i in text_items if i not in run]
    last = blocks[run[-1]] if run else None
    if len(run) > 1 and rest and last and len(last.lines) == 1 and len(last.text.split()) <= 5 \
            and not _BY.match(last.text) and not re.search(r"\d", last.text) \
            and not looks_like_title_page([last.text], title, authors):
        # "Notice." right over the first prose is that prose's heading, not the title page's end.
        head = run[:-1]
        lines = [line.strip() for i in head for line in blocks[i].lines]
        if looks_like_title_page(lines, title, authors):
            rest.insert(0, run.pop())
    if run and (rest or has_chapters):
        lines = [line.strip() for i in run for line in blocks[i].lines]
        words = sum(len(line.split()) for line in lines)
        if looks_like_title_page(lines, title, authors) or (has_chapters and not rest and words < 40):
            _drop(reader, run, TITLE_PAGE)
            reader.title_page = lines
    kept = [i for i in items if i not in reader.dropped or reader.dropped[i] in reader.options.keep]
    if not any(blocks[i].kind == TEXT for i in kept):
        # Pictures and notes before the first chapter are still recorded.
        _Notes(reader).record_only([i for i in kept if blocks[i].kind == SPECIAL])
        return None
    first = next(i for i in kept if blocks[i].kind == TEXT)
    return _Draft(title, blocks[first].line, kept)


# --- paragraphs and notes -------------------------------------------------------------------


_MARKER = re.compile(r"\[(\d{1,4}[a-z]?|[A-Za-z]|\*+|[†‡§])\]")


@dataclass
class _Notes:
    """Footnote markers in the text and the [Footnote N: ...] blocks they point to."""

    reader: _Reader
    chapters: list[tuple[Chapter, list[MarkedParagraph]]] = field(default_factory=list)
    markers: list[tuple[MarkedParagraph, int, str]] = field(default_factory=list)  # (paragraph, offset, label)
    matched: set[int] = field(default_factory=set)
    letter_labels: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for block in self.reader.blocks:
            if block.kind == SPECIAL and (m := _FOOTNOTE.match(block.raw)):
                self.letter_labels.add(m.group("label"))

    def strip_markers(self, text: str) -> tuple[str, list[tuple[int, str]]]:
        found: list[tuple[int, str]] = []
        out = ""
        last = 0
        for match in _MARKER.finditer(text):
            label = match.group(1)
            if not label[:1].isdigit() and label not in self.letter_labels:
                continue
            out += text[last : match.start()]
            found.append((len(out.rstrip()), label))
            last = match.end()
        out += text[last:]
        return out, found

    def pending(self, label: str) -> bool:
        """Whether a marker ``[label]`` in the text still waits for its note."""
        return any(mark == label and k not in self.matched for k, (_, _, mark) in enumerate(self.markers))

    def attach(self, block: _Block, marked: list[MarkedParagraph], match: re.Match[str] | None = None) -> None:
        match = match or _FOOTNOTE.match(block.raw)
        assert match
        label = match.group("label")
        text = _clean(match.group("text").replace("\n", " "))
        mode = self.reader.options.notes
        if mode == "skip" or not text:
            self.reader.omit(NOTES, [block], [text or block.text])
            return
        for k in range(len(self.markers) - 1, -1, -1):
            paragraph, offset, mark = self.markers[k]
            if mark == label and k not in self.matched:
                self.matched.add(k)
                paragraph.refs.append((offset, text))
                return
        if marked:  # no marker found: the note belongs to the paragraph before it
            marked[-1].refs.append((len(marked[-1].paragraph.text), text))
        else:
            self.reader.omit(NOTES, [block], [text])

    def record_only(self, items: list[int]) -> None:
        for i in items:
            _special(self.reader, self.reader.blocks[i], [], self)

    def finish(self) -> None:
        mode = self.reader.options.notes
        for chapter, marked in self.chapters:
            if marked:
                marked[-1].paragraph.scene_break = False  # a chapter's end is not a scene break
            placed = place_notes(marked, mode, self.reader.language) if mode != "skip" else [m.paragraph for m in marked]
            if placed:
                placed[-1].scene_break = False
            chapter.paragraphs = placed


def _paragraphs(reader: _Reader, items: list[int], notes: _Notes) -> list[MarkedParagraph]:
    blocks = reader.blocks
    marked: list[MarkedParagraph] = []
    in_notes = False
    for i in items:
        block = blocks[i]
        dropped = reader.dropped.get(i)
        if dropped is not None and dropped not in reader.options.keep:
            continue
        if block.kind == BREAK:
            if marked:
                marked[-1].paragraph.scene_break = True
            continue
        if block.kind == SPECIAL:
            _special(reader, block, marked, notes)
            continue
        if block.kind != TEXT:
            continue
        if _FOOTNOTES_LABEL.match(block.text) and _footnotes_follow(reader, i):
            reader.omit(NOTES, [block])  # "FOOTNOTES:" over the notes
            in_notes = True
            continue
        endnote = _ENDNOTE.match(block.raw)
        if endnote and (in_notes or notes.pending(endnote.group("label"))):
            notes.attach(block, marked, endnote)  # "[12] The note." after the text, or in a notes section
            continue
        in_notes = False
        if _IMAGE_NAME.match(block.text):
            reader.omit(CAPTIONS, [block])
            continue
        text = block.text
        for caption in _INLINE_ILLUSTRATION.findall(text):
            reader.omit(CAPTIONS, [block], [caption])
        text = _INLINE_ILLUSTRATION.sub(" ", text)
        text, refs = notes.strip_markers(_clean(text))
        text = _clean(text)
        if not text:
            continue
        item = MarkedParagraph(Paragraph(text))
        notes.markers.extend((item, offset, label) for offset, label in refs)
        marked.append(item)
    return marked


def _footnotes_follow(reader: _Reader, i: int) -> bool:
    if i + 1 >= len(reader.blocks):
        return False
    nxt = reader.blocks[i + 1]
    return bool(_FOOTNOTE.match(nxt.raw) if nxt.kind == SPECIAL else _ENDNOTE.match(nxt.raw))


def _special(reader: _Reader, block: _Block, marked: list[MarkedParagraph], notes: _Notes) -> None:
    raw = block.raw
    if _FOOTNOTE.match(raw):
        notes.attach(block, marked)
        return
    if match := _ILLUSTRATION.match(raw):
        caption = _clean(match.group("text").replace("\n", " "))
        if CAPTIONS in reader.options.keep:
            if caption:
                marked.append(MarkedParagraph(Paragraph(caption)))
        else:
            reader.omit(CAPTIONS, [block], [caption or "[Illustration]"])
        return
    kind = _SPECIAL_OPEN.match(raw)
    name = kind.group("kind").lower() if kind else ""
    inner = _clean(re.sub(r"^\[\s*\w+['’]?s?(?:\s+notes?)?\s*[:.]?\s*|\]$", "", raw.replace("\n", " ")))
    if name.startswith("transcriber"):
        if TRANSCRIBER_NOTES in reader.options.keep and inner:
            marked.append(MarkedParagraph(Paragraph(inner)))
        else:
            reader.omit(TRANSCRIBER_NOTES, [block], [inner])
    elif name.startswith("blank"):
        return
    else:  # sidenotes and bracketed notes: margin summaries, not the text
        reader.omit(NOTES, [block], [inner])


def _clean(text: str) -> str:
    """Reading text: Gutenberg's _italic_ marks and =bold= marks dropped, spaces tidied."""
    text = _ITALIC.sub(r"\1", text)
    text = re.sub(r"(?<![\w=])=(?=\S)([^=]+?)(?<=\S)=(?![\w=])", r"\1", text)
    text = " ".join(text.split())
    text = re.sub(r"｜(?![^｜《》\n]{1,20}《)", "", text)  # a ruby-start mark whose reading was removed
    return re.sub(r" +([,.;:!?])(?=\s|$)", r"\1", text)


def _title_from_name(path: Path) -> str:
    return " ".join(re.split(r"[-_\s]+", path.stem)).strip() or path.name
