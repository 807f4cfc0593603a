"""What an EPUB package says, read with ebooklib: the table of contents (EPUB 3 nav, else NCX),
landmarks and guide references, the spine's documents, metadata and cover.

The archive has been checked by ``narration.ingest.safety`` before anything here reads it.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import ebooklib
from ebooklib import epub
from ebooklib.utils import parse_html_string
from lxml import etree

from narration.errors import InputError
from narration.ingest import gutenberg
from narration.ingest.html import (
    NON_NARRATIVE_TYPES,
    NOTE_TYPES,
    TYPE_KINDS,
    Extract,
    document_language,
    local_name,
    semantic_types,
)
from narration.ingest.omissions import COLOPHON, CONTENTS, COPYRIGHT, LICENCE, NOTES, TITLE_PAGE, TRANSCRIBER_NOTES
from narration.ingest.safety import (
    package_path,
    read_html_tree,
    resolve_href,
)
from narration.language import primary_language
from narration.model import Cover

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
    r"(table of )?contents|toc|index|colophon|imprint|also by\b.*|"
    r"sommario|indice|inhalt(sverzeichnis)?|table des matières|índice|目次|目录|もくじ)$",
    re.IGNORECASE,
)


NOTES_TITLE = re.compile(r"^(foot|end)?notes(\s+(to|on)\s+(the\s+)?(book|chapter|preface|introduction|volume|part)\b.*)?$",
                         re.IGNORECASE)


# Which omission kind a furniture TOC title, file name or guide type is.
TITLE_KINDS = [
    (re.compile(r"copyright|imprint", re.IGNORECASE), COPYRIGHT),
    (re.compile(r"contents|toc|index|list of", re.IGNORECASE), CONTENTS),
    (re.compile(r"colophon", re.IGNORECASE), COLOPHON),
    (re.compile(r"notes", re.IGNORECASE), NOTES),
]


GUIDE_KINDS = {"copyright-page": COPYRIGHT, "toc": CONTENTS, "index": CONTENTS, "loi": CONTENTS, "lot": CONTENTS,
               "colophon": COLOPHON, "notes": NOTES}


def kind_of_name(name: str) -> str:
    """The omission kind a furniture title or file name suggests (title page by default)."""
    return next((kind for pattern, kind in TITLE_KINDS if pattern.search(name)), TITLE_PAGE)


@dataclass(eq=False)
class TocNode:
    title: str
    file: str | None
    fragment: str | None
    children: list[TocNode] = field(default_factory=list)
    order: int = 0  # pre-order index: ties at one position go to the outer/earlier entry first
    pos: int | None = None  # global block index where it starts, None if it points nowhere we read
    skip: bool = False  # furniture, notes or boilerplate: its text is not read
    skip_kind: str = ""  # the omission kind its text is recorded as

    def walk(self) -> list[TocNode]:
        return [self] + [d for c in self.children for d in c.walk()]

    @property
    def where(self) -> str:
        return f"{self.file}#{self.fragment}" if self.fragment else self.file or ""


@dataclass(eq=False)
class Doc:
    file: str
    root: etree._Element
    extract: Extract = field(default_factory=Extract)
    start: int = 0


def mark_skipped(nodes: list[TocNode], keep: frozenset[str]) -> None:
    """Number the TOC entries in reading order and mark those whose titles say they are not
    narration (furniture, notes, transcriber's notes, Project Gutenberg's own pages)."""
    for order, node in enumerate(nodes):
        node.order = order
        if FURNITURE_TITLE.match(node.title) or NOTES_TITLE.match(node.title):
            node.skip_kind = NOTES if NOTES_TITLE.match(node.title) else kind_of_name(node.title)
        elif gutenberg.is_transcriber_note(node.title):
            node.skip_kind = TRANSCRIBER_NOTES
        elif gutenberg.names_gutenberg(node.title):
            node.skip_kind = LICENCE
        node.skip = bool(node.skip_kind) and node.skip_kind not in keep


class _DefaultRenditionReader(epub.EpubReader):
    """ebooklib's reader, opening the package a reading system opens.

    ebooklib keeps the *last* package that ``container.xml`` lists; the EPUB Multiple-Rendition
    spec makes the *first* the default rendition (a print edition followed by a braille or
    fixed-layout one: ebooklib read the braille one). ``package_path`` is the one our archive
    checks already validated.
    """

    def __init__(self, data: bytes, path: Path, options: dict[str, object]) -> None:
        super().__init__(io.BytesIO(data), options)
        self._path = path

    def _load_container(self) -> None:
        self.opf_file = package_path(self.read_file("META-INF/container.xml"), self._path)
        self.opf_dir = posixpath.dirname(self.opf_file)

    def _parse_nav(self, data: bytes, base_path: str, navtype: str = "toc") -> None:
        """The nav's table of contents read by ``nav_toc``; its page list is not used."""
        if navtype == "toc":
            self.book.toc = nav_toc(data, base_path)


def nav_toc(data: bytes, base_path: str) -> list:
    """The EPUB 3 nav's table of contents as ebooklib's ``Link`` and ``(Section, children)``.

    ebooklib's own reading titles an entry with sub-entries by its ``<li>``'s first child: a label
    set as bare text (``<li>Part One<ol>...``) took the text of the whole sub-list ("Chapter 1Chapter
    2..."), a number in a ``<span>`` before the link gave "1"; a ``<ul>`` (as some producers write)
    lost its sub-entries or refused the book. Here an entry's label is all of its ``<li>``'s text
    outside its sub-list (its link's text if it has one), its target the first link there, and its
    sub-list an ``<ol>`` or a ``<ul>``.
    """
    root = parse_html_string(data)
    nav = next((el for el in root.iter() if local_name(el) == "nav" and _is_toc_nav(el)), None)
    top = next((el for el in nav.iter() if local_name(el) in _LISTS), None) if nav is not None else None
    return _nav_entries(top, base_path) if top is not None else []


_LISTS = frozenset({"ol", "ul"})


def _is_toc_nav(nav: etree._Element) -> bool:
    return any("toc" in value.lower().split() or value.lower() == "doc-toc" for value in nav.attrib.values())


def _nav_entries(items: etree._Element, base_path: str) -> list:
    entries: list = []
    for li in (el for el in items if local_name(el) == "li"):
        sub = next((el for el in li if local_name(el) in _LISTS), None)
        label = [li.text or ""]
        link = None
        for child in li:
            if child is not sub and isinstance(child.tag, str):  # not the sub-list, not a comment
                label.append(child.text_content())
                if link is None:
                    link = next((a for a in child.iter() if local_name(a) == "a" and a.get("href")), None)
            label.append(child.tail or "")
        # The link's text where it has one (a number set apart before it is not the title).
        title = " ".join((link.text_content() if link is not None else "").split()) or " ".join("".join(label).split())
        href = posixpath.normpath(posixpath.join(base_path, link.get("href"))) if link is not None else None
        children = _nav_entries(sub, base_path) if sub is not None else []
        if children:
            entries.append((epub.Section(title, href=href), children))
        elif href:
            entries.append(epub.Link(href, title))
    return entries


def _read_epub(data: bytes, path: Path, options: dict[str, object]) -> epub.EpubBook:
    """``epub.read_epub`` through ``_DefaultRenditionReader``."""
    reader = _DefaultRenditionReader(data, path, options)
    book = reader.load()
    reader.process()
    return book


def read_with_ebooklib(data: bytes, path: Path) -> tuple[epub.EpubBook, bool]:
    """ebooklib's reader, preferring the EPUB 3 nav; returns the book and whether the TOC is the nav.

    A nav document that is broken or lists nothing gets a second try with the NCX instead.
    """
    error: Exception | None = None
    without_toc: epub.EpubBook | None = None
    for ignore_ncx in (True, False):
        try:
            book = _read_epub(data, path, {"ignore_ncx": ignore_ncx})
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


def table_of_contents(book: epub.EpubBook, from_nav: bool) -> list[TocNode]:
    # ebooklib already resolved nav hrefs against the package directory; NCX ones are raw.
    ncx = next((i for i in book.get_items() if i.media_type == "application/x-dtbncx+xml"), None)
    base = "" if from_nav or ncx is None else posixpath.dirname(ncx.file_name)

    def node(title: str | None, href: str | None, children: list) -> TocNode:
        file = resolve_href(base, href) if href else None
        file, fragment = _split_target(file, href)
        # A note marker copied into the TOC ("COMPENSATION.[93]") is not part of the title.
        clean = _TITLE_MARKER.sub("", " ".join((title or "").split()))
        return TocNode(clean, file, fragment, convert(children))

    def convert(entries: list) -> list[TocNode]:
        nodes = []
        for entry in entries if isinstance(entries, list) else [entries]:
            if isinstance(entry, tuple):
                head, children = entry
                nodes.append(node(head.title, head.href, children))
            elif isinstance(entry, (epub.Link, epub.Section)):
                nodes.append(node(entry.title, entry.href, []))
        return nodes

    return convert(book.toc)


def landmarks(
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


def spine_documents(book: epub.EpubBook, path: Path) -> list[Doc]:
    docs: list[Doc] = []
    seen: set[str] = set()
    by_id = {item.id: item for item in reversed(list(book.get_items()))}  # the first of an id, as ebooklib's lookup
    for idref, linear in book.spine:
        item = by_id.get(idref)
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
        docs.append(Doc(item.file_name, read_html_tree(item.content, path, item.file_name)))
    return docs


def book_metadata(book: epub.EpubBook, docs: list[Doc], path: Path) -> tuple[str, list[str], str]:
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
    declared = Counter(primary_language(document_language(d.root)) for d in docs if document_language(d.root))
    if declared:
        # The documents outvote the package: a template's "en" over a book whose every file says "it".
        majority, count = declared.most_common(1)[0]
        if count > sum(declared.values()) / 2 and majority != primary_language(language):
            if language:
                log.warning("%s: the package says %r, its documents say %r; reading it as %r", path, language,
                            majority, majority)
            language = majority
    return title, authors, primary_language(language)  # "": none declared


def book_publisher(book: epub.EpubBook) -> str:
    """The package's ``dc:publisher``, "" if none."""
    return next((" ".join(v.split()) for v, _ in book.metadata.get(DC_NS, {}).get("publisher", []) if v and v.strip()), "")


_TITLE_MARKER = re.compile(r"(?<!\s)\s*+\[\d{1,4}\]")  # from a run's start only: linear on long runs



def _opf_metas(book: epub.EpubBook) -> list[tuple[str | None, dict[str, str]]]:
    """Every OPF <meta> as (text, attributes); ebooklib files them under varying keys."""
    return [entry for entries in book.metadata.get(OPF_NS, {}).values() for entry in entries]


def book_cover(book: epub.EpubBook, path: Path) -> Cover | None:
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
