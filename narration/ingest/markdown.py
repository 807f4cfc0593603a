"""Markdown books -> ``Book``.

The file is parsed into markdown-it tokens; only reading text survives: images, link targets,
raw HTML, code blocks, footnotes (unless ``--notes`` reads them) and tables are dropped
(recorded in ``Book.omitted``; tables also with a warning, since their content is lost),
emphasis markers vanish, list items and
blockquote paragraphs become ordinary paragraphs, and a thematic break (``***``, ``---``,
``* * *``) is a scene break after the paragraph before it. ``.txt`` files have their own reader
(``narration.ingest.plaintext``), which hands a ``.txt`` written in Markdown to this one (with
indented code blocks turned off, so indented prose paragraphs are still read).

Metadata comes from YAML front matter (``title``, ``author``/``authors``, ``language``/``lang``),
else from the top of the file: metadata headings or lines (``# Title: The Book``, ``## Author:
Jane Doe``, ``## Year: 1907``, ``Translator:``, ``Illustrator:``, ``Editor:``, ``Date:``; never
chapter text or chapter titles) or a Pandoc title block (``% Title`` / ``% Author`` / ``% Date``),
then a title heading, then ``by Name`` / ``Author: Name`` (also ``Title:`` and ``Language:``)
paragraphs. A Markdown conversion of a Project Gutenberg edition keeps Gutenberg's header and
licence: everything outside the ``*** START``/``*** END`` lines is left out (its Title/Author/
Language fields are the metadata), and so are the production credits after the START line.
Text before the first chapter heading that is a title page or copyright lines, and a Contents
section of short lines, are left out too; all-capital chapter titles are title-cased
("CHAPTER I" -> "Chapter I").

How headings become chapters (only top-level headings count; one inside a list or quote is text):

1. Title heading: the first block is a heading, not labelled like a chapter ("Chapter 3",
   "Part One", "II.", "Prologue"...), and either it is the only heading at the document's
   shallowest level, or nothing but byline lines sits between it and the next heading of the
   same or a shallower level. With a front-matter title, the first heading is the title
   heading only when its text equals that title (or its section is empty).
2. A heading "has text" when a paragraph follows it before the next heading. The chapter
   level L is the shallowest level of a heading with text, not counting Part/Book/Volume
   headings (those stay containers when deeper headings carry the text).
3. Headings at levels <= L start chapters. A deeper heading also starts one when it carries
   the same kind of label as a heading at level <= L ("## Chapter 2" among "# Chapter 1" and
   "# Chapter 3"; "Prologue"/"Epilogue" count as chapter labels); any other deeper heading is
   a section heading, read as a paragraph of its chapter.
4. A chapter heading with no text under it is not a chapter of its own: its title is kept
   and joined to the next chapter's ("Part One: Chapter 1"; on one level too: "## VOLUME I",
   "## BOOK FIRST", "## CHAPTER I" give "Volume I: Book First: Chapter I"). Text before any
   chapter heading forms a chapter named after the book.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from narration.display import clean_title
from narration.errors import InputError
from narration.ingest import gutenberg
from narration.ingest.block_kinds import is_code
from narration.ingest.frontmatter import cut_printer_colophon, is_copyright_line, looks_like_title_page
from narration.ingest.layout import in_pattern, line_style
from narration.ingest.limits import check_text_size
from narration.ingest.notes import MarkedParagraph, note_mark, place_notes, take_note_marks
from narration.ingest.omissions import (
    CONTENTS,
    COPYRIGHT,
    LICENCE,
    NOTES,
    TITLE_PAGE,
    TRANSCRIBER_NOTES,
    UNREADABLE,
    omission,
)
from narration.ingest.textfile import book_casing, caps_to_title, is_cjk, join_lines, looks_like_code, read_text, title_from_name
from narration.ingest.language import METADATA, detect, sample
from narration.language import primary_language
from narration.model import Book, Chapter, Omission, Paragraph
from narration.ingest.settings import IngestOptions

logger = logging.getLogger("narration.ingest")

PLAIN_TEXT_SUFFIXES = (".txt",)


@dataclass
class _Heading:
    level: int
    text: str
    line: int  # 1-based, for Chapter.source


@dataclass
class _Text:
    lines: list[str]  # split at line breaks, so "Title: X" / "Author: Y" lines can be told apart
    line: int
    end: int = 0  # 1-based number of its last line, where the parser says

    @property
    def text(self) -> str:
        return _join_lines(self.lines)


@dataclass
class _Break:
    """A thematic break (``***``, ``---``, ``* * *``): a scene break after the paragraph before."""

    line: int
    lines: tuple[str, ...] = ()


_Block = _Heading | _Text | _Break


@dataclass
class _Meta:
    title: str = ""
    authors: list[str] | None = None
    language: str = ""

    def take(self, fields: list[tuple[str, str] | None]) -> None:
        """Title, authors and language from ``_metadata_line`` fields (the first title wins)."""
        for key, value in (f for f in fields if f):
            if key == "title" and not self.title:
                self.title = value
            elif key == "authors":
                self.authors = (self.authors or []) + split_authors(value)
            elif key == "language":
                self.language = _language_tag(value)


def load_markdown(path: Path, options: IngestOptions | None = None) -> Book:
    """Read a Markdown or plain-text book; paragraphs get ``text``, ``sentences`` stay empty."""
    path = Path(path)
    options = options or IngestOptions()
    source = _read_source(path)
    check_text_size(source, path, options.limits)
    tokens = _parser(plain_text=path.suffix.lower() in PLAIN_TEXT_SUFFIXES).parse(source)
    meta = _front_matter(tokens, path)
    omitted: list[Omission] = []
    blocks = _blocks(tokens, path, omitted)
    blocks, pg_meta = _without_gutenberg(blocks, source.split("\n"), path, options, omitted)
    fields, blocks = _field_blocks(blocks)
    fm_title = meta.title or pg_meta.title or fields.title

    title_heading, body = _split_title_heading(blocks, fm_title)
    lead, body = _leading_metadata(body, has_title=bool(title_heading or fm_title))
    body, by_layout = _layout_headings(body)
    heading_title = title_heading.text if title_heading else ""
    title = fm_title or heading_title or lead.title or title_from_name(path)
    authors = meta.authors if meta.authors is not None else (pg_meta.authors or fields.authors or lead.authors or [])

    declared = meta.language or pg_meta.language or fields.language or lead.language
    language = declared or detect_language("\n".join(b.text for b in body if isinstance(b, _Text)))
    notes = footnote_bodies(tokens) if options.notes != "skip" else {}
    chapters, structure = _chapters(body, title, path, authors=authors, options=options, omitted=omitted,
                                    notes=notes, language=language)
    if not any(ch.paragraphs for ch in chapters):
        raise InputError(path, "no readable text (only headings, code, images, HTML or tables)")
    if by_layout:
        structure = f"no # headings, {by_layout} titles found by layout; {structure}"
    if notes:  # read aloud now: not left out
        omitted[:] = [o for o in omitted if o.kind != NOTES]
    if cut := cut_printer_colophon(chapters, options.keep):
        omitted.append(cut)
    omitted.sort(key=_omission_line)
    return Book(title=title, authors=authors, language=language, chapters=chapters, source=str(path),
                omitted=omitted, structure=structure, language_source=METADATA if declared else "")


def _omission_line(item: Omission) -> int:
    tail = item.where.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


# --- reading -------------------------------------------------------------------------------


def _read_source(path: Path) -> str:
    return read_text(path, "Markdown or text")


def _parser(plain_text: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # Definition lists (pandoc, PHP Markdown Extra): their indented paragraphs are text, not code.
    md.use(front_matter_plugin).use(footnote_plugin).use(deflist_plugin)
    if plain_text:
        # Plain-text books often indent paragraphs; as Markdown those would be code and go unread.
        md.disable("code")
    return md


class _AliasUsed(Exception):
    pass


class _FrontMatterLoader(yaml.SafeLoader):
    """``yaml.safe_load`` without aliases: an alias repeats its anchor's node, and nested ones
    multiply (a 426-byte front matter of eight nested aliases expanded to a 312 MB title, 28 s
    and 3.7 GB). Refused as the node is composed, before anything is built."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasUsed
        return super().compose_node(parent, index)


def _front_matter(tokens: list[Token], path: Path) -> _Meta:
    token = next((t for t in tokens if t.type == "front_matter"), None)
    if token is None:
        return _Meta()
    try:
        data = yaml.load(token.content, Loader=_FrontMatterLoader)  # noqa: S506 (a SafeLoader)
    except _AliasUsed:
        raise InputError(path, "front matter uses YAML aliases (*name), which can expand without limit; "
                         "write each value out in full") from None
    except RecursionError:
        raise InputError(path, "front matter nests too deeply to read") from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, f"front matter is not valid YAML ({problem})") from exc
    if data is None:
        return _Meta()
    if not isinstance(data, dict):
        raise InputError(path, "front matter must be a YAML mapping (key: value lines)")
    keys = {str(k).lower(): v for k, v in data.items()}
    authors = keys.get("authors", keys.get("author"))
    return _Meta(
        title=_clean(str(keys["title"])) if keys.get("title") is not None else "",
        authors=_authors_from_yaml(authors) if authors is not None else None,
        language=_language_tag(keys.get("language", keys.get("lang"))),
    )


def _authors_from_yaml(value: Any) -> list[str]:
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            # Pandoc-style entries may be mappings: {name: ..., affiliation: ...}
            name = item.get("name") if isinstance(item, dict) else item
            if name is not None and _clean(str(name)):
                names.append(_clean(str(name)))
        return names
    return split_authors(str(value))


def split_authors(text: str) -> list[str]:
    """'A, B and C' / 'A & B' / 'A; B' -> ['A', 'B', 'C']."""
    parts = re.split(r"(?:(?<!\s)\s++)?(?:;|,|&|\band\b|、)\s*+", _clean(text))
    return [p for p in (part.strip() for part in parts) if p]


def _language_tag(value: Any) -> str:
    """'en-US' / 'EN_gb' / 'ja' -> primary subtag; anything unusable -> '' (detect instead)."""
    if value is None:
        return ""
    primary = primary_language(str(value))
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


# --- tokens -> blocks ------------------------------------------------------------------------

# Block tokens whose whole content is not read aloud: (open type, close type).
_SKIPPED_CONTAINERS = {"table_open": "table_close", "footnote_block_open": "footnote_block_close"}


def footnote_bodies(tokens: list[Token]) -> dict[int, str]:
    """Each Markdown footnote's text (``[^1]: ...``) by its id, markup removed."""
    bodies: dict[int, list[str]] = {}
    current: int | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = token.meta["id"]
        elif token.type == "footnote_close":
            current = None
        elif token.type == "inline" and current is not None:
            bodies.setdefault(current, []).append(_without_refs(_join_lines(_inline_lines(token)))[0])
    return {key: " ".join(parts) for key, parts in bodies.items()}


def _blocks(tokens: list[Token], path: Path, omitted: list[Omission] | None = None) -> list[_Block]:
    """Flatten the token stream into top-level headings, readable paragraphs and thematic breaks;
    tables, code and footnotes are recorded in ``omitted``."""
    blocks: list[_Block] = []
    omitted = omitted if omitted is not None else []
    skip_until: str | None = None
    skipped: list[str] = []  # the text of the container being skipped
    skipped_at = (0, "")
    for i, token in enumerate(tokens):
        line = (token.map[0] + 1) if token.map else 0
        if skip_until:
            if token.type == "inline":
                skipped.append(token.content)
            if token.type == skip_until and token.level == 0:
                skip_until = None
                omitted.append(omission(skipped_at[1], f"{path.name}:{skipped_at[0]}", skipped))
            continue
        if token.type in _SKIPPED_CONTAINERS:
            if token.type == "table_open":
                logger.warning("%s:%d: skipped a table (tables are not read aloud)", path, line)
            if token.level == 0:
                skip_until = _SKIPPED_CONTAINERS[token.type]
                # The footnote block has no line of its own: its first note's line.
                if not line:
                    line = next((t.map[0] + 1 for t in tokens[i:] if t.map), 0)
                skipped, skipped_at = [], (line, UNREADABLE if token.type == "table_open" else NOTES)
            continue
        if token.type == "code_block" and token.content.strip() and not looks_like_code(token.content) \
                and not is_code(token.content):
            # An indented block of verse or of a letter (Gutenberg converters indent them): read
            # line by line, stanza by stanza.
            for stanza in re.split(r"\n\s*\n", token.content.strip("\n")):
                if lines := [_clean(ln) for ln in stanza.splitlines() if ln.strip()]:
                    blocks.append(_Text(lines, line))
            continue
        if token.type in ("fence", "code_block") and token.content.strip():
            omitted.append(omission(UNREADABLE, f"{path.name}:{line}", [token.content]))
            continue
        if token.type == "hr" and token.level == 0:
            blocks.append(_Break(line))
            continue
        if token.type != "inline":
            continue  # html_block and the open/close tokens carry no inline text
        opener = tokens[i - 1]
        lines = _inline_lines(token)
        if not lines:
            continue  # e.g. a paragraph holding only an image, or a heading with no words
        if opener.type == "heading_open" and opener.level == 0:
            blocks.append(_Heading(int(opener.tag[1:]), _without_refs(_join_lines(lines))[0], line))
        else:
            end = opener.map[1] if opener.map else 0
            blocks.append(_Text(lines, line, end))  # paragraphs, list items, quotes, nested headings
    return blocks


def _inline_lines(token: Token) -> list[str]:
    """The spoken text of one inline token, split at line breaks, markup removed."""
    lines: list[list[str]] = [[]]
    in_autolink = False
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "text_special", "code_inline"):
            if not in_autolink:  # an autolink's text is the URL itself: not worth reading
                lines[-1].append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            lines.append([])
        elif kind == "link_open":
            in_autolink = child.markup == "autolink"
        elif kind == "link_close":
            in_autolink = False
        elif kind == "footnote_ref":  # where a note's marker stood (read by --notes, never the marker)
            lines[-1].append(note_mark(child.meta["id"]))
        # image, html_inline and emphasis/strike markers are not read
    cleaned = (_clean(_without_pandoc_markup("".join(parts))) for parts in lines)
    return [line for line in cleaned if line]


# Pandoc's extensions that CommonMark leaves as text: attributes ("## Options {.options}",
# "`x`{.py}"), bracketed spans ("[FILE]{#opt}") and implicit header links ("[below][Options]").
_PANDOC_SPAN = re.compile(r"\[([^\[\]\n]{1,200})\](?:\{[#.][^{}\n]{0,200}\}|\[[^\[\]\n]{0,200}\])")
_PANDOC_ATTRIBUTES = re.compile(r"(?<![ \t])[ \t]*+\{[#.-][^{}\n]{0,200}\}")  # from a run's start only: linear


def _without_pandoc_markup(text: str) -> str:
    return _PANDOC_ATTRIBUTES.sub("", _PANDOC_SPAN.sub(r"\1", text))


def _without_refs(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Text with its footnote markers taken out, and (offset, footnote id) for each."""
    text, refs = take_note_marks(text)
    return (_clean(text) if refs else text), refs


def _clean(text: str) -> str:
    text = " ".join(text.split())
    # Removing an image or footnote marker can leave "word ." behind.
    return re.sub(r"(?<! ) ++([,.;:!?])(?=\s|$)", r"\1", text)  # not "the .yaml file"


_join_lines = join_lines


# --- Project Gutenberg's header and licence ------------------------------------------------


def _without_gutenberg(
    blocks: list[_Block], lines: list[str], path: Path, options: IngestOptions, omitted: list[Omission]
) -> tuple[list[_Block], _Meta]:
    """The blocks of the book itself: a Markdown conversion of a Gutenberg edition keeps the
    header (up to ``*** START OF ...``) and the licence (from ``*** END OF ...``). The marker
    lines are found in the source, since Markdown turns their asterisks into emphasis."""
    start, end = gutenberg.body_span([line.strip() for line in lines])
    if start == 0 and end == len(lines):
        return blocks, _Meta()
    header_meta = gutenberg.header_metadata(lines[:start])
    meta = _Meta(header_meta.title, header_meta.authors or None, header_meta.language)
    # body_span's start is the line after the marker (1-based: the marker's own line number).
    inside = [b for b in blocks if start < b.line <= end]
    if LICENCE not in options.keep:
        marker = start > 0 and gutenberg.is_start(lines[start - 1].strip())
        header = [line for line in lines[: start - 1 if marker else start] if line.strip()]
        footer = [line for line in lines[end + 1 :] if line.strip()]
        if header:
            omitted.append(omission(LICENCE, f"{path.name}:1", header))
        if footer:
            omitted.append(omission(LICENCE, f"{path.name}:{end + 2}", footer))
    else:
        inside = blocks
    # Production credits right after the START line, and transcriber's notes.
    texts = [b.text if isinstance(b, _Text) else "" for b in inside]
    drop = set(gutenberg.credit_indices(texts, 0))
    drop |= {i for i, b in enumerate(inside) if not isinstance(b, _Break) and gutenberg.is_transcriber_note(b.text)}
    kept: list[_Block] = []
    credits: list[_Block] = []  # kept (--keep transcriber-notes): read after the title heading
    for i, block in enumerate(inside):
        if i not in drop:
            kept.append(block)
        elif TRANSCRIBER_NOTES in options.keep:
            credits.append(block)
        else:
            omitted.append(omission(TRANSCRIBER_NOTES, f"{path.name}:{block.line}", [block.text]))
    at = 1 if kept and isinstance(kept[0], _Heading) else 0
    return kept[:at] + credits + kept[at:], meta


# --- title and leading metadata lines ------------------------------------------------------


def _field_blocks(blocks: list[_Block]) -> tuple[_Meta, list[_Block]]:
    """Metadata at the very top, as headings or paragraphs: "# Title: The Book", "## Author:
    Jane Doe", "## Year: 1907", "Translator: ...", or a Pandoc title block ("% Title",
    "% Author", "% Date"). They are never chapter text or chapter titles."""
    meta = _Meta()
    taken = 0
    for block in blocks:
        if isinstance(block, _Break):
            break
        lines = [block.text] if isinstance(block, _Heading) else block.lines
        if taken == 0 and isinstance(block, _Text) and all(line.startswith("%") for line in lines):
            values = [line.lstrip("%").strip() for line in lines]
            meta.title = values[0] if values else ""
            meta.authors = split_authors(values[1]) if len(values) > 1 and values[1] else None
            taken += 1
            continue
        fields = [_metadata_line(line, has_title=False) for line in lines]
        if not all(fields) or not any(key in _STRICT_FIELDS for key, _ in (f for f in fields if f)):
            break
        meta.take(fields)
        taken += 1
    if taken and taken < len(blocks) and isinstance(blocks[taken], _Break):
        taken += 1  # the rule under the metadata
    return meta, blocks[taken:]



def _layout_headings(blocks: list[_Block]) -> tuple[list[_Block], int]:
    """A Markdown book with no headings: the paragraphs that head its chapters by layout
    (``narration.ingest.layout``: a short line after two or more blank lines, prose or a stanza
    right after it, three or more in one style; labelled ones, "Chapter 2", too) become level-1
    headings. Returns the blocks and how many were made headings."""
    if any(isinstance(b, _Heading) for b in blocks):
        return blocks, 0
    repeated = Counter(" ".join(b.text.casefold().split()) for b in blocks if isinstance(b, _Text) and len(b.lines) <= 2)
    styles: dict[int, tuple[str, bool]] = {}
    last = 0  # the last line of the block before
    for k, block in enumerate(blocks):
        gap = block.line - last - 1 if last else 0
        last = (block.end or block.line + len(block.lines) - 1) if isinstance(block, _Text) else block.line
        if not isinstance(block, _Text) or gap < 2 or len(block.lines) > 2 or not _leads_text(blocks, k):
            continue
        if repeated[" ".join(block.text.casefold().split())] >= 3:
            continue  # a speaker's name, a refrain
        style = "label" if heading_label(block.text) is not None else line_style(block.text)
        if style is not None:
            styles[k] = (style, gap >= 3)
    made = set(in_pattern(styles))
    return [_Heading(1, b.text, b.line) if k in made else b for k, b in enumerate(blocks)], len(made)


def _leads_text(blocks: list[_Block], k: int) -> bool:
    """Whether prose (a sentence of six words or more) or a stanza follows block ``k``."""
    after = blocks[k + 1] if k + 1 < len(blocks) else None
    if not isinstance(after, _Text):
        return False
    words = after.text.split()
    prose = len(words) >= 30 or (len(words) >= 6 and bool(re.search(r"[.!?…][\"'”’)»]*$", after.text)))
    stanza = len(after.lines) >= 2 and all(len(line) <= 70 for line in after.lines)
    return prose or stanza


def _split_title_heading(blocks: list[_Block], fm_title: str) -> tuple[_Heading | None, list[_Block]]:
    if not blocks or not isinstance(blocks[0], _Heading):
        return None, blocks
    first = blocks[0]
    headings = [b for b in blocks if isinstance(b, _Heading)]
    if heading_label(first.text) is not None:
        return None, blocks  # "Chapter 1" / "Part One" is never the book's title
    empty_section = _section_is_empty(blocks)
    if fm_title:
        is_title = empty_section or _same_text(first.text, fm_title)
    else:
        top = min(h.level for h in headings)
        alone_at_top = first.level == top and sum(h.level == top for h in headings) == 1
        is_title = alone_at_top or empty_section
    return (first, blocks[1:]) if is_title else (None, blocks)


def _section_is_empty(blocks: list[_Block]) -> bool:
    """Whether the first heading's section holds nothing but byline lines."""
    first = blocks[0]
    assert isinstance(first, _Heading)
    for block in blocks[1:]:
        if isinstance(block, _Heading):
            return block.level <= first.level
        if not all(_metadata_line(line, has_title=True) for line in block.lines):
            return False
    return False  # nothing after it at all: a lone heading is not an empty section of a book


def _leading_metadata(blocks: list[_Block], has_title: bool) -> tuple[_Meta, list[_Block]]:
    """Consume leading paragraphs made only of 'Title:', 'Author:', 'by Name' lines."""
    meta = _Meta()
    consumed = 0
    for block in blocks:
        if not isinstance(block, _Text):
            break
        fields = [_metadata_line(line, has_title or bool(meta.title)) for line in block.lines]
        if not all(fields):
            break
        meta.take(fields)
        consumed += 1
    return meta, blocks[consumed:]


_FIELD_NAMES = {
    "title": "title", "タイトル": "title", "題名": "title",
    "author": "authors", "authors": "authors", "著者": "authors", "作者": "authors",
    "language": "language", "lang": "language",
    # Read and dropped: they name the edition, not the reading text.
    "year": "year", "date": "date", "translator": "translator", "illustrator": "illustrator",
    "editor": "editor", "訳者": "translator", "翻訳": "translator",
}  # fmt: skip
# Fields that make a heading a metadata line ("# Title: ...", "## Year: 1907").
_STRICT_FIELDS = {"title", "authors", "language", "year", "date", "translator", "illustrator", "editor"}
_FIELD_LINE = re.compile(r"^\s*([^\s:：]+)\s*[:：]\s*(\S.*)$")
# The names a word at a time, without a closing period ("(\S.*?)\.?\s*$" tried the end at every
# character: quadratic); spaces before that period stay in them, as they did.
_BY_LINE = re.compile(r"^\s*by\s++(\S(?:[^\S\n]*+[^\s.]|[^\S\n]*+\.(?!\s*+\Z))*+(?:[^\S\n]*+(?=\.))?)\.?\s*$",
                      re.IGNORECASE)
_NAME_PARTICLES = {"and", "&", "de", "da", "di", "du", "del", "la", "le", "van", "von", "der", "den", "ten"}


def _metadata_line(line: str, has_title: bool) -> tuple[str, str] | None:
    match = _FIELD_LINE.match(line)
    if match and match.group(1).lower() in _FIELD_NAMES:
        return _FIELD_NAMES[match.group(1).lower()], match.group(2).strip()
    match = _BY_LINE.match(line)
    # "by Name" only right after a title, and only if it reads as a name, not "By the river".
    if match and has_title and _looks_like_names(match.group(1)):
        return "authors", match.group(1)
    return None


def _looks_like_names(text: str) -> bool:
    words = text.replace(",", " ").split()
    return 0 < len(words) <= 8 and all(w[0].isupper() or w.lower() in _NAME_PARTICLES for w in words)


# --- headings -> chapters -------------------------------------------------------------------

# Roman numeral; the lookbehind makes sure at least one letter was taken (every part is optional).
_ROMAN = r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})(?<=[MDCLXVImdclxvi])"
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty first second third fourth fifth sixth seventh "
    "eighth ninth tenth eleventh twelfth last"
).split()
# Ordinals and the first cardinals of the other languages we read, for "CHAPITRE PREMIER",
# "Capítulo primero", "Erstes Kapitel", "Ensimmäinen runo" (longest first: "primera" before "prim").
_FOREIGN_ORDINALS = (
    "premier première deuxième seconde troisième quatrième cinquième sixième septième huitième "
    "neuvième dixième onzième douzième dernier dernière "
    "primero primera primer segundo segunda tercero tercera tercer cuarto cuarta quinto quinta sexto sexta "
    "séptimo séptima octavo octava noveno novena décimo décima último última "
    "primo prima secondo seconda terzo terza quarto quarta sesto sesta settimo settima ottavo ottava nono nona decimo decima ultimo "
    "primeiro primeira terceiro terceira sétimo sétima oitavo oitava "
    "erstes erster erste zweites zweiter zweite drittes dritter dritte viertes vierter vierte fünftes "
    "fünfter fünfte sechstes sechster sechste siebentes siebtes siebter siebte achtes achter achte neuntes "
    "neunter neunte zehntes zehnter zehnte letztes letzter letzte "
    "eerste tweede derde vierde vijfde zesde zevende achtste negende tiende laatste "
    "ensimmäinen toinen kolmas neljäs viides kuudes seitsemäs kahdeksas yhdeksäs kymmenes viimeinen "
    "первая первый первое вторая второй второе третья третий третье четвёртая четвертая четвёртый четвертый "
    "пятая пятый шестая шестой седьмая седьмой восьмая восьмой девятая девятый десятая десятый последняя последний "
    "перша перший друга другий третя третій четверта четвертий п'ята п'ятий остання останній"
).split()
_FOREIGN_CARDINALS = (
    "un une deux trois quatre cinq six sept huit neuf dix uno dos tres cuatro cinco seis siete ocho nueve "
    "diez due tre quattro cinque sette otto dieci um dois três sete oito eins zwei drei vier fünf sechs "
    "sieben acht neun zehn een twee drie vijf zes zeven negen tien"
).split()


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _alternation(words: list[str]) -> str:
    """Longest first; each word also as printed without its accents, as titles in capitals often
    are ("LIVRE DEUXIEME", "CAPITULO SEPTIMO")."""
    forms = {*words, *map(_unaccented, words)}
    return "|".join(re.escape(w) for w in sorted(forms, key=len, reverse=True))


_ORDINAL = rf"(?:{_alternation(_FOREIGN_ORDINALS)})"
_NUMBER = rf"(?:\d+|{_ROMAN}|(?:the\s+)?(?:{'|'.join(_NUMBER_WORDS)})|{_ORDINAL}|(?:{_alternation(_FOREIGN_CARDINALS)}))"
# Label words by kind, in English, French, Spanish, Italian, Portuguese, German, Dutch, Finnish,
# Russian and Ukrainian.
_LABEL_WORDS = {
    "chapter": "chapter chap. chapitre capítulo capitolo kapitel hoofdstuk luku глава розділ",
    "part": "part partie parte teil deel osa часть частина",
    "book": "book livre libro livro buch boek kirja книга",
    "volume": "volume vol. tome tomo band nide том",
    "canto": "canto chant gesang runo laulu",
    "act": "act acte acto atto ato akt aufzug bedrijf näytös",
    "letter": "letter lettre carta lettera brief kirje",
    "stave": "stave", "fable": "fable", "story": "story", "tale": "tale",
}
_LABEL_KIND = {form: kind for kind, words in _LABEL_WORDS.items() for word in words.split()
               for form in (word, _unaccented(word))}
LABEL_WORDS = _alternation(list(_LABEL_KIND))
# Numbered labels: the label word gives the kind. The number follows it ("Chapitre premier") or,
# as an ordinal word, first ("Erstes Kapitel", "Ensimmäinen runo", "Primera parte").
NUMBERED_LABEL = re.compile(rf"^(?:({LABEL_WORDS})\s+{_NUMBER}(?!\w)|{_ORDINAL}\s+({LABEL_WORDS})(?!\w))", re.IGNORECASE)
# Unnumbered headings that are chapters in all but name.
CHAPTER_NAMES = re.compile(
    r"^(prologue|epilogue|preface|foreword|afterword|introduction|conclusion|interlude|appendix"
    r"|prólogo|prologo|prolog|proloog|prologi|épilogue|epílogo|epilogo|epilog|epiloog|epilogi"
    r"|préface|prefacio|prefazione|prefácio|vorwort|voorwoord|esipuhe|avant-propos"
    r"|introducción|introduzione|introdução|einleitung|inleiding|johdanto|nachwort|postface)\b"
    r"|^(序章|終章|序|プロローグ|エピローグ|まえがき|あとがき)",
    re.IGNORECASE,
)
_JA_LABEL = re.compile(r"^第[0-9０-９一二三四五六七八九十百千]+([章部話巻節])")
# A bare number: "12", "XII", "I. Loomings" (a lone "I" needs punctuation: "I Wandered" is prose).
_BARE_NUMBER = re.compile(rf"^(?:\d+|{_ROMAN})(?:[.:)]|$)|^(?:\d+|(?=[MDCLXVI]{{2}}){_ROMAN})\s")
_CONTAINER_KINDS = {"part", "book", "volume", "vol.", "部", "巻"}
_SAME_KIND = {"chap.": "chapter", "vol.": "volume", "章": "chapter", "話": "chapter", "節": "section"}


# Cyrillic letters shaped like Roman numerals' (Х, І, С, М), typed into
# numerals by Russian and Ukrainian texts: "ГЛАВА ХIII." with a Cyrillic Х.
_CYRILLIC_ROMAN = str.maketrans("ХІСМ", "XICM")
_MIXED_NUMERAL = re.compile(r"(?<!\w)(?=[IVXLCDMХІСМ]*[ХІСМ])(?=[IVXLCDMХІСМ]*[IVXLCDM])[IVXLCDMХІСМ]+(?!\w)")


def latin_numerals(text: str) -> str:
    """Roman numerals with Cyrillic look-alikes among their Latin letters written in Latin ones."""
    return _MIXED_NUMERAL.sub(lambda m: m.group(0).translate(_CYRILLIC_ROMAN), text)


def heading_label(text: str) -> str | None:
    """The kind of label a heading carries ("chapter", "part", "number"...), or None for a name."""
    text = latin_numerals(text.strip())
    if match := NUMBERED_LABEL.match(text):
        kind = _LABEL_KIND.get((match.group(1) or match.group(2)).lower(), "chapter")
    elif CHAPTER_NAMES.match(text):
        kind = "chapter"
    elif match := _JA_LABEL.match(text):
        kind = match.group(1)
    elif _BARE_NUMBER.match(text):
        kind = "number"
    else:
        return None
    return _SAME_KIND.get(kind, kind)


def _chapters(
    blocks: list[_Block],
    book_title: str,
    path: Path,
    authors: list[str] | None = None,
    options: IngestOptions | None = None,
    omitted: list[Omission] | None = None,
    notes: dict[int, str] | None = None,
    language: str = "en",
) -> tuple[list[Chapter], str]:
    """The chapters, and one line saying how they were found (``Book.structure``); footnotes
    (``notes`` by id) placed as ``options.notes`` says."""
    options = options or IngestOptions()
    notes = notes or {}
    marks: dict[int, list[list[tuple[int, str]]]] = {}  # id(chapter) -> each paragraph's note markers
    omitted = omitted if omitted is not None else []
    content = [b for b in blocks if not isinstance(b, _Break)]
    headings = [b for b in content if isinstance(b, _Heading)]
    is_chapter_heading = _chapter_rule(headings, content)
    casing = book_casing(language, [b.text for b in content if isinstance(b, _Text)])
    chapters: list[Chapter] = []
    current: Chapter | None = None
    front: Chapter | None = None  # the text before the first chapter heading
    pending: list[_Heading] = []  # chapter headings with no text yet: "Part One", then "Chapter 1"
    started: list[_Heading] = []
    joined = 0  # chapters whose title carries an empty part/book heading before it
    for block in blocks:
        if isinstance(block, _Break):
            if current is not None and current.paragraphs:
                current.paragraphs[-1].scene_break = True
            continue
        if isinstance(block, _Heading) and is_chapter_heading(block):
            # A deeper or equal empty heading before this one was an empty section, not a parent;
            # but "## VOLUME I", "## BOOK FIRST", "## CHAPTER I" on one level all open the chapter.
            kind = heading_label(block.text)
            pending = [h for h in pending if h.level < block.level or _contains(h, kind)] + [block]
            current = None
            continue
        if current is None:
            title = ": ".join(caps_to_title(h.text, casing) for h in pending) or book_title
            line = pending[-1].line if pending else block.line
            current = Chapter(title=title, source=f"{path.name}:{line}")
            chapters.append(current)
            if pending:
                started.append(pending[-1])
                joined += len(pending) > 1
            elif not chapters[:-1]:
                front = current
            pending = []
        # A section heading is read as a line of its chapter.
        text, refs = _without_refs(block.text)
        current.paragraphs.append(Paragraph(text))
        marks.setdefault(id(current), []).append([(offset, notes.get(key, "")) for offset, key in refs])
    for chapter in chapters:
        if options.notes != "skip":
            marked = [MarkedParagraph(p, r) for p, r in zip(chapter.paragraphs, marks.get(id(chapter), []), strict=True)]
            chapter.paragraphs = place_notes(marked, options.notes, language)
        if chapter.paragraphs:
            chapter.paragraphs[-1].scene_break = False  # a chapter's end is not a scene break
    chapters = _without_furniture(chapters, front, book_title, authors or [], path, options, omitted)
    return chapters, _structure(started, chapters, front in chapters, joined)


def _contains(heading: _Heading, kind: str | None) -> bool:
    """Whether an empty heading is a container of a same-level heading of ``kind``."""
    outer = heading_label(heading.text)
    return outer in _CONTAINER_KINDS and outer != kind


_CONTENTS_TITLE = re.compile(r"^\W*(?:table\s+of\s+)?contents\W*$|^\W*list\s+of\s+illustrations\W*$|^目次$", re.IGNORECASE)


def _without_furniture(
    chapters: list[Chapter], front: Chapter | None, title: str, authors: list[str], path: Path,
    options: IngestOptions, omitted: list[Omission],
) -> list[Chapter]:
    """Leave out a title page or copyright lines before the first chapter heading, and tables
    of contents (a Contents heading over a list of short lines)."""
    out: list[Chapter] = []
    for chapter in chapters:
        texts = [p.text for p in chapter.paragraphs]
        short = all(len(t.split()) <= 15 for t in texts)
        if chapter is front and len(chapters) > 1:
            copyright = [p for p in chapter.paragraphs if is_copyright_line(p.text)]
            if copyright and COPYRIGHT not in options.keep:
                omitted.append(omission(COPYRIGHT, chapter.source, [p.text for p in copyright]))
                chapter.paragraphs = [p for p in chapter.paragraphs if p not in copyright]
            # Credits read on purpose (--keep transcriber-notes) are not part of a title page.
            credits = [p for p in chapter.paragraphs if TRANSCRIBER_NOTES in options.keep and gutenberg.is_credit(p.text)]
            page = [p.text for p in chapter.paragraphs if p not in credits]
            if page and looks_like_title_page(page, title, authors) and TITLE_PAGE not in options.keep:
                omitted.append(omission(TITLE_PAGE, chapter.source, page))
                chapter.paragraphs = credits
            texts = [p.text for p in chapter.paragraphs]
            if not texts:
                continue
        first = chapter.title if chapter is not front else (texts[0] if texts else "")
        if _CONTENTS_TITLE.match(first) and short and CONTENTS not in options.keep:
            omitted.append(omission(CONTENTS, chapter.source, [chapter.title, *texts]))
            continue
        out.append(chapter)
    return out


def _structure(started: list[_Heading], chapters: list[Chapter], has_front: bool, joined: int) -> str:
    if not started:
        return "no chapter headings: the whole text is one chapter"
    levels = sorted({h.level for h in started})
    level = "/".join("#" * n for n in levels)
    text = f"{len(started)} chapter headings ({level} headings; first: {clean_title(chapters[int(has_front)].title)!r})" if len(chapters) > int(has_front) else f"{len(started)} chapter headings"
    if joined:
        text += f", {joined} of them under a part/book heading with no text of its own"
    if has_front:
        text += "; the text before the first heading is a chapter named after the book"
    return text


def _chapter_rule(headings: list[_Heading], blocks: list[_Block]) -> Callable[[_Heading], bool]:
    """Steps 2 and 3 of the module rule: which headings start chapters."""
    with_text = {
        id(block)
        for block, after in zip(blocks, blocks[1:], strict=False)
        if isinstance(block, _Heading) and isinstance(after, _Text)
    }
    content = [h for h in headings if id(h) in with_text]
    chapter_like = [h for h in content if heading_label(h.text) not in _CONTAINER_KINDS]
    if chapter_like:
        level = min(h.level for h in chapter_like)
    elif content:
        level = min(h.level for h in content)
    else:
        level = max((h.level for h in headings), default=1)
    kinds = {heading_label(h.text) for h in headings if h.level <= level} - {None}

    def is_chapter_heading(heading: _Heading) -> bool:
        return heading.level <= level or heading_label(heading.text) in kinds

    return is_chapter_heading


# --- small helpers --------------------------------------------------------------------------


def detect_language(text: str) -> str:
    """The language ``text`` is clearly in (``narration.ingest.language``), for reading a book
    that declares none. Where it cannot tell (a few words): 'ja' when most letters are kana or
    kanji, else 'en'. The book's language is decided again, chapter by chapter, once it is read."""
    if found := detect(sample(text.split("\n"))):
        return found.language
    letters = [ch for ch in text if ch.isalpha()]
    return "ja" if letters and sum(map(is_cjk, letters)) / len(letters) > 0.5 else "en"


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", s).casefold().split())

    return norm(a) == norm(b)
