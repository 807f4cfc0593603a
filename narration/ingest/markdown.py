"""Markdown (and plain-text) books -> ``Book``.

The file is parsed into markdown-it tokens; only reading text survives: images, link targets,
raw HTML, code blocks, footnotes and tables are dropped (tables with a warning, since their
content is lost), emphasis markers vanish, list items and blockquote paragraphs become
ordinary paragraphs. ``.txt`` files go through the same parser with indented code blocks
turned off, so indented prose paragraphs are still read.

Metadata comes from YAML front matter (``title``, ``author``/``authors``, ``language``/``lang``),
else from leading lines: a title heading, then ``by Name`` / ``Author: Name`` (also ``Title:``
and ``Language:``) paragraphs.

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
   and joined to the next chapter's ("Part One: Chapter 1"). Text before any chapter heading
   forms a chapter named after the book.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from narration.errors import InputError
from narration.ingest.safety import read_book_file
from narration.model import Book, Chapter, Paragraph

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

    @property
    def text(self) -> str:
        return _join_lines(self.lines)


_Block = _Heading | _Text


@dataclass
class _Meta:
    title: str = ""
    authors: list[str] | None = None
    language: str = ""


def load_markdown(path: Path) -> Book:
    """Read a Markdown or plain-text book; paragraphs get ``text``, ``sentences`` stay empty."""
    path = Path(path)
    source = _read_source(path)
    tokens = _parser(plain_text=path.suffix.lower() in PLAIN_TEXT_SUFFIXES).parse(source)
    meta = _front_matter(tokens, path)
    blocks = _blocks(tokens, path)

    title_heading, body = _split_title_heading(blocks, meta.title)
    lead, body = _leading_metadata(body, has_title=bool(title_heading or meta.title))
    heading_title = title_heading.text if title_heading else ""
    title = meta.title or heading_title or lead.title or _title_from_name(path)
    authors = meta.authors if meta.authors is not None else (lead.authors or [])

    chapters = _chapters(body, title, path)
    if not any(ch.paragraphs for ch in chapters):
        raise InputError(path, "no readable text (only headings, code, images, HTML or tables)")
    language = meta.language or lead.language or detect_language(
        "\n".join(p.text for ch in chapters for p in ch.paragraphs)
    )
    return Book(title=title, authors=authors, language=language, chapters=chapters, source=str(path))


# --- reading -------------------------------------------------------------------------------


def _read_source(path: Path) -> str:
    data = read_book_file(path)  # missing, directory, empty, oversized, unreadable
    if not data.strip():
        raise InputError(path, "file is empty (only whitespace)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "UTF-16 text; save the file as UTF-8")
    if b"\x00" in data:
        raise InputError(path, "binary file (contains NUL bytes), not Markdown or text")
    try:
        return data.decode("utf-8-sig")  # a BOM is common in files saved by Windows editors
    except UnicodeDecodeError as exc:
        raise InputError(
            path, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc


def _parser(plain_text: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(footnote_plugin)
    if plain_text:
        # Plain-text books often indent paragraphs; as Markdown those would be code and go unread.
        md.disable("code")
    return md


def _front_matter(tokens: list[Token], path: Path) -> _Meta:
    token = next((t for t in tokens if t.type == "front_matter"), None)
    if token is None:
        return _Meta()
    try:
        data = yaml.safe_load(token.content)
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
    parts = re.split(r"\s*(?:;|,|&|\band\b|、)\s*", _clean(text))
    return [p for p in (part.strip() for part in parts) if p]


def _language_tag(value: Any) -> str:
    """'en-US' / 'EN_gb' / 'ja' -> primary subtag; anything unusable -> '' (detect instead)."""
    if value is None:
        return ""
    primary = re.split(r"[-_]", str(value).strip())[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


# --- tokens -> blocks ------------------------------------------------------------------------

# Block tokens whose whole content is not read aloud: (open type, close type).
_SKIPPED_CONTAINERS = {"table_open": "table_close", "footnote_block_open": "footnote_block_close"}


def _blocks(tokens: list[Token], path: Path) -> list[_Block]:
    """Flatten the token stream into top-level headings and readable paragraphs."""
    blocks: list[_Block] = []
    skip_until: str | None = None
    for i, token in enumerate(tokens):
        if skip_until:
            if token.type == skip_until and token.level == 0:
                skip_until = None
            continue
        if token.type in _SKIPPED_CONTAINERS:
            if token.type == "table_open":
                line = token.map[0] + 1 if token.map else 0
                logger.warning("%s:%d: skipped a table (tables are not read aloud)", path, line)
            if token.level == 0:
                skip_until = _SKIPPED_CONTAINERS[token.type]
            continue
        if token.type != "inline":
            continue  # fence, code_block, html_block, hr carry no inline text and are skipped
        opener = tokens[i - 1]
        lines = _inline_lines(token)
        if not lines:
            continue  # e.g. a paragraph holding only an image, or a heading with no words
        line = (token.map[0] + 1) if token.map else 0
        if opener.type == "heading_open" and opener.level == 0:
            blocks.append(_Heading(int(opener.tag[1:]), _join_lines(lines), line))
        else:
            blocks.append(_Text(lines, line))  # paragraphs, list items, quotes, nested headings
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
        # image, html_inline, footnote_ref and emphasis/strike markers are not read
    cleaned = (_clean("".join(parts)) for parts in lines)
    return [line for line in cleaned if line]


def _clean(text: str) -> str:
    text = " ".join(text.split())
    # Removing an image or footnote marker can leave "word ." behind.
    return re.sub(r" +([,.;:!?])", r"\1", text)


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        # Japanese has no spaces between words: a line break inside a sentence joins directly.
        sep = "" if not out or (_is_cjk(out[-1]) and _is_cjk(line[0])) else " "
        out += sep + line
    return out


# --- title and leading metadata lines ------------------------------------------------------


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
        for key, value in (f for f in fields if f):
            if key == "title" and not meta.title:
                meta.title = value
            elif key == "authors":
                meta.authors = (meta.authors or []) + split_authors(value)
            elif key == "language":
                meta.language = _language_tag(value)
        consumed += 1
    return meta, blocks[consumed:]


_FIELD_NAMES = {
    "title": "title", "タイトル": "title", "題名": "title",
    "author": "authors", "authors": "authors", "著者": "authors", "作者": "authors",
    "language": "language", "lang": "language",
}  # fmt: skip
_FIELD_LINE = re.compile(r"^\s*([^\s:：]+)\s*[:：]\s*(\S.*)$")
_BY_LINE = re.compile(r"^\s*by\s+(\S.*?)\.?\s*$", re.IGNORECASE)
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
_NUMBER = rf"(?:\d+|{_ROMAN}|(?:the\s+)?(?:{'|'.join(_NUMBER_WORDS)}))"
# Numbered labels: the label word is the kind ("chapter", "part"...).
_NUMBERED_LABEL = re.compile(
    rf"^(chapter|chap\.|part|book|volume|vol\.|stave|canto|letter|act|fable|story|tale)\s+{_NUMBER}\b",
    re.IGNORECASE,
)
# Unnumbered headings that are chapters in all but name.
_CHAPTER_NAMES = re.compile(
    r"^(prologue|epilogue|preface|foreword|afterword|introduction|conclusion|interlude|appendix)\b"
    r"|^(序章|終章|序|プロローグ|エピローグ|まえがき|あとがき)",
    re.IGNORECASE,
)
_JA_LABEL = re.compile(r"^第[0-9０-９一二三四五六七八九十百千]+([章部話巻節])")
# A bare number: "12", "XII", "I. Loomings" (a lone "I" needs punctuation: "I Wandered" is prose).
_BARE_NUMBER = re.compile(rf"^(?:\d+|{_ROMAN})(?:[.:)]|$)|^(?:\d+|(?=[MDCLXVI]{{2}}){_ROMAN})\s")
_CONTAINER_KINDS = {"part", "book", "volume", "vol.", "部", "巻"}
_SAME_KIND = {"chap.": "chapter", "vol.": "volume", "章": "chapter", "話": "chapter", "節": "section"}


def heading_label(text: str) -> str | None:
    """The kind of label a heading carries ("chapter", "part", "number"...), or None for a name."""
    text = text.strip()
    if match := _NUMBERED_LABEL.match(text):
        kind = match.group(1).lower()
    elif _CHAPTER_NAMES.match(text):
        kind = "chapter"
    elif match := _JA_LABEL.match(text):
        kind = match.group(1)
    elif _BARE_NUMBER.match(text):
        kind = "number"
    else:
        return None
    return _SAME_KIND.get(kind, kind)


def _chapters(blocks: list[_Block], book_title: str, path: Path) -> list[Chapter]:
    is_chapter_heading = _chapter_rule([b for b in blocks if isinstance(b, _Heading)], blocks)
    chapters: list[Chapter] = []
    current: Chapter | None = None
    pending: list[_Heading] = []  # chapter headings with no text yet: "Part One", then "Chapter 1"
    for block in blocks:
        if isinstance(block, _Heading) and is_chapter_heading(block):
            # A deeper or equal empty heading before this one was an empty section, not a parent.
            pending = [h for h in pending if h.level < block.level] + [block]
            current = None
            continue
        if current is None:
            title = ": ".join(h.text for h in pending) or book_title
            line = pending[-1].line if pending else block.line
            current = Chapter(title=title, source=f"{path.name}:{line}")
            chapters.append(current)
            pending = []
        # A section heading is read as a line of its chapter.
        text = block.text
        current.paragraphs.append(Paragraph(text))
    return chapters


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


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= code <= 0x31FF  # katakana extensions
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana
        or 0x3000 <= code <= 0x303F  # CJK punctuation (。、「」)
    )


def detect_language(text: str) -> str:
    """'ja' when most letters are kana or kanji, else 'en' (the two languages we narrate)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "en"
    japanese = sum(1 for ch in letters if _is_cjk(ch))
    return "ja" if japanese / len(letters) > 0.5 else "en"


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", s).casefold().split())

    return norm(a) == norm(b)


def _title_from_name(path: Path) -> str:
    return " ".join(re.split(r"[-_\s]+", path.stem)).strip() or path.name
