"""EPUB 2/3 -> Book: chapters in reading order, titled from the book's own table of contents.

How a book becomes chapters:

1. The archive is checked (``safety``) before ebooklib reads it: limits, paths, entities, DRM.
2. Spine documents are read in order. Whole documents are left out when they are the navigation
   document, non-linear (``linear="no"``: publisher-marked auxiliary content), publishing
   furniture (cover, title page, copyright, contents, index... by epub:type/role on <body>,
   EPUB 3 landmarks, the EPUB 2 guide, a TOC title such as "Copyright", or - for short files only -
   a telltale file name or copyright text), notes, or empty of text. Project Gutenberg's header
   and licence (by id/class, or between its START and END lines), production credits,
   transcriber's notes and captions go too (``narration.ingest.html``, ``gutenberg``).
3. Every TOC entry (EPUB 3 nav, else NCX) marks a position: file start or fragment anchor. The
   reading text is cut at every position, so one file can hold many chapters and one chapter
   can run over several files (it runs until the next TOC position).
4. Nested TOCs: one TOC level is the chapter level (``choose_level``, or ``chapter_level``).
   Entries at that level are chapters, their sub-entries sections read inside them; leaves
   above it are chapters too. An entry above it with sub-entries (a part, a volume) is not a
   chapter: its title prefixes its first chapter's ("Volume One: Chapter 1") and its few
   lines of text (an epigraph) open that chapter; only a long text of its own (an
   introduction to the part) makes it a chapter of its own.
5. Spine text that no TOC entry covers is never dropped silently: a file that starts with a
   heading becomes its own chapter titled by that heading (a preface missing from the TOC);
   otherwise it continues the chapter before it (a chapter split over files). Text before the
   first TOC entry becomes a chapter titled by its heading, its <title>, or "Front matter".
6. A chapter's leading headings that repeat its title are dropped: the title is spoken anyway.
   Leading chapters that are only a printed title page (``frontmatter``) are left out.
7. Notes are left out, or read inline or at the chapter's end (``narration.ingest.notes``).
   Everything left out is recorded on ``Book.omitted`` for the dry-run.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import ebooklib
from ebooklib import epub
from lxml import etree

from narration.errors import InputError
from narration.ingest import gutenberg
from narration.ingest.chapter_level import choose_level
from narration.ingest.frontmatter import is_copyright_line, looks_like_title_page
from narration.ingest.html import (
    NON_NARRATIVE_TYPES,
    NOTE_TYPES,
    TYPE_KINDS,
    Block,
    Extract,
    document_language,
    document_title,
    document_types,
    extract_blocks,
    local_name,
    note_anchor_ids,
    note_bodies,
    note_text,
    semantic_types,
)
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
from narration.ingest.safety import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    check_epub_archive,
    read_book_file,
    read_html_tree,
    resolve_href,
)
from narration.model import Book, Chapter, Cover, Omission, Paragraph
from narration.options import IngestOptions
from narration.text.ruby import annotate_repeats, strip_ruby

log = logging.getLogger(__name__)

DC_NS = "http://purl.org/dc/elements/1.1/"
OPF_NS = "http://www.idpf.org/2007/opf"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
HTML_TYPES = frozenset({"application/xhtml+xml", "text/html"})

# EPUB 2 guide types that are publishing furniture (EPUB 3 landmarks use NON_NARRATIVE_TYPES).
GUIDE_FURNITURE = frozenset({"cover", "title-page", "copyright-page", "toc", "index", "loi", "lot", "colophon"})
GUIDE_NOTES = frozenset({"notes"})
FURNITURE_TITLE = re.compile(
    r"^(front cover|cover|title|title page|half title( page)?|copyright( page| notice)?|"
    r"(table of )?contents|toc|index|colophon|imprint|also by\b.*)$",
    re.IGNORECASE,
)
NOTES_TITLE = re.compile(r"^(foot|end)?notes$", re.IGNORECASE)
# Furniture file names (after stripping numbering): only trusted for short documents.
FURNITURE_FILE = re.compile(
    r"(front-?)?cover(-?page)?|(half-?)?title(-?page)?|copyrights?(-?page)?|toc|contents|"
    r"table-?of-?contents|colophon|imprint"
)
COPYRIGHT_TEXT = re.compile(r"all rights reserved|\bISBN\b|無断(転載|複製)", re.IGNORECASE)
SHORT_DOC_CHARS = 3000  # about 500 English words; title and copyright pages are far shorter
FRONT_MATTER_TITLE = "Front matter"
UNTITLED = "Untitled section"


FRONT_UNITS = 4  # the first chapters are searched for title pages glued to a next file
GROUP_TEXT_WORDS = 150  # a part with more text of its own than this is a chapter of its own
# Which omission kind a furniture TOC title, file name or guide type is.
_TITLE_KINDS = [
    (re.compile(r"copyright|imprint", re.IGNORECASE), COPYRIGHT),
    (re.compile(r"contents|toc|index|list of", re.IGNORECASE), CONTENTS),
    (re.compile(r"colophon", re.IGNORECASE), COLOPHON),
    (re.compile(r"notes", re.IGNORECASE), NOTES),
]
GUIDE_KINDS = {"copyright-page": COPYRIGHT, "toc": CONTENTS, "index": CONTENTS, "loi": CONTENTS, "lot": CONTENTS,
               "colophon": COLOPHON, "notes": NOTES}


def _kind_of_name(name: str) -> str:
    """The omission kind a furniture title or file name suggests (title page by default)."""
    return next((kind for pattern, kind in _TITLE_KINDS if pattern.search(name)), TITLE_PAGE)


@dataclass(eq=False)
class _TocNode:
    title: str
    file: str | None
    fragment: str | None
    children: list[_TocNode] = field(default_factory=list)
    order: int = 0  # pre-order index: ties at one position go to the outer/earlier entry first
    pos: int | None = None  # global block index where it starts, None if it points nowhere we read
    skip: bool = False  # furniture, notes or boilerplate: its text is not read
    skip_kind: str = ""  # the omission kind its text is recorded as

    def walk(self) -> list[_TocNode]:
        return [self] + [d for c in self.children for d in c.walk()]

    @property
    def where(self) -> str:
        return f"{self.file}#{self.fragment}" if self.fragment else self.file or ""


@dataclass(eq=False)
class _Doc:
    file: str
    root: etree._Element
    extract: Extract = field(default_factory=Extract)
    start: int = 0


@dataclass(eq=False)
class _Implicit:
    """A chapter the TOC does not list (see module docstring, point 5)."""

    title: str
    file: str


@dataclass
class _Boundary:
    pos: int
    order: float
    owner: _TocNode | _Implicit | None  # None: furniture landmark, text not read
    kind: str = ""  # for a furniture landmark: the omission kind of its text


@dataclass
class _Unit:
    """One chapter in the making: its title, where it came from, and its blocks."""

    owner: _TocNode | _Implicit
    title: str
    source: str
    blocks: list[Block] = field(default_factory=list)
    files: list[tuple[int, str]] = field(default_factory=list)  # (index in blocks, file) where a file starts

    def add(self, blocks: list[Block], file: str) -> None:
        if blocks and (not self.files or self.files[-1][1] != file):
            self.files.append((len(self.blocks), file))
        self.blocks.extend(blocks)

    def pieces(self) -> list[tuple[str, list[Block]]]:
        """The blocks split where a new file starts, with the file's name."""
        if not self.files:
            return []
        ends = [start for start, _ in self.files[1:]] + [len(self.blocks)]
        return [(file, self.blocks[start:end]) for (start, file), end in zip(self.files, ends, strict=True)]


def load_epub(path: Path, options: IngestOptions | None = None, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> Book:
    """Read an EPUB into a Book (paragraph text filled, sentences empty).

    Raises InputError (path + one-line reason) for missing, empty, non-EPUB, corrupt, hostile or
    DRM-protected files and for books with no readable text. Writes nothing.
    """
    path = Path(path)
    options = options or IngestOptions()
    data = check_epub_archive(read_book_file(path, limits), path, limits)
    book, toc_from_nav = _read_with_ebooklib(data, path)

    toc = _table_of_contents(book, toc_from_nav)
    nodes = [n for top in toc for n in top.walk()]
    for order, node in enumerate(nodes):
        node.order = order
        if FURNITURE_TITLE.match(node.title) or NOTES_TITLE.match(node.title):
            node.skip_kind = NOTES if NOTES_TITLE.match(node.title) else _kind_of_name(node.title)
        elif gutenberg.is_transcriber_note(node.title):
            node.skip_kind = TRANSCRIBER_NOTES
        elif gutenberg.names_gutenberg(node.title):
            node.skip_kind = LICENCE
        node.skip = bool(node.skip_kind) and node.skip_kind not in options.keep
    furniture, note_files = _landmarks(book, path, options.keep)
    docs = _spine_documents(book, path)
    note_files |= {d.file for d in docs if document_types(d.root) & NOTE_TYPES}
    note_files |= {n.file for n in nodes if n.file and not n.fragment and NOTES_TITLE.match(n.title)}
    notes = _all_note_bodies(book, docs, path) if options.notes != "skip" else {}
    _extract_all(docs, note_files, options, notes, path)
    _strip_gutenberg(docs, options.keep)
    omitted: list[Omission] = []
    all_docs = docs
    docs = [d for d in docs if not _left_out(d, nodes, furniture, note_files, options.keep, omitted, path)]

    title, authors, language = _metadata(book, docs, path)
    chapters, structure = _chapters(docs, toc, nodes, furniture, title, authors, options, notes, omitted, path)
    chapters = _without_title_pages(chapters, title, authors, options.keep, omitted)
    if not chapters:
        raise InputError(path, "no readable text (every document is empty, furniture or notes)")
    _repeat_ruby(chapters)
    for doc in all_docs:
        omitted.extend(_doc_omissions(doc, options.notes != "skip"))
    if notes:  # notes are read: only those no marker leads to are left out
        omitted = [o for o in omitted if o.kind != NOTES]
        referenced = {key for doc in docs for block in doc.extract.blocks for _, key in block.refs}
        unread = [text for key, text in notes.items() if key not in referenced]
        if unread:
            omitted.append(omission(NOTES, "notes no marker leads to", dict.fromkeys(unread)))
    return Book(
        title=title,
        authors=authors,
        language=language,
        chapters=chapters,
        cover=_cover(book, path),
        source=str(path),
        omitted=omitted,
        structure=structure,
    )


# --- reading -------------------------------------------------------------------------------------


def _read_with_ebooklib(data: bytes, path: Path) -> tuple[epub.EpubBook, bool]:
    """ebooklib's reader, preferring the EPUB 3 nav; returns the book and whether the TOC is the nav.

    A nav document that is broken or lists nothing gets a second try with the NCX instead.
    """
    error: Exception | None = None
    without_toc: epub.EpubBook | None = None
    for ignore_ncx in (True, False):
        try:
            book = epub.read_epub(io.BytesIO(data), {"ignore_ncx": ignore_ncx})
        except Exception as exc:  # noqa: BLE001 - ebooklib raises anything from KeyError to IndexError
            error = exc
            continue
        items = list(book.get_items())
        from_nav = ignore_ncx and any(isinstance(item, epub.EpubNav) for item in items)
        if from_nav and not book.toc and any(i.media_type == "application/x-dtbncx+xml" for i in items):
            without_toc = book
            continue
        return book, from_nav
    if without_toc is not None:
        return without_toc, True
    raise InputError(path, f"not a readable EPUB ({' '.join(str(error).split()) or type(error).__name__})")


def _split_target(file: str | None, href: str | None) -> tuple[str | None, str | None]:
    if not href:
        return None, None
    _, _, fragment = href.partition("#")
    return file, unquote(fragment) or None


def _table_of_contents(book: epub.EpubBook, from_nav: bool) -> list[_TocNode]:
    # ebooklib already resolved nav hrefs against the package directory; NCX ones are raw.
    ncx = next((i for i in book.get_items() if i.media_type == "application/x-dtbncx+xml"), None)
    base = "" if from_nav or ncx is None else posixpath.dirname(ncx.file_name)

    def node(title: str | None, href: str | None, children: list) -> _TocNode:
        file = resolve_href(base, href) if href else None
        file, fragment = _split_target(file, href)
        return _TocNode(" ".join((title or "").split()), file, fragment, convert(children))

    def convert(entries: list) -> list[_TocNode]:
        nodes = []
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, tuple):
                head, children = entry
                nodes.append(node(head.title, head.href, children))
            elif isinstance(entry, (epub.Link, epub.Section)):
                nodes.append(node(entry.title, entry.href, []))
        return nodes

    return convert(book.toc)


def _landmarks(
    book: epub.EpubBook, path: Path, keep: frozenset[str]
) -> tuple[dict[tuple[str, str | None], str], set[str]]:
    """Targets of furniture landmarks (EPUB 3 nav) and guide references (EPUB 2), with the
    omission kind of each, and the notes files."""
    marks: list[tuple[str, str]] = []  # (type, package-relative href)
    for ref in getattr(book, "guide", []) or []:
        if ref.get("type") and ref.get("href"):
            marks.append((ref["type"].lower(), ref["href"]))
    nav = next((i for i in book.get_items() if isinstance(i, epub.EpubNav)), None)
    if nav is not None:
        root = read_html_tree(nav.content, path, nav.file_name)
        nav_dir = posixpath.dirname(nav.file_name)
        for el in root.iter():
            if local_name(el) == "nav" and "landmarks" in semantic_types(el):
                for a in el.iter():
                    if local_name(a) == "a" and a.get("href"):
                        for kind in semantic_types(a):
                            marks.append((kind, posixpath.join(nav_dir, a.get("href", ""))))

    furniture: dict[tuple[str, str | None], str] = {}
    notes: set[str] = set()
    for kind, href in marks:
        file, fragment = _split_target(resolve_href("", href), href)
        if file is None:
            continue
        is_notes = kind in NOTE_TYPES or kind in GUIDE_NOTES
        if is_notes and not fragment:
            notes.add(file)
        if is_notes:
            furniture[(file, fragment)] = NOTES
        elif kind in NON_NARRATIVE_TYPES or kind in GUIDE_FURNITURE:
            omitted_kind = TYPE_KINDS.get(kind) or GUIDE_KINDS.get(kind) or TITLE_PAGE
            if omitted_kind not in keep:
                furniture[(file, fragment)] = omitted_kind
    return furniture, notes


def _spine_documents(book: epub.EpubBook, path: Path) -> list[_Doc]:
    docs: list[_Doc] = []
    seen: set[str] = set()
    for idref, linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None:
            log.warning("%s: spine entry %r is not in the manifest; skipped", path, idref)
            continue
        if isinstance(item, epub.EpubNav) or item.media_type not in HTML_TYPES or item.file_name in seen:
            continue
        seen.add(item.file_name)
        if str(linear).lower() == "no":
            log.info("%s: %s is marked non-linear (auxiliary); not read", path, item.file_name)
            continue
        if not (item.content or b"").strip():
            log.warning("%s: %s is empty; skipped", path, item.file_name)
            continue
        docs.append(_Doc(item.file_name, read_html_tree(item.content, path, item.file_name)))
    return docs


def _all_note_bodies(book: epub.EpubBook, docs: list[_Doc], path: Path) -> dict[str, str]:
    """Every note's text in the book by ``file#id`` (notes may sit in non-linear files too)."""
    roots = {d.file: d.root for d in docs}
    bodies: dict[str, str] = {}
    for item in book.get_items():
        if item.media_type not in HTML_TYPES or isinstance(item, epub.EpubNav):
            continue
        root = roots.get(item.file_name)
        if root is None:
            if not (item.content or b"").strip():
                continue
            root = read_html_tree(item.content, path, item.file_name)
        for anchor, text in note_bodies(root).items():
            bodies[f"{item.file_name}#{anchor}"] = text
    return bodies


def _extract_all(
    docs: list[_Doc], note_files: set[str], options: IngestOptions, notes: dict[str, str], path: Path
) -> None:
    note_ids = {(d.file, i) for d in docs for i in note_anchor_ids(d.root)}
    read_notes = options.notes != "skip"
    linked = _linked_targets(docs) if read_notes else set()

    for doc in docs:
        doc_dir = posixpath.dirname(doc.file)

        def target(href: str, doc_file: str = doc.file, doc_dir: str = doc_dir) -> tuple[str | None, str]:
            file = doc_file if href.startswith("#") else resolve_href(doc_dir, href)
            return file, unquote(href.partition("#")[2])

        def is_note_link(href: str) -> bool:
            file, fragment = target(href)
            return file in note_files or (file, fragment) in note_ids

        def note_ref(href: str) -> str | None:
            file, fragment = target(href)
            key = f"{file}#{fragment}"
            return key if key in notes else None

        def loose_note(el: etree._Element, doc_file: str = doc.file) -> str | None:
            ids = [d.get("id") for d in el.iter() if isinstance(d.tag, str) and d.get("id")]
            if any(f"{doc_file}#{i}" in linked for i in ids) or not (text := note_text(el)):
                return None
            key = f"{doc_file}#loose-note-{len(notes)}"
            notes[key] = text
            return key

        doc.extract = extract_blocks(doc.root, keep_notes=False, is_note_link=is_note_link, keep=options.keep,
                                     note_ref=note_ref if read_notes else None,
                                     loose_note=loose_note if read_notes else None)
        for kind, count in Counter(k for k, _, _ in doc.extract.omitted).items():
            log.info("%s: %s: left out %d part(s): %s", path, doc.file, count, kind)


def _caption(bracketed: str) -> str:
    """``[Illustration: THE STEPS.]`` -> ``THE STEPS.``"""
    return f" {bracketed[1:-1].partition(':')[2].strip()} " if ":" in bracketed else " "


def _linked_targets(docs: list[_Doc]) -> set[str]:
    """Every ``file#id`` some link in the book points at."""
    targets = set()
    for doc in docs:
        doc_dir = posixpath.dirname(doc.file)
        for a in doc.root.iter():
            href = a.get("href") if isinstance(a.tag, str) else None
            if href and "#" in href:
                file = doc.file if href.startswith("#") else resolve_href(doc_dir, href)
                targets.add(f"{file}#{unquote(href.partition('#')[2])}")
    return targets


_ILLUSTRATION = re.compile(r"\[(?:illustration|ill\.)s?\b[^\]]*\]", re.IGNORECASE)


def _strip_gutenberg(docs: list[_Doc], keep: frozenset[str]) -> None:
    """Take Project Gutenberg's header and licence (between its START and END lines, wherever
    the files split them), its production credits and transcriber's notes out of the blocks,
    and ``[Illustration: ...]`` captions out of the text."""
    located = [(doc, i) for doc in docs for i in range(len(doc.extract.blocks))]
    texts = [doc.extract.blocks[i].text for doc, i in located]
    start, end = gutenberg.body_span(texts)
    drop: dict[int, dict[int, str]] = {}  # id(doc) -> block index -> kind

    def mark(kind: str, index: int) -> None:
        doc, i = located[index]
        drop.setdefault(id(doc), {}).setdefault(i, kind)

    if LICENCE not in keep:
        for index in [*range(start), *range(end, len(located))]:
            mark(LICENCE, index)
        for index in range(start, end):  # "About Project Gutenberg" headings of a publisher's back matter
            if located[index][0].extract.blocks[located[index][1]].heading and gutenberg.names_gutenberg(texts[index]):
                mark(LICENCE, index)
    if TRANSCRIBER_NOTES not in keep:
        for index in gutenberg.credit_indices(texts, start):
            mark(TRANSCRIBER_NOTES, index)
        in_note_section = 0
        for index in range(start, end):
            block = located[index][0].extract.blocks[located[index][1]]
            if block.heading and in_note_section and block.heading <= in_note_section:
                in_note_section = 0
            if gutenberg.is_transcriber_note(block.text):
                in_note_section = block.heading
                mark(TRANSCRIBER_NOTES, index)
            elif in_note_section:
                mark(TRANSCRIBER_NOTES, index)
    for doc in docs:
        doc.extract.remove(drop.get(id(doc), {}), regions=frozenset({LICENCE}))
        _strip_illustrations(doc.extract, CAPTIONS in keep)


def _strip_illustrations(extract: Extract, keep: bool) -> None:
    """``[Illustration: caption]`` left in the text by a transcriber: the caption goes (or,
    kept, is read without its brackets)."""
    empty: set[int] = set()
    for i, block in enumerate(extract.blocks):
        if not _ILLUSTRATION.search(block.text):
            continue
        if not keep:
            for match in _ILLUSTRATION.finditer(block.text):
                extract.omitted.append((CAPTIONS, i, match.group(0)))
        text = " ".join(_ILLUSTRATION.sub(lambda m: _caption(m.group(0)) if keep else " ", block.text).split())
        if text:
            extract.blocks[i] = Block(text, block.heading, (), block.scene_break)
        else:
            empty.add(i)
    if empty:
        before = len(extract.omitted)
        extract.remove(dict.fromkeys(empty, CAPTIONS))
        del extract.omitted[before:]  # already recorded above, caption by caption


def _left_out(
    doc: _Doc,
    nodes: list[_TocNode],
    furniture: dict[tuple[str, str | None], str],
    note_files: set[str],
    keep: frozenset[str],
    omitted: list[Omission],
    path: Path,
) -> bool:
    """Whether a whole document is not read (module docstring, point 2); records why."""
    text = "\n".join(b.text for b in doc.extract.blocks)
    entries = [n for n in nodes if n.file == doc.file]
    sections = any(n.fragment and doc.extract.anchors.get(n.fragment, 0) > 0 for n in entries)
    stem = posixpath.basename(doc.file).rsplit(".", 1)[0].lower().replace("_", "-")
    stem = stem.strip("0123456789-.")  # "01-cover", "cover_1"
    short = len(text) < SHORT_DOC_CHARS and not sections
    types = document_types(doc.root)
    furniture_types = types & NON_NARRATIVE_TYPES
    type_kind = next((TYPE_KINDS[t] for t in sorted(furniture_types) if t in TYPE_KINDS), TITLE_PAGE)
    reasons = [
        (not text, "", "no text"),
        (types & NOTE_TYPES, NOTES, "marked as notes"),
        (furniture_types, type_kind, "marked as furniture"),
        ((doc.file, None) in furniture, furniture.get((doc.file, None), ""), "a furniture landmark/guide target"),
        (doc.file in note_files, NOTES, "notes"),
        (entries and not sections and all(n.skip for n in entries),
         entries[0].skip_kind if entries else "", "its TOC title is furniture or notes"),
        (short and FURNITURE_FILE.fullmatch(stem), _kind_of_name(stem), "named like furniture"),
        (short and not entries and COPYRIGHT_TEXT.search(text), COPYRIGHT, "a copyright page"),
    ]
    hit = next(((kind, why) for matched, kind, why in reasons if matched and kind not in keep), None)
    if hit is None:
        return False
    kind, why = hit
    log.info("%s: %s: not read (%s)", path, doc.file, why)
    if kind:
        omitted.append(omission(kind, doc.file, (b.text for b in doc.extract.blocks)))
    return True


def _doc_omissions(doc: _Doc, notes_read: bool) -> list[Omission]:
    """A document's left-out parts, neighbours of one kind merged (a licence is one omission,
    not a hundred paragraphs). Notes that are read elsewhere are not omissions."""
    merged: list[tuple[str, int, list[str]]] = []
    for kind, index, text in sorted(doc.extract.omitted, key=lambda o: o[1]):
        if kind == NOTES and notes_read:
            continue
        if merged and merged[-1][0] == kind and index - merged[-1][1] <= 1:
            merged[-1][2].append(text)
            merged[-1] = (kind, index, merged[-1][2])
        else:
            merged.append((kind, index, [text]))
    return [omission(kind, doc.file, texts) for kind, _, texts in merged]


# --- chapters ------------------------------------------------------------------------------------


def _chapters(
    docs: list[_Doc],
    toc: list[_TocNode],
    nodes: list[_TocNode],
    furniture: dict[tuple[str, str | None], str],
    book_title: str,
    authors: list[str],
    options: IngestOptions,
    notes: dict[str, str],
    omitted: list[Omission],
    path: Path,
) -> tuple[list[Chapter], str]:
    """The book's chapters and a line saying how they were chosen."""
    blocks: list[Block] = []
    by_file: dict[str, _Doc] = {}
    for doc in docs:
        doc.start = len(blocks)
        blocks.extend(doc.extract.blocks)
        by_file[doc.file] = doc
    if not blocks:
        return [], ""

    boundaries = _toc_boundaries(nodes, furniture, by_file, path)
    boundaries = _add_implicit(boundaries, docs, book_title)
    boundaries.sort(key=lambda b: (b.pos, b.order))
    ends = [b.pos for b in boundaries[1:]] + [len(blocks)]
    spans = list(zip(boundaries, ends, strict=True))
    segments = {id(b.owner): (b.pos, end) for b, end in spans if isinstance(b.owner, _TocNode)}

    def own_words(node: _TocNode) -> int:
        start, end = segments.get(id(node), (0, 0))
        return sum(len(b.text.split()) for b in blocks[start:end])

    choice = choose_level(toc, own_words, lambda n: _owns_file(n, nodes), options.chapter_level)
    unit_of, titles = _units(toc, choice.level, own_words, book_title)

    # Consecutive segments of one unit make one chapter; a skipped segment inside a chapter
    # (furniture, notes) does not split it.
    units: list[_Unit] = []
    for boundary, end in spans:
        owner = boundary.owner
        unit = unit_of.get(id(owner)) if isinstance(owner, _TocNode) else owner
        segment = list(blocks[boundary.pos : end])
        if unit is None:
            kind = owner.skip_kind if isinstance(owner, _TocNode) else boundary.kind
            if segment and kind:
                where = owner.where if isinstance(owner, _TocNode) else "landmark"
                omitted.append(omission(kind, where, (b.text for b in segment)))
            continue
        if isinstance(owner, _TocNode) and owner is unit:
            segment = _without_title_headings(segment, owner.title)  # the title is spoken anyway
        elif isinstance(owner, _TocNode) and owner.children and unit_of.get(id(owner)) is not owner:
            segment = _without_leading_headings(segment)  # a part's heading: its title is in the chapter's
        if not (units and units[-1].owner is unit):
            title = titles.get(id(unit)) if isinstance(unit, _TocNode) else unit.title
            units.append(_Unit(unit, title or "", _source(unit)))
        for file, part in _by_file(segment, boundary.pos, docs):
            units[-1].add(part, file)
    for unit in units[:FRONT_UNITS]:
        if TITLE_PAGE not in options.keep:
            _drop_title_file(unit, book_title, authors, omitted)
    chapters = [_chapter(unit, notes, options.notes, _language_hint(docs)) for unit in units]
    carries = [isinstance(u.owner, _TocNode) and _norm(u.title) != _norm(book_title) for u in units]
    chapters = _titles_carried(chapters, carries)
    structure = choice.describe() if any(n.children for n in toc) else (
        "chapters are the table of contents' entries" if toc else "no table of contents: chapters are the files"
    )
    return chapters, structure


def _drop_title_file(unit: _Unit, book_title: str, authors: list[str], omitted: list[Omission]) -> None:
    """A title page file that a TOC entry runs on from into the next file (a dedication, a
    preface): the title page goes, the rest stays."""
    pieces = unit.pieces()
    if len(pieces) < 2:
        return
    file, blocks = pieces[0]
    lines = [b.text for b in blocks]
    if looks_like_title_page(lines, book_title, authors):
        omitted.append(omission(TITLE_PAGE, file, lines))
        unit.blocks = unit.blocks[len(blocks) :]
        unit.files = [(start - len(blocks), f) for start, f in unit.files[1:]]


def _by_file(segment: list[Block], pos: int, docs: list[_Doc]) -> list[tuple[str, list[Block]]]:
    """A segment's blocks (starting at global index ``pos``) split by the file they come from."""
    out: list[tuple[str, list[Block]]] = []
    for doc in docs:
        start, end = max(pos, doc.start), min(pos + len(segment), doc.start + len(doc.extract.blocks))
        if start < end:
            out.append((doc.file, segment[start - pos : end - pos]))
    return out


def _titles_carried(chapters: list[Chapter], carries: list[bool]) -> list[Chapter]:
    """A TOC entry with no text (a "BOOK ONE" entry in a flat TOC) lends its title to the next
    chapter; one that repeats the book's title (a half-title) does not."""
    out: list[Chapter] = []
    carried: list[str] = []
    for chapter, carry in zip(chapters, carries, strict=True):
        if not chapter.paragraphs:
            if carry and chapter.title and chapter.title != UNTITLED:
                carried.append(chapter.title)
            continue
        if carried:
            chapter.title = ": ".join([*carried, chapter.title])
            carried = []
        out.append(chapter)
    return out


def _language_hint(docs: list[_Doc]) -> str:
    return next((document_language(d.root) for d in docs if document_language(d.root)), "en")


def _source(unit: _TocNode | _Implicit) -> str:
    return unit.file if isinstance(unit, _Implicit) else unit.where


def _owns_file(node: _TocNode, nodes: list[_TocNode]) -> bool:
    """Whether an entry's whole subtree lives in a file no other entry uses (chapter > sections)."""
    inside = {id(d) for d in node.walk()}
    files = {d.file for d in node.walk() if d.pos is not None}
    return (
        node.file is not None
        and files == {node.file}
        and not any(n.file == node.file and id(n) not in inside for n in nodes)
    )


def _toc_boundaries(
    nodes: list[_TocNode], furniture: dict[tuple[str, str | None], str], by_file: dict[str, _Doc], path: Path
) -> list[_Boundary]:
    boundaries = []
    for node in nodes:
        doc = by_file.get(node.file or "")
        if doc is None:
            continue
        if node.fragment and node.fragment in doc.extract.dropped_anchors:
            node.skip = True  # its text was left out already (and recorded)
        if (node.file, node.fragment) in furniture:
            node.skip = True
            node.skip_kind = node.skip_kind or furniture[(node.file, node.fragment)]
        if node.fragment and node.fragment not in doc.extract.anchors:
            log.warning(
                "%s: TOC entry %r points at a missing anchor %s#%s; using the file start",
                path,
                node.title,
                node.file,
                node.fragment,
            )
        node.pos = doc.start + (doc.extract.anchors.get(node.fragment, 0) if node.fragment else 0)
        boundaries.append(_Boundary(node.pos, node.order, node))
    for (file, fragment), kind in furniture.items():
        doc = by_file.get(file)
        if doc is not None and fragment and fragment in doc.extract.anchors:
            # Before any TOC entry at the same spot: the TOC's own reading wins there.
            boundaries.append(_Boundary(doc.start + doc.extract.anchors[fragment], -1, None, kind))
    return boundaries


def _add_implicit(boundaries: list[_Boundary], docs: list[_Doc], book_title: str) -> list[_Boundary]:
    """Boundaries for spine text the TOC does not cover (module docstring, point 5)."""
    result = sorted(boundaries, key=lambda b: (b.pos, b.order))
    for doc in docs:
        before = [b for b in result if b.pos <= doc.start]
        here = [b for b in before if b.pos == doc.start]
        # A TOC entry or landmark starts here; but furniture whose own text was left out in the
        # file before (a Contents entry anchored at its removed list) does not own this file.
        if here and not all(_left_behind(b, doc) for b in here):
            continue
        previous = before[-1].owner if before else None
        continues_reading = previous is not None and not (isinstance(previous, _TocNode) and previous.skip)
        first = doc.extract.blocks[0]
        if first.heading or not continues_reading:
            fallback = UNTITLED if before else FRONT_MATTER_TITLE
            title = strip_ruby(first.text) if first.heading else _doc_title(doc, book_title) or fallback
            order = max(b.order for b in here) + 0.5 if here else -2  # after what it takes over from
            result.append(_Boundary(doc.start, order, _Implicit(" ".join(title.split()), doc.file)))
            result.sort(key=lambda b: (b.pos, b.order))
    return result


def _left_behind(boundary: _Boundary, doc: _Doc) -> bool:
    owner = boundary.owner
    return isinstance(owner, _TocNode) and owner.skip and owner.file != doc.file


def _doc_title(doc: _Doc, book_title: str) -> str:
    title = document_title(doc.root)
    # Every file of a Gutenberg book is titled "The Project Gutenberg eBook of ...".
    return "" if _norm(title) in ("", _norm(book_title)) or gutenberg.names_gutenberg(title) else title


def _units(
    toc: list[_TocNode], level: int, own_words: Callable[[_TocNode], int], book_title: str
) -> tuple[dict[int, _TocNode | None], dict[int, str]]:
    """Which chapter each TOC entry's text belongs to (None: not read), and each chapter's title.

    Module docstring, point 4: entries at ``level`` are chapters with their subtrees; a group
    above it hands its title (as a prefix) and its short text to its first chapter.
    """
    unit_of: dict[int, _TocNode | None] = {}
    titles: dict[int, str] = {}

    def first_unit(node: _TocNode) -> _TocNode | None:
        for d in node.walk():
            if unit_of.get(id(d)) is d:
                return d
        return None

    def assign(node: _TocNode, depth: int) -> None:
        if node.skip:
            for d in node.walk():
                unit_of[id(d)] = None
            return
        readable = [c for c in node.children if not c.skip]
        if depth >= level or not readable:
            for d in node.walk():
                unit_of[id(d)] = None if d.skip else node
            unit_of[id(node)] = node if node.pos is not None or readable else None
            titles[id(node)] = node.title
            return
        # A group above the chapter level (a part, a volume, the book itself).
        for child in node.children:
            assign(child, depth + 1)
        first = first_unit(node)
        has_text = node.pos is not None and own_words(node) > 0
        if has_text and (first is None or own_words(node) > GROUP_TEXT_WORDS):
            unit_of[id(node)] = node  # a part with an introduction of its own
            titles[id(node)] = node.title
            return
        unit_of[id(node)] = first
        if first is not None and node.title and not _norm(titles[id(first)]).startswith(_norm(node.title)) \
                and not _norm(node.title).startswith(_norm(book_title)):  # the book itself is no prefix
            titles[id(first)] = f"{node.title}: {titles[id(first)]}"

    for top in toc:
        assign(top, 1)
    return unit_of, titles


def _without_leading_headings(blocks: list[Block]) -> list[Block]:
    start = 0
    while start < len(blocks) and blocks[start].heading:
        start += 1
    return blocks[start:]


def _without_title_pages(
    chapters: list[Chapter], title: str, authors: list[str], keep: frozenset[str], omitted: list[Omission]
) -> list[Chapter]:
    """Leading chapters, or the leading files of them, that are only a printed title page or
    copyright lines are left out (module docstring, point 6). Scanning stops at the first
    chapter with running text."""
    if TITLE_PAGE in keep and COPYRIGHT in keep:
        return chapters
    out: list[Chapter] = []
    front = True
    for chapter in chapters:
        if front and chapter.words > SHORT_DOC_CHARS // 6:
            front = False
        if not front:
            out.append(chapter)
            continue
        lines = [p.text for p in chapter.paragraphs]
        if any(map(gutenberg.is_credit, lines)):  # credits kept on purpose (--keep transcriber-notes)
            out.append(chapter)
            continue
        kind = (COPYRIGHT if lines and all(map(is_copyright_line, lines))
                else TITLE_PAGE if looks_like_title_page([chapter.title, *lines], title, authors) else "")
        if kind and kind not in keep:
            omitted.append(omission(kind, chapter.source, [chapter.title, *lines]))
            continue
        out.append(chapter)
    return out


def _chapter(unit: _Unit, notes: dict[str, str], notes_mode: str, language: str) -> Chapter:
    title = unit.title
    if not title:
        title = next((strip_ruby(b.text) for b in unit.blocks if b.heading), UNTITLED)
    blocks = _without_title_headings(unit.blocks, title)
    marked = [
        MarkedParagraph(Paragraph(b.text, scene_break=b.scene_break), [(o, notes[k]) for o, k in b.refs if k in notes])
        for b in blocks
    ]
    paragraphs = place_notes(marked, notes_mode, language)
    if paragraphs:
        paragraphs[-1].scene_break = False  # the chapter's end is pause enough
    return Chapter(title, paragraphs, source=unit.source)


def _repeat_ruby(chapters: list[Chapter]) -> None:
    """A word given a reading once keeps it for the rest of the book (narration.text.ruby)."""
    paragraphs = [p for chapter in chapters for p in chapter.paragraphs]
    for paragraph, text in zip(paragraphs, annotate_repeats([p.text for p in paragraphs]), strict=True):
        paragraph.text = text


def _norm(text: str) -> str:
    # Ruby readings are left out: a heading "｜蜘蛛《くも》の糸" repeats the title "蜘蛛の糸".
    return "".join(ch for ch in strip_ruby(text).casefold() if ch.isalnum())


def _without_title_headings(blocks: list[Block], title: str) -> list[Block]:
    """Drop leading headings that repeat the chapter title, which is announced separately.

    "Chapter 1" + "Loomings" under the title "Chapter 1: Loomings" both go.
    """
    rest = _norm(title)
    start = 0
    while start < len(blocks) and blocks[start].heading and rest:
        heading = _norm(blocks[start].text)
        if heading in rest:
            rest = rest.replace(heading, "", 1)
        elif rest not in heading:
            break
        else:
            rest = ""
        start += 1
    return blocks[start:]


# --- metadata ------------------------------------------------------------------------------------


def _metadata(book: epub.EpubBook, docs: list[_Doc], path: Path) -> tuple[str, list[str], str]:
    dc = book.metadata.get(DC_NS, {})
    title = next((" ".join(v.split()) for v, _ in dc.get("title", []) if v and v.strip()), "") or path.stem

    roles: dict[str, str] = {}
    for value, attrs in _opf_metas(book):
        if attrs.get("property") == "role" and attrs.get("refines", "").startswith("#") and value:
            roles[attrs["refines"][1:]] = value.strip().lower()
    creators = []
    for value, attrs in dc.get("creator", []):
        if value and value.strip():
            role = attrs.get(f"{{{OPF_NS}}}role") or roles.get(attrs.get("id", ""), "")
            creators.append((" ".join(value.split()), role.lower()))
    authors = [name for name, role in creators if role in ("", "aut")] or [name for name, _ in creators]
    authors = list(dict.fromkeys(authors))

    language = next((v.strip() for v, _ in dc.get("language", []) if v and v.strip()), "")
    language = language or next((document_language(d.root) for d in docs if document_language(d.root)), "")
    if not language:
        log.warning("%s: no language declared; assuming English", path)
    primary = re.split(r"[-_]", language, maxsplit=1)[0].lower()
    return title, authors, primary or "en"


def _opf_metas(book: epub.EpubBook) -> list[tuple[str | None, dict[str, str]]]:
    """Every OPF <meta> as (text, attributes); ebooklib files them under varying keys."""
    return [entry for entries in book.metadata.get(OPF_NS, {}).values() for entry in entries]


def _cover(book: epub.EpubBook, path: Path) -> Cover | None:
    """EPUB 3 cover-image property, else EPUB 2 <meta name="cover">, else the guide's cover page."""
    item = next((i for i in book.get_items() if i.get_type() == ebooklib.ITEM_COVER), None)
    if item is None:
        for _, attrs in _opf_metas(book):
            if attrs.get("name") == "cover" and (ref := attrs.get("content", "")):
                item = book.get_item_with_id(ref) or book.get_item_with_href(ref)
                if item is not None:
                    break
    if item is None:
        item = _cover_from_page(book, path)
    if item is None or not (item.media_type or "").startswith("image/") or not item.content:
        return None
    return Cover(media_type=item.media_type, data=bytes(item.content))


def _cover_from_page(book: epub.EpubBook, path: Path) -> epub.EpubItem | None:
    page = next(
        (
            book.get_item_with_href(r["href"].split("#")[0])
            for r in book.guide
            if (r.get("type") or "").lower() == "cover" and r.get("href")
        ),
        None,
    )
    if page is None or page.media_type not in HTML_TYPES:
        return None
    root = read_html_tree(page.content, path, page.file_name)
    for el in root.iter():
        tag = local_name(el)
        src = el.get("src") if tag == "img" else (el.get(XLINK_HREF) or el.get("href")) if tag == "image" else None
        if src and (target := resolve_href(posixpath.dirname(page.file_name), src)):
            return book.get_item_with_href(target)
    return None
