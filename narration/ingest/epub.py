"""EPUB 2/3 -> Book: chapters in reading order, titled from the book's own table of contents.

How a book becomes chapters:

1. The archive is checked (``safety``) before ebooklib reads it: limits, paths, entities, DRM.
2. Spine documents are read in order. Whole documents are left out when they are the navigation
   document, non-linear (``linear="no"``: publisher-marked auxiliary content), publishing
   furniture (cover, title page, copyright, contents, index... by epub:type/role on <body>,
   EPUB 3 landmarks, the EPUB 2 guide, a TOC title such as "Copyright", or - for short files only -
   a telltale file name or copyright text), notes (unless ``include_notes``), or empty of text.
3. Every TOC entry (EPUB 3 nav, else NCX) marks a position: file start or fragment anchor. The
   reading text is cut at every position, so one file can hold many chapters and one chapter
   can run over several files (it runs until the next TOC position).
4. Nested TOCs: a leaf entry is a chapter. A parent whose whole subtree lives in a file of its
   own (chapter > sections) is one chapter. Otherwise its children are the chapters, and the
   parent itself (a part) is a chapter only when it has text of its own beyond its heading.
5. Spine text that no TOC entry covers is never dropped silently: a file that starts with a
   heading becomes its own chapter titled by that heading (a preface missing from the TOC);
   otherwise it continues the chapter before it (a chapter split over files). Text before the
   first TOC entry becomes a chapter titled by its heading, its <title>, or "Front matter".
6. A chapter's leading headings that repeat its title are dropped: the title is spoken anyway.
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
from narration.ingest.html import (
    NON_NARRATIVE_TYPES,
    NOTE_TYPES,
    Block,
    Extract,
    document_language,
    document_title,
    document_types,
    extract_blocks,
    local_name,
    note_anchor_ids,
    semantic_types,
)
from narration.ingest.safety import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    check_epub_archive,
    read_book_file,
    read_html_tree,
    resolve_href,
)
from narration.model import Book, Chapter, Cover, Paragraph
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


@dataclass(eq=False)
class _TocNode:
    title: str
    file: str | None
    fragment: str | None
    children: list[_TocNode] = field(default_factory=list)
    order: int = 0  # pre-order index: ties at one position go to the outer/earlier entry first
    pos: int | None = None  # global block index where it starts, None if it points nowhere we read
    skip: bool = False  # furniture or notes: its text is not read

    def walk(self) -> list[_TocNode]:
        return [self] + [d for c in self.children for d in c.walk()]


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
    order: int
    owner: _TocNode | _Implicit | None  # None: furniture landmark, text not read


def load_epub(path: Path, *, include_notes: bool = False, limits: ArchiveLimits = DEFAULT_LIMITS) -> Book:
    """Read an EPUB into a Book (paragraph text filled, sentences empty).

    Raises InputError (path + one-line reason) for missing, empty, non-EPUB, corrupt, hostile or
    DRM-protected files and for books with no readable text. Writes nothing.
    """
    path = Path(path)
    data = read_book_file(path, limits)
    check_epub_archive(data, path, limits)
    book, toc_from_nav = _read_with_ebooklib(data, path)

    toc = _table_of_contents(book, toc_from_nav)
    nodes = [n for top in toc for n in top.walk()]
    for order, node in enumerate(nodes):
        node.order = order
        node.skip = bool(FURNITURE_TITLE.match(node.title) or (not include_notes and NOTES_TITLE.match(node.title)))
    furniture, note_files = _landmarks(book, path, include_notes)
    docs = _spine_documents(book, path)
    note_files |= {d.file for d in docs if document_types(d.root) & NOTE_TYPES}
    note_files |= {n.file for n in nodes if n.file and not n.fragment and NOTES_TITLE.match(n.title)}
    _extract_all(docs, note_files, include_notes, path)
    docs = [d for d in docs if not _left_out(d, nodes, furniture, note_files, include_notes, path)]

    chapters = _chapters(docs, toc, nodes, furniture, book.title, path)
    if not chapters:
        raise InputError(path, "no readable text (every document is empty, furniture or notes)")
    _repeat_ruby(chapters)
    title, authors, language = _metadata(book, docs, path)
    return Book(
        title=title,
        authors=authors,
        language=language,
        chapters=chapters,
        cover=_cover(book, path),
        source=str(path),
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


def _landmarks(book: epub.EpubBook, path: Path, include_notes: bool) -> tuple[set[tuple[str, str | None]], set[str]]:
    """Targets of furniture landmarks (EPUB 3 nav) and guide references (EPUB 2), and notes files."""
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

    furniture: set[tuple[str, str | None]] = set()
    notes: set[str] = set()
    skip_types = NON_NARRATIVE_TYPES | GUIDE_FURNITURE
    for kind, href in marks:
        file, fragment = _split_target(resolve_href("", href), href)
        if file is None:
            continue
        is_notes = kind in NOTE_TYPES or kind in GUIDE_NOTES
        if is_notes and not fragment:
            notes.add(file)
        if kind in skip_types or (is_notes and not include_notes):
            furniture.add((file, fragment))
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


def _extract_all(docs: list[_Doc], note_files: set[str], include_notes: bool, path: Path) -> None:
    note_ids = {(d.file, i) for d in docs for i in note_anchor_ids(d.root)}

    for doc in docs:
        doc_dir = posixpath.dirname(doc.file)

        def is_note_link(href: str, doc_file: str = doc.file, doc_dir: str = doc_dir) -> bool:
            target = doc_file if href.startswith("#") else resolve_href(doc_dir, href)
            fragment = href.partition("#")[2]
            return target in note_files or (target, unquote(fragment)) in note_ids

        doc.extract = extract_blocks(doc.root, keep_notes=include_notes, is_note_link=is_note_link)
        for notice, count in Counter(doc.extract.notices).items():
            log.info("%s: %s: skipped %d %s(s) (not narrated)", path, doc.file, count, notice)


def _left_out(
    doc: _Doc,
    nodes: list[_TocNode],
    furniture: set[tuple[str, str | None]],
    note_files: set[str],
    include_notes: bool,
    path: Path,
) -> bool:
    """Whether a whole document is not read (module docstring, point 2)."""
    text = "\n".join(b.text for b in doc.extract.blocks)
    entries = [n for n in nodes if n.file == doc.file]
    sections = any(n.fragment and doc.extract.anchors.get(n.fragment, 0) > 0 for n in entries)
    stem = posixpath.basename(doc.file).rsplit(".", 1)[0].lower().replace("_", "-")
    stem = stem.strip("0123456789-.")  # "01-cover", "cover_1"
    short = len(text) < SHORT_DOC_CHARS and not sections
    reasons = [
        (
            document_types(doc.root) & (NON_NARRATIVE_TYPES | (set() if include_notes else NOTE_TYPES)),
            "marked as furniture or notes",
        ),
        ((doc.file, None) in furniture, "a furniture landmark/guide target"),
        (not include_notes and doc.file in note_files, "notes"),
        (entries and not sections and all(n.skip for n in entries), "its TOC title is furniture or notes"),
        (short and FURNITURE_FILE.fullmatch(stem), "named like furniture"),
        (short and not entries and COPYRIGHT_TEXT.search(text), "a copyright page"),
        (not text, "no text"),
    ]
    reason = next((why for hit, why in reasons if hit), None)
    if reason:
        log.info("%s: %s: not read (%s)", path, doc.file, reason)
    return reason is not None


# --- chapters ------------------------------------------------------------------------------------


def _chapters(
    docs: list[_Doc],
    toc: list[_TocNode],
    nodes: list[_TocNode],
    furniture: set[tuple[str, str | None]],
    book_title: str,
    path: Path,
) -> list[Chapter]:
    blocks: list[Block] = []
    by_file: dict[str, _Doc] = {}
    for doc in docs:
        doc.start = len(blocks)
        blocks.extend(doc.extract.blocks)
        by_file[doc.file] = doc
    if not blocks:
        return []

    boundaries = _toc_boundaries(nodes, furniture, by_file, path)
    boundaries = _add_implicit(boundaries, docs, book_title)
    boundaries.sort(key=lambda b: (b.pos, b.order))
    ends = [b.pos for b in boundaries[1:]] + [len(blocks)]
    spans = list(zip(boundaries, ends, strict=True))
    segments = {id(b.owner): (b.pos, end) for b, end in spans if isinstance(b.owner, _TocNode)}

    def own_text(node: _TocNode) -> bool:
        start, end = segments.get(id(node), (0, 0))
        return any(not b.heading for b in blocks[start:end])

    unit_of = _units(toc, nodes, own_text)

    # Consecutive segments of one unit make one chapter; a skipped segment inside a chapter
    # (furniture, notes) does not split it.
    units: list[tuple[_TocNode | _Implicit, list[Block]]] = []
    for boundary, end in spans:
        owner = boundary.owner
        unit = unit_of.get(id(owner)) if isinstance(owner, _TocNode) else owner
        if unit is None:
            continue
        if units and units[-1][0] is unit:
            units[-1][1].extend(blocks[boundary.pos : end])
        else:
            units.append((unit, list(blocks[boundary.pos : end])))
    chapters = [_chapter(unit, unit_blocks) for unit, unit_blocks in units]
    return [c for c in chapters if c.paragraphs]


def _toc_boundaries(
    nodes: list[_TocNode], furniture: set[tuple[str, str | None]], by_file: dict[str, _Doc], path: Path
) -> list[_Boundary]:
    boundaries = []
    for node in nodes:
        doc = by_file.get(node.file or "")
        if doc is None:
            continue
        if node.fragment and node.fragment in doc.extract.dropped_anchors:
            node.skip = True
        if (node.file, node.fragment) in furniture:
            node.skip = True
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
    for file, fragment in furniture:
        doc = by_file.get(file)
        if doc is not None and fragment and fragment in doc.extract.anchors:
            # Before any TOC entry at the same spot: the TOC's own reading wins there.
            boundaries.append(_Boundary(doc.start + doc.extract.anchors[fragment], -1, None))
    return boundaries


def _add_implicit(boundaries: list[_Boundary], docs: list[_Doc], book_title: str) -> list[_Boundary]:
    """Boundaries for spine text the TOC does not cover (module docstring, point 5)."""
    result = sorted(boundaries, key=lambda b: (b.pos, b.order))
    for doc in docs:
        before = [b for b in result if b.pos <= doc.start]
        if before and before[-1].pos == doc.start:
            continue  # a TOC entry or landmark starts here
        previous = before[-1].owner if before else None
        continues_reading = previous is not None and not (isinstance(previous, _TocNode) and previous.skip)
        first = doc.extract.blocks[0]
        if first.heading or not continues_reading:
            fallback = UNTITLED if before else FRONT_MATTER_TITLE
            title = strip_ruby(first.text) if first.heading else _doc_title(doc, book_title) or fallback
            result.append(_Boundary(doc.start, -2, _Implicit(" ".join(title.split()), doc.file)))
            result.sort(key=lambda b: (b.pos, b.order))
    return result


def _doc_title(doc: _Doc, book_title: str) -> str:
    title = document_title(doc.root)
    return "" if _norm(title) in ("", _norm(book_title)) else title


def _units(
    toc: list[_TocNode], nodes: list[_TocNode], own_text: Callable[[_TocNode], bool]
) -> dict[int, _TocNode | None]:
    """Which chapter each TOC entry's text belongs to (None: not read). See docstring point 4."""
    files_of = {id(n): {d.file for d in n.walk() if d.pos is not None} for n in nodes}
    unit_of: dict[int, _TocNode | None] = {}

    def owns_file(node: _TocNode) -> bool:
        inside = {id(d) for d in node.walk()}
        return (
            node.file is not None
            and files_of[id(node)] == {node.file}
            and not any(n.file == node.file and id(n) not in inside for n in nodes)
        )

    def assign(node: _TocNode) -> None:
        if node.skip:
            unit_of[id(node)] = None
        elif not node.children:
            unit_of[id(node)] = node
        elif node.pos is not None and owns_file(node):
            for d in node.walk():
                unit_of[id(d)] = None if d.skip else node
            return
        else:
            unit_of[id(node)] = node if node.pos is not None and own_text(node) else None
        for child in node.children:
            assign(child)

    for top in toc:
        assign(top)
    return unit_of


def _repeat_ruby(chapters: list[Chapter]) -> None:
    """A word given a reading once keeps it for the rest of the book (narration.text.ruby)."""
    paragraphs = [p for chapter in chapters for p in chapter.paragraphs]
    for paragraph, text in zip(paragraphs, annotate_repeats([p.text for p in paragraphs]), strict=True):
        paragraph.text = text


def _chapter(unit: _TocNode | _Implicit, blocks: list[Block]) -> Chapter:
    if isinstance(unit, _Implicit):
        title, source = unit.title, unit.file
    else:
        title = unit.title or next((strip_ruby(b.text) for b in blocks if b.heading), UNTITLED)
        source = f"{unit.file}#{unit.fragment}" if unit.fragment else unit.file or ""
    blocks = _without_title_headings(blocks, title)
    return Chapter(title, [Paragraph(b.text) for b in blocks], source=source)


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
