"""HTML/XHTML -> reading text, block by block. Shared by EPUB ingest and Markdown ingest.

What a listener should hear is the running text: every block element (p, li, h1..h6, div...)
becomes one ``Block``; whitespace is collapsed as a browser would; ``<br>`` keeps a line break
(two in a row start a new paragraph). Ruby with a kana reading (Japanese furigana) becomes
Aozora Bunko notation, ``｜吾輩《わがはい》``, so the voice says the reading and readers see the
base (``narration.ruby``); other ruby (pinyin, glosses) keeps only its base text.

Dropped, because reading it aloud makes no sense: images, SVG, scripts and styles, tables and
preformatted code (recorded as omissions, since that is real content), note reference markers
(``epub:type="noteref"``, ``role="doc-noteref"``, ``<sup><a href="#fn1">1</a></sup>``), page
break markers, embedded navigation, hidden elements, and - unless ``keep_notes`` - footnote and
endnote bodies. Left out and recorded by kind (``narration.ingest.omissions``), unless the kind
is in ``keep``: Project Gutenberg's header and licence, transcriber's notes, illustration
captions, contents lines (a paragraph that is only links into the book) and furniture marked by
``epub:type``/``role``.

A note marker that ``note_ref`` resolves is remembered on its block (``Block.refs``: the text
offset where it stood and the note's key), so notes can be read inline or at a chapter's end.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from narration.ingest import gutenberg
from narration.ingest.notes import note_mark, take_note_marks
from narration.ingest.omissions import (
    CAPTIONS,
    COLOPHON,
    CONTENTS,
    COPYRIGHT,
    LICENCE,
    MATH,
    NOTES,
    TITLE_PAGE,
    TRANSCRIBER_NOTES,
    UNREADABLE,
)
from narration.ingest.safety import read_html_tree
from narration.ingest.textfile import looks_like_code
from narration.ruby import is_kana, ruby_notation

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# epub:type values (EPUB 3 Structural Semantics) and DPUB-ARIA roles, lower case.
# ("note" is left out on purpose: publishers such as O'Reilly mark in-flow callout boxes with it.)
NOTE_TYPES = frozenset(
    {"footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes"}
    | {"doc-footnote", "doc-endnote", "doc-endnotes"}
)
MARKER_TYPES = frozenset(
    {"noteref", "backlink", "pagebreak", "biblioref", "annoref"}
    | {"doc-noteref", "doc-backlink", "doc-pagebreak", "doc-biblioref"}
)
# Publishing furniture nobody wants narrated. Prose front/back matter (preface, foreword,
# dedication, acknowledgments, afterword, glossary) is read.
NON_NARRATIVE_TYPES = frozenset(
    {"cover", "titlepage", "title-page", "halftitlepage", "copyright-page", "toc", "loi", "lot"}
    | {"landmarks", "page-list", "index", "colophon", "imprint", "imprimatur", "seriespage"}
    | {"bibliography", "credits"}
    | {"doc-cover", "doc-toc", "doc-index", "doc-colophon", "doc-pagelist", "doc-bibliography", "doc-credits"}
)
# Which omission kind each furniture type is (for the dry-run and --keep).
TYPE_KINDS = {
    "copyright-page": COPYRIGHT, "toc": CONTENTS, "doc-toc": CONTENTS, "loi": CONTENTS, "lot": CONTENTS,
    "landmarks": CONTENTS, "page-list": CONTENTS, "doc-pagelist": CONTENTS, "index": CONTENTS,
    "doc-index": CONTENTS, "bibliography": CONTENTS, "doc-bibliography": CONTENTS, "colophon": COLOPHON,
    "doc-colophon": COLOPHON, "imprimatur": COLOPHON, "credits": COLOPHON, "doc-credits": COLOPHON,
}  # fmt: skip
NOTE_REF_TYPES = frozenset({"noteref", "doc-noteref"})
NOTE_CLASSES = frozenset({"footnote", "footnotes", "endnote", "endnotes", "foot"})  # "foot": Gutenberg's "(return)" notes
# A class naming an ornament (a printer's flower, a tailpiece closing a chapter: Bibebook's
# <p class="culdelampe">q</p>, a letter in a dingbat font read as "q"): a scene break, not text.
_ORNAMENT_CLASS = re.compile(r"cul-?de-?lampe|ornament|ornement|fleuron|dinkus|tailpiece|dingbat", re.IGNORECASE)
_ORNAMENT_CHARS = 10  # an ornament's own text: a glyph or a few; a longer one is text after all
LINE_NUMBER_CLASSES = frozenset({"lnum", "linenum", "linenumber", "line-number", "lineno", "linenr", "linenb"})
CONTENTS_CLASSES = frozenset({"toc", "contents", "tocline", "toc-entry", "loi"})
_CAPTION_CLASS = re.compile(r"caption|^(?:illus|illustration)$")
_INTERNAL_HREF = re.compile(r"^(?![a-z][a-z0-9+.-]*:)", re.IGNORECASE)  # no scheme: inside the book
MARKER_CLASSES = frozenset({"footnote-ref", "footnote-backref", "footnote-back", "noteref", "fnref"})

BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details"}
    | {"dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "header"}
    | {"hgroup", "hr", "html", "legend", "li", "main", "ol", "p", "section", "summary", "ul"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}
# Dropped without comment: not text, or not meant to be read.
SILENT_DROP_TAGS = frozenset(
    {"head", "script", "style", "noscript", "template", "img", "svg", "picture", "canvas", "map"}
    | {"iframe", "object", "embed", "video", "audio", "form", "button", "select", "input", "textarea"}
    | {"nav", "rt", "rp", "rtc"}
)
# Dropped with a notice: real content that cannot be narrated sensibly.
NOTICE_DROP_TAGS = {"table": "table", "pre": "preformatted/code block"}
# A formula a voice can read as it is: a lone variable or number ("x", "n", "42", "3.5").
_SIMPLE_MATH = re.compile(r"[^\W_]{1,2}|\d{1,6}(?:[.,]\d{1,6})?")

# A footnote marker's text: 1, [12], (3), *, †, a, iv.
_MARKER_TEXT = re.compile(r"^[\[(]?(?:\d{1,4}|[*†‡§¶#]{1,3}|[a-z]|[ivxlc]{1,6})[\])]?$", re.IGNORECASE)
_NOTE_ID = re.compile(r"fn|ftn|note|footnote|endnote", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BR = "\x00"  # stands for <br> until blocks are cut; XML text can never contain NUL
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")  # soft hyphen, zero-width space/joiner, BOM
_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A source line break between two CJK characters is layout, not a space (CSS Text 3 does the same).
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t]*[\\r\\n]+[ \\t]*(?=[{_CJK}])")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Block:
    """One paragraph-like unit of text; ``heading`` is 1-6 for h1..h6 (and hgroup parts), else 0.

    ``refs``: note markers that stood in the text, as (character offset, note key).
    ``scene_break``: an ``<hr>`` (a scene break) follows.
    """

    text: str
    heading: int = 0
    refs: tuple[tuple[int, str], ...] = ()
    scene_break: bool = False


@dataclass
class Extract:
    blocks: list[Block] = field(default_factory=list)
    # element id -> index of the block where the element starts (len(blocks) if at the very end)
    anchors: dict[str, int] = field(default_factory=dict)
    # ids of elements that were dropped (notes, tables...): links into them are not reading text
    dropped_anchors: set[str] = field(default_factory=set)
    # left out, as (omission kind, block index where it stood, its text)
    omitted: list[tuple[str, int, str]] = field(default_factory=list)

    def remove(self, marks: Mapping[int, str], *, regions: frozenset[str] = frozenset()) -> None:
        """Take blocks out (block index -> the omission kind it is recorded as), keeping anchors
        right. An anchor on a removed block of a kind in ``regions`` (a licence: text nobody
        reads) is dropped too, so a TOC entry pointing there is skipped."""
        if not marks:
            return
        kept = [i for i in range(len(self.blocks)) if i not in marks]
        new_index = {old: new for new, old in enumerate(kept)}

        def shifted(old: int) -> int:
            return new_index.get(old, sum(1 for j in kept if j < old))

        self.omitted = [(k, shifted(i), t) for k, i, t in self.omitted]
        self.omitted += [(kind, shifted(i), self.blocks[i].text) for i, kind in sorted(marks.items())]
        for anchor, old in list(self.anchors.items()):
            if old in marks and marks[old] in regions:
                self.dropped_anchors.add(anchor)
            self.anchors[anchor] = shifted(old)
        self.blocks = [self.blocks[i] for i in kept]


def local_name(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def semantic_types(el: etree._Element) -> set[str]:
    """epub:type and role tokens, lower case, with and without their vocabulary prefix."""
    raw = " ".join(filter(None, (el.get(EPUB_TYPE), el.get("epub:type"), el.get("role"))))
    tokens = set()
    for token in raw.lower().split():
        tokens.add(token)
        tokens.add(token.rsplit(":", 1)[-1])
    return tokens


def classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").lower().split())


def is_note_container(el: etree._Element) -> bool:
    return bool(semantic_types(el) & NOTE_TYPES or classes(el) & NOTE_CLASSES)


def element_text(el: etree._Element) -> str:
    return _SPACE.sub(" ", "".join(t for t in el.itertext() if isinstance(t, str))).strip()


def document_types(root: etree._Element) -> set[str]:
    """Semantic types of the document as a whole: <body>'s, plus those of a lone wrapper inside it."""
    body = next((el for el in root.iter() if local_name(el) == "body"), None)
    types: set[str] = set()
    el = body
    while el is not None:
        types |= semantic_types(el)
        if is_note_container(el):
            types.add("footnotes")
        children = [c for c in el if isinstance(c.tag, str)]
        el = children[0] if len(children) == 1 else None
    return types


def note_anchor_ids(root: etree._Element) -> set[str]:
    """Ids of note bodies and everything inside them: link targets that mark a note reference."""
    ids: set[str] = set()
    for el in root.iter():
        if isinstance(el.tag, str) and is_note_container(el):
            ids.update(d.get("id") for d in el.iter() if isinstance(d.tag, str) and d.get("id"))
    return ids


def document_title(root: etree._Element) -> str:
    title = next((el for el in root.iter() if local_name(el) == "title"), None)
    return element_text(title) if title is not None else ""


def document_language(root: etree._Element) -> str:
    return root.get(XML_LANG) or root.get("lang") or ""


# A note marker typed as text right after a word ("ailleurs[1]", "Pangloss[12]"): never read.
_TYPED_MARKER = re.compile(r"(?<=[^\s\[(])\[\d{1,3}\]")


def clean_text(raw: str) -> list[str]:
    """Collapse whitespace; ``_BR`` becomes a line break, two or more a paragraph break."""
    raw = _TYPED_MARKER.sub("", _INVISIBLE.sub("", _CJK_BREAK.sub("", raw)))
    paragraphs = []
    for part in re.split(f"{_BR}(?:\\s*{_BR})+", raw):
        lines = (_SPACE.sub(" ", line).strip() for line in part.split(_BR))
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return paragraphs




class _Walker:
    def __init__(
        self,
        keep_notes: bool,
        is_note_link: Callable[[str], bool],
        drop_ids: Iterable[str],
        keep: frozenset[str] = frozenset(),
        note_ref: Callable[[str], str | None] | None = None,
        loose_note: Callable[[etree._Element], str | None] | None = None,
    ) -> None:
        self.keep_notes = keep_notes
        self.loose_note = loose_note
        self.is_note_link = is_note_link
        self.drop_ids = set(drop_ids)
        self.keep = keep
        self.note_ref = note_ref
        self.out = Extract()
        self.buffer: list[str] = []
        self.heading = 0
        self.refs: list[str] = []
        self.pre = False  # inside a <pre> of verse: its line breaks are kept
        self.prefix = ""  # put before the next block's text (a speaker's name)
        self.formulas: list[str] = []  # MathML in the block being read: the block is math

    def buffer_pre(self) -> str:
        """A verse ``<pre>``: each line a line, blank lines between stanzas."""
        return "".join(self.buffer).replace("\r", "").replace("\n\n", _BR + _BR).replace("\n", _BR)

    def flush(self) -> None:
        if self.pre:
            self.buffer = [self.buffer_pre()]
        if self.formulas:
            self.flush_math()
            return
        for text in clean_text("".join(self.buffer)):
            if _SCENE_BREAK.match(text):  # "* * *" typed as a paragraph
                self.buffer.clear()
                self.scene_break()
                continue
            text, marks = take_note_marks(text)
            refs = [(offset, self.refs[number]) for offset, number in marks]
            if refs:
                text = re.sub(r"[ \t]{2,}", " ", text).strip()
            if text and self.prefix:  # a speaker's name before a line of a play set as a table
                refs = [(o + len(self.prefix), k) for o, k in refs]
                text, self.prefix = self.prefix + text, ""
            if text:
                self.out.blocks.append(Block(text, self.heading, tuple((min(o, len(text)), k) for o, k in refs)))
            elif refs and self.out.blocks:  # a marker alone in its block belongs to the one before
                last = self.out.blocks[-1]
                extra = tuple((len(last.text), k) for _, k in refs)
                self.out.blocks[-1] = Block(last.text, last.heading, last.refs + extra, last.scene_break)
        self.buffer.clear()

    def flush_math(self) -> None:
        """A block holding formulas is math: read with them as written (``--keep math``), else
        left out whole and listed. Dropping the formulas alone left "where , , , satisfying ,"."""
        formulas, self.formulas = self.formulas, []
        if MATH in self.keep:
            self.flush()
            return
        text = " ".join("".join(self.buffer).replace(_BR, " ").split())
        self.buffer.clear()
        self.out.omitted.append((MATH, len(self.out.blocks), text or " ".join(formulas)))

    def math(self, el: etree._Element) -> None:
        """A MathML formula: a lone variable or number is read; anything else makes its block math."""
        text = " ".join(element_text(el).split())
        if _SIMPLE_MATH.fullmatch(text):
            self.buffer.append(text)
            return
        self.formulas.append(el.get("alttext") or text)
        self.buffer.append(text)

    def scene_break(self) -> None:
        self.flush()
        if self.out.blocks and not self.out.blocks[-1].heading:
            last = self.out.blocks[-1]
            self.out.blocks[-1] = Block(last.text, last.heading, last.refs, True)

    def walk(self, el: etree._Element) -> None:
        tag = local_name(el)
        if tag == "math":
            self.math(el)
            return
        if (reason := self.drop_reason(el, tag)) is not None:
            # Still record ids inside: a TOC entry pointing into dropped content must be found.
            ids = [d.get("id") for d in el.iter() if isinstance(d.tag, str) and d.get("id")]
            self.out.dropped_anchors.update(ids)
            for anchor in ids:
                self.out.anchors.setdefault(anchor, len(self.out.blocks))
            if reason == _MARKER:
                self.mark_note(el)
            elif reason and (text := element_text(el)):
                self.out.omitted.append((reason, len(self.out.blocks), text))
            return
        if el.get("id"):  # before the elements read whole below (a TOC entry may point at a <pre>)
            self.out.anchors.setdefault(el.get("id"), len(self.out.blocks))
        if tag == "hr" or (tag in ("p", "div") and any(_ORNAMENT_CLASS.search(name) for name in classes(el))
                           and len(element_text(el).strip()) <= _ORNAMENT_CHARS):
            self.scene_break()
            return
        if tag == "table":  # a table of text (drop_reason dropped data tables): verse, or a play
            self.text_table(el)
            return
        if tag == "pre":  # verse set in <pre> (code was dropped by drop_reason)
            self.flush()
            self.pre = True
            self.buffer.append(el.text or "")
            for child in el:
                self.buffer.append(element_text(child) if isinstance(child.tag, str) else "")
                self.buffer.append(child.tail or "")
            self.flush()
            self.pre = False
            return
        if tag == "ruby":
            self.buffer.append(ruby_text(el))
            return
        is_block = tag in BLOCK_TAGS
        outer_heading = self.heading
        if is_block:
            self.flush()
            if tag in HEADING_TAGS:
                self.heading = HEADING_TAGS[tag]
            elif tag == "hgroup":
                self.heading = min(
                    (HEADING_TAGS[local_name(c)] for c in el if local_name(c) in HEADING_TAGS), default=1
                )
        if tag == "br":
            self.buffer.append(_BR)
        self.walk_children(el)
        if is_block:
            self.flush()
            self.heading = outer_heading

    def text_table(self, table: etree._Element) -> None:
        """Verse laid out one line a row is read as lines, a stanza a paragraph; a play's rows
        (speaker, speech) as paragraphs that begin with the speaker's name."""
        self.flush()
        rows = _rows(table)
        if all(len(cells) <= 1 for cells in rows):
            lines = [element_text(cells[0]) if cells else "" for cells in rows]
            self.buffer.append(_BR.join(lines))
            self.flush()
            return
        for cells in rows:
            *speaker, speech = cells
            name = element_text(speaker[0]).rstrip(".:") if speaker else ""
            self.prefix = f"{name}: " if name else ""
            self.walk_children(speech)
            self.flush()
            self.prefix = ""

    def walk_children(self, el: etree._Element) -> None:
        """An element's text and its children, in order (the element itself is not a block)."""
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            if isinstance(child, etree._Entity):
                self.buffer.append(_entity_text(child))
            elif isinstance(child.tag, str):
                self.walk(child)
            if child.tail:
                self.buffer.append(child.tail)

    def mark_note(self, el: etree._Element) -> None:
        """A dropped note marker: remember where it stood, if it leads to a note we know."""
        link = el if local_name(el) == "a" and el.get("href") else None
        link = link if link is not None else next(
            (a for a in el.iter() if local_name(a) == "a" and a.get("href")), None)
        if link is None and local_name(el) == "sup":
            link = next((a for a in el.iterancestors() if local_name(a) == "a" and a.get("href")), None)
        if link is None or self.note_ref is None or "backlink" in " ".join(semantic_types(el)):
            return
        if (key := self.note_ref(link.get("href") or "")) is not None:
            self.buffer.append(note_mark(len(self.refs)))
            self.refs.append(key)

    def drop_reason(self, el: etree._Element, tag: str) -> str | None:
        """None to keep the element, "" to drop it silently, ``_MARKER`` for a note marker, or
        the omission kind it is recorded as."""
        if tag == "pre" and not _looks_like_code(el):
            if "project gutenberg" in element_text(el).lower():
                return None if LICENCE in self.keep else LICENCE
            return None
        if tag == "table" and _is_text_table(el):
            return None
        if tag in NOTICE_DROP_TAGS:
            return UNREADABLE
        if tag in SILENT_DROP_TAGS or el.get("id") in self.drop_ids:
            return ""
        if el.get("hidden") is not None or el.get("aria-hidden") == "true":
            return ""
        if _HIDDEN_STYLE.search(el.get("style") or ""):
            return ""
        if classes(el) & LINE_NUMBER_CLASSES:
            return ""  # a poem's printed line numbers
        types = semantic_types(el)
        if types & MARKER_TYPES or classes(el) & MARKER_CLASSES:
            return _MARKER
        if kind := self.omission_kind(el, tag, types):
            return None if kind in self.keep else kind
        if not self.keep_notes and is_note_container(el):
            if self.loose_note is not None and (key := self.loose_note(el)) is not None:
                # A note no marker links to (Gutenberg's "<p class=footnote>* ...</p>" under its
                # paragraph): it is read from where it stands.
                self.buffer.append(note_mark(len(self.refs)))
                self.refs.append(key)
                return ""
            return NOTES
        if tag == "a" and self.is_marker_link(el):
            return _MARKER
        if tag == "sup" and _MARKER_TEXT.match(element_text(el)):
            links = [a for a in el.iter() if local_name(a) == "a" and a.get("href")]
            if links or _inside_link(el):
                return _MARKER
        return None

    @staticmethod
    def omission_kind(el: etree._Element, tag: str, types: set[str]) -> str | None:
        """The kind of non-narration an element is by its markup, or None for reading text."""
        if gutenberg.boilerplate_element(el):
            return LICENCE
        if gutenberg.transcriber_element(el) or (tag in _NOTE_BOXES and _opens_transcriber_note(el)):
            return TRANSCRIBER_NOTES
        if furniture := types & NON_NARRATIVE_TYPES:
            return next((TYPE_KINDS[t] for t in sorted(furniture) if t in TYPE_KINDS), TITLE_PAGE)
        if tag == "figcaption" or any(_CAPTION_CLASS.search(c) for c in classes(el)):
            return CAPTIONS
        if (tag == "figure" or (tag == "div" and _FIGURE_CLASS.search(el.get("class") or ""))) and _holds_only_figure(el):
            return CAPTIONS  # an illustration with its caption (a figure of text is read)
        if classes(el) & CONTENTS_CLASSES or (tag in _LEAF_BLOCKS and _only_internal_links(el)):
            return CONTENTS
        return None

    def is_marker_link(self, a: etree._Element) -> bool:
        href = a.get("href") or ""
        text = element_text(a)
        if not href or not _MARKER_TEXT.match(text):
            return False
        if self.is_note_link(href):
            return True
        if "#" not in href:
            return False
        has_sup = any(local_name(d) == "sup" for d in a.iter()) or any(
            local_name(p) == "sup" for p in a.iterancestors()
        )
        bracketed = text[0] in "[(" and text[-1] in "])"
        named_like_note = bool(_NOTE_ID.search(f"{a.get('id') or ''} {a.get('class') or ''}"))
        return has_sup or bracketed or named_like_note


_MARKER = "\x00marker"  # drop_reason's answer for a note marker (never an omission kind)
_LEAF_BLOCKS = frozenset({"p", "li", "dt", "dd", "div"})
MANY_LINKS = 8  # a paragraph with this many links into the book, and little else, is a contents list
_FIGURE_CLASS = re.compile(r"fig|illus|image|img|plate|picture|photo", re.IGNORECASE)


# Possessive: "[set]+(?:\s*[set]+)*" split a run of 34 asterisks every possible way before
# failing on the letter after it.
_SCENE_BREAK = re.compile(r"^[*·•~#◆◇✱⁂–—-]++(?:\s++[*·•~#◆◇✱⁂–—-]++)*+$")


def _rows(table: etree._Element) -> list[list[etree._Element]]:
    """A table's rows as lists of their cells (nested tables' rows not included)."""
    rows = []
    for tr in table.iter():
        if local_name(tr) != "tr" or next((a for a in tr.iterancestors() if local_name(a) == "table"), None) is not table:
            continue
        rows.append([c for c in tr if local_name(c) in ("td", "th")])
    return rows


def _is_text_table(table: etree._Element) -> bool:
    """A table used to lay out text: verse one line a row, or a play's speaker and speech. A
    table of data (numbers, three or more columns, a contents list of links) is not."""
    rows = _rows(table)
    if not rows or any(len(cells) > 2 for cells in rows) or any(local_name(c) == "th" for r in rows for c in r):
        return False
    if any(is_note_container(d) for d in table.iter()):
        return False
    text = element_text(table)
    words = text.split()
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    if letters == 0 or digits > 0.1 * letters or len(words) < 3 * len(rows):
        return False
    return not any(_only_internal_links(c) for cells in rows for c in cells if element_text(c))


def _looks_like_code(pre: etree._Element) -> bool:
    """A ``<pre>`` of program text (or ASCII art), not verse or a letter set line by line."""
    if any(local_name(d) in ("code", "kbd", "samp") for d in pre.iter()):
        return True
    return looks_like_code("".join(t for t in pre.itertext() if isinstance(t, str)))


_NOTE_BOXES = frozenset({"div", "section", "aside", "blockquote"})
TRANSCRIBER_BOX_WORDS = 400  # a box longer than this is more than a transcriber's note


def _opens_transcriber_note(el: etree._Element) -> bool:
    """A box whose text opens with "Transcriber's Note" (and is no longer than such a note)."""
    text = element_text(el)
    return gutenberg.is_transcriber_note(text) and len(text.split()) <= TRANSCRIBER_BOX_WORDS


def _holds_only_figure(el: etree._Element) -> bool:
    """A ``<div>`` that frames an image with a little text: an illustration and its caption."""
    if not any(local_name(d) in ("img", "svg", "image") for d in el.iter()):
        return False
    if any(local_name(d) in ("h1", "h2", "h3", "h4", "h5", "h6") for d in el.iter()):
        return False
    return len(element_text(el).split()) <= 60


def _only_internal_links(el: etree._Element) -> bool:
    """A block whose every word is inside links into the book: a line of a table of contents."""
    if any(local_name(d) in BLOCK_TAGS for d in el.iterdescendants()):
        return False
    text = element_text(el)
    if not text:
        return False
    links = [a for a in el.iter() if local_name(a) == "a" and _INTERNAL_HREF.match(a.get("href") or "x:")]
    linked = "".join(element_text(a) for a in links)
    # Letters and digits: a row of chapter numbers ("1 2 3 ... 65") is contents too; so is a
    # paragraph of many links with a few words between them ("I. — To Monsieur ...<br/>").
    rest = re.sub(r"[\W_]+", "", text)
    share = len(re.sub(r"[\W_]+", "", linked)) / len(rest) if rest else 0.0
    return bool(links) and (share >= 1.0 or (len(links) >= MANY_LINKS and share >= 0.3))


def _text_of(el: etree._Element) -> str:
    return "".join(t for t in el.itertext() if isinstance(t, str))


def ruby_text(ruby: etree._Element) -> str:
    """A ``<ruby>`` element as text: each base with its kana reading in Aozora notation.

    Handles mono ruby (東<rt>とう</rt>京<rt>きょう</rt>), group ruby (東京<rt>とうきょう</rt>) and
    tabular ruby (<rb>東</rb><rb>京</rb><rt>とう</rt><rt>きょう</rt>: the n-th <rt> reads the n-th
    <rb>). <rp> fallback parentheses and <rtc> (a second annotation line) are not read.
    """
    out: list[str] = []
    bases: list[str] = []  # base segments waiting for their reading, in order
    pending: list[str] = []  # text of the base segment being collected

    def close_pending() -> None:
        if "".join(pending).strip():
            bases.append("".join(pending))
        pending.clear()

    pending.append(ruby.text or "")
    for child in ruby:
        tag = local_name(child)
        if tag == "rb":
            close_pending()
            bases.append(_text_of(child))
        elif tag == "rt":
            close_pending()
            reading = _SPACE.sub("", _text_of(child))
            if bases:
                base = _SPACE.sub(" ", bases.pop(0)).strip()
                out.append(ruby_notation(base, reading) if is_kana(reading) else base)
        elif tag not in ("rp", "rtc") and isinstance(child.tag, str):
            pending.append(_text_of(child))
        pending.append(child.tail or "")
    close_pending()
    out.extend(bases)  # bases no <rt> read
    return "".join(out)


def _inside_link(el: etree._Element) -> bool:
    return any(local_name(p) == "a" and p.get("href") for p in el.iterancestors())


def _entity_text(entity: etree._Entity) -> str:
    """Undeclared named entities in XHTML (``&nbsp;`` without a loaded DTD): HTML's meaning."""
    return html.entities.html5.get(f"{entity.name};", "")


def _same_document_note_links(root: etree._Element) -> Callable[[str], bool]:
    ids = note_anchor_ids(root)
    return lambda href: href.startswith("#") and href[1:] in ids


def extract_blocks(
    root: etree._Element,
    *,
    keep_notes: bool = False,
    is_note_link: Callable[[str], bool] | None = None,
    drop_ids: Iterable[str] = (),
    keep: frozenset[str] = frozenset(),
    note_ref: Callable[[str], str | None] | None = None,
    loose_note: Callable[[etree._Element], str | None] | None = None,
) -> Extract:
    """Walk a parsed document (from ``read_html_tree``) into reading blocks.

    ``is_note_link(href)`` says whether a link points at a note (EPUB ingest knows the notes
    documents of the whole book); by default links to notes in the same document count.
    ``drop_ids``: ids of elements to leave out entirely. ``keep``: omission kinds to read
    anyway. ``note_ref(href)``: the key of the note a marker's link leads to, or None.
    ``loose_note(element)``: for a note no marker links to, the key it is read under, or None.
    """
    walker = _Walker(keep_notes, is_note_link or _same_document_note_links(root), drop_ids, keep, note_ref,
                     loose_note)
    body = next((el for el in root.iter() if local_name(el) == "body"), root)
    walker.walk(body)
    walker.flush()
    _drop_empty_list_headings(walker.out, keep)
    return walker.out


_LIST_HEADING = re.compile(
    r"^(?:table\s+of\s+)?contents\.?$|^list\s+of\s+(?:illustrations|plates|figures|maps)\.?$"
    r"|^illustrations\.?$|^目次$|^table\s+des\s+matières\.?$|^sommaire\.?$|^inhalt(?:sverzeichnis)?\.?$"
    r"|^índice\.?$|^indice\.?$|^sommario\.?$",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[a-zà-ÿ][.!?…]['\"”’»)]?(?:\s|$)")


def _drop_empty_list_headings(extract: Extract, keep: frozenset[str]) -> None:
    """A "Contents" / "List of Illustrations" title whose list was left out goes with it; one
    whose list is still here as plain lines (a converted text's contents, no links) takes the
    lines after it that read no sentence with it."""
    if CONTENTS in keep:
        return
    blocks = extract.blocks
    drop: set[int] = set()
    for i, block in enumerate(blocks):
        if not _LIST_HEADING.match(block.text):
            continue
        listed = list(range(i + 1, min(i + 4, len(blocks))))
        ends = (k for k, j in enumerate(listed) if _SENTENCE.search(blocks[j].text)
                or (block.heading and blocks[j].heading and blocks[j].heading <= block.heading))
        listed = listed[: next(ends, len(listed))]
        if block.heading and (i + 1 == len(blocks) or blocks[i + 1].heading) and not listed:
            drop.add(i)
        elif listed and all(len(blocks[j].text.split()) >= 5 for j in listed[:1]):
            drop.update([i, *listed])
    extract.remove(dict.fromkeys(drop, CONTENTS), regions=frozenset({CONTENTS}))


def note_bodies(root: etree._Element) -> dict[str, str]:
    """Every note's text by the ids in it: a footnote, an endnote, a Gutenberg ``div.footnote``.

    An id on a block inside a notes container (``<li id="note-3">`` in an endnotes section) is
    that note; an id on an inline anchor (``<a id="Footnote_1_1">``) belongs to the innermost note
    container around it. Markers, back links and labels are left out of the text.
    """
    bodies: dict[str, str] = {}
    for anchor in root.iter():
        # Gutenberg's "(return)" notes: the note's anchor stands alone in the paragraph before it.
        if isinstance(anchor.tag, str) and anchor.get("id") and not element_text(anchor):
            block = anchor.getparent()
            after = block.getnext() if block is not None and not element_text(block) else None
            if after is not None and isinstance(after.tag, str) and is_note_container(after) and (text := note_text(after)):
                bodies[anchor.get("id")] = text
    for container in root.iter():
        if not isinstance(container.tag, str) or not is_note_container(container):
            continue
        for el in container.iter():
            if not isinstance(el.tag, str) or not el.get("id"):
                continue
            if _holds_notes(el):
                continue  # a list of notes ("Endnotes"), not one note
            if el is container or is_note_container(el) or local_name(el) in _NOTE_BLOCKS:
                note = el
            else:
                note = next((a for a in el.iterancestors() if is_note_container(a)), container)
            if text := note_text(note):
                bodies[el.get("id")] = text  # inner containers come later in iter() order and win
    return bodies


_NOTE_BLOCKS = frozenset({"li", "p", "div", "aside", "dd", "section", "article"})


def _holds_notes(el: etree._Element) -> bool:
    """Whether an element is a list of notes: it holds more than one note with an id."""
    inner = [d for d in el.iterdescendants() if isinstance(d.tag, str) and d.get("id")
             and (is_note_container(d) or local_name(d) in _NOTE_BLOCKS)]
    return len(inner) > 1


# Gutenberg's "331 (return) [ ... ]": the text a word at a time, possessive, on one line ("(.*?)"
# before "\s*\]?\s*$" tried the end at every character: 1,000 spaces inside took 4 s, 4,000 91 s).
_RETURN_NOTE = re.compile(r"^\s*\d{1,4}\s*\(\s*return\s*\)\s*\[\s*+((?:[^\S\n]*+[^\s\]]|[^\S\n]*+\](?!\s*+\Z))*+)\s*\]?\s*$")


def note_text(note: etree._Element) -> str:
    walker = _Walker(True, lambda href: False, ())
    walker.walk(note)
    walker.flush()
    text = " ".join(b.text for b in walker.out.blocks if not gutenberg.is_transcriber_note(b.text))
    text = _RETURN_NOTE.sub(r"\1", text)  # "331 (return) [ ... ]"
    return re.sub(r"^\s*(?:\[\w{1,4}\]|\(\w{1,4}\)|\d{1,4}\.|\[?[*†‡§]+\]?)\s*", "", text)  # a label left as text


def html_paragraphs(data: bytes | str, *, source: str | Path = "<html>", keep_notes: bool = False) -> list[str]:
    """Reading paragraphs (headings included) of an HTML/XHTML document or fragment."""
    if not data.strip():
        return []
    return [block.text for block in extract_blocks(read_html_tree(data, source), keep_notes=keep_notes).blocks]
