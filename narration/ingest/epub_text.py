"""Which text of an EPUB's documents is read: each document's blocks (``narration.ingest.html``),
Project Gutenberg's header, licence, credits and transcriber's notes taken out across files,
``[Illustration]`` captions, whole documents that are furniture, and the record of all of it.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from ebooklib import epub
from lxml import etree

from narration.ingest import gutenberg
from narration.ingest.epub_package import HTML_TYPES, Doc, TocNode, kind_of_name
from narration.ingest.html import (
    NON_NARRATIVE_TYPES,
    NOTE_TYPES,
    TYPE_KINDS,
    Block,
    Extract,
    document_title,
    document_types,
    extract_blocks,
    local_name,
    note_anchor_ids,
    note_bodies,
    note_text,
)
from narration.ingest.omissions import (
    CAPTIONS,
    COLOPHON,
    COPYRIGHT,
    LICENCE,
    NOTES,
    TITLE_PAGE,
    TRANSCRIBER_NOTES,
    omission,
)
from narration.ingest.safety import (
    read_html_tree,
    resolve_href,
)
from narration.ingest.settings import IngestOptions
from narration.model import Omission

log = logging.getLogger(__name__)


# Furniture file names (after stripping numbering): only trusted for short documents.
FURNITURE_FILE = re.compile(
    r"(front-?)?cover(-?page)?|(half-?)?title(-?page)?|copyrights?(-?page)?|toc|contents|"
    r"table-?of-?contents|colophon|imprint"
)


COPYRIGHT_TEXT = re.compile(r"all rights reserved|\bISBN\b|無断(転載|複製)", re.IGNORECASE)


SHORT_DOC_CHARS = 3000  # about 500 English words; title and copyright pages are far shorter


def all_note_bodies(book: epub.EpubBook, docs: list[Doc], path: Path) -> dict[str, str]:
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


def name_toc_anchors(docs: list[Doc], nodes: list[TocNode]) -> None:
    """A TOC entry's target set as ``<a name="prologue">`` (HTML 4, old EPUB 2 files) gets it as
    its id too: only ids were found, so the entry was taken to start at its file's start and its
    text was read under the entry before it."""
    wanted: dict[str, set[str]] = {}
    for node in nodes:
        if node.file and node.fragment:
            wanted.setdefault(node.file, set()).add(node.fragment)
    for doc in docs:
        fragments = wanted.get(doc.file)
        if not fragments:
            continue
        ids = {el.get("id") for el in doc.root.iter() if isinstance(el.tag, str) and el.get("id")}
        for el in doc.root.iter():
            name = el.get("name") if isinstance(el.tag, str) and local_name(el) == "a" else None
            if name in fragments and name not in ids and not el.get("id"):
                el.set("id", name)
                ids.add(name)


def extract_all(
    docs: list[Doc], note_files: set[str], options: IngestOptions, notes: dict[str, str], path: Path
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


def _linked_targets(docs: list[Doc]) -> set[str]:
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


def strip_gutenberg(docs: list[Doc], keep: frozenset[str]) -> None:
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
        # A transcriber's note runs from its title to the next heading (of its level or above),
        # or, titled by a paragraph ("TRANSCRIBER'S NOTE"), to the next heading or its file's end.
        section: tuple[int, object] | None = None  # (heading level, or 7 for a paragraph title; its file)
        for index in range(start, end):
            doc, i = located[index]
            block = doc.extract.blocks[i]
            if section and (section[1] is not doc or (block.heading and block.heading <= section[0])):
                section = None
            if gutenberg.is_transcriber_note(block.text) and (block.heading or len(block.text.split()) <= 6):
                section = (block.heading or 7, doc)
                mark(TRANSCRIBER_NOTES, index)
            elif gutenberg.is_transcriber_note(block.text) or section:
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


# "About <publisher>" in the languages we read: a producer's page about itself.
_ABOUT = re.compile(r"^\W*(?:about|à\s+propos\s+d[e']|a\s+propos\s+d[e']|über|acerca\s+de|sobre|informazioni\s+su|"
                    r"chi\s+è|over|tietoja)\s*+(.*)$", re.IGNORECASE)


def about_the_publisher(doc: Doc, publisher: str) -> bool:
    """A short document titled "About <the book's publisher>" (Bibebook's "À propos de Bibebook",
    an "About O'Reilly" page): the producer's page about itself, not the book."""
    name = _publisher_name(publisher)
    if not name or not doc.extract.blocks:
        return False
    for title in (document_title(doc.root), doc.extract.blocks[0].text):
        about = _ABOUT.match(" ".join(title.split()))
        named = _publisher_name(about.group(1)) if about else ""
        if len(named) >= 4 and (named.startswith(name) or name.startswith(named)):  # "About O'Reilly"
            return True
    return False


def _publisher_name(text: str) -> str:
    """A publisher's name to compare: letters only, lower case, without "éditions" or "Inc."."""
    words = re.sub(r"\b(?:éditions|editions|edições|ediciones|edizioni|verlag|publishing|publishers?|inc|ltd|llc)\b",
                   " ", text.casefold())
    return "".join(ch for ch in words if ch.isalnum())


def left_out(
    doc: Doc,
    nodes: list[TocNode],
    furniture: dict[tuple[str, str | None], str],
    note_files: set[str],
    keep: frozenset[str],
    omitted: list[Omission],
    path: Path,
    publisher: str = "",
) -> bool:
    """Whether a whole document is not read (module docstring, point 2); records why. ``nodes``:
    the TOC entries that point into this document."""
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
        (short and FURNITURE_FILE.fullmatch(stem), kind_of_name(stem), "named like furniture"),
        (short and not entries and COPYRIGHT_TEXT.search(text), COPYRIGHT, "a copyright page"),
        (short and about_the_publisher(doc, publisher), COLOPHON, "the publisher's page about itself"),
    ]
    hit = next(((kind, why) for matched, kind, why in reasons if matched and kind not in keep), None)
    if hit is None:
        return False
    kind, why = hit
    log.info("%s: %s: not read (%s)", path, doc.file, why)
    if kind:
        omitted.append(omission(kind, doc.file, (b.text for b in doc.extract.blocks)))
    return True


def doc_omissions(doc: Doc, notes_read: bool) -> list[Omission]:
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


def unread_notes(notes: dict[str, str], docs: list[Doc]) -> list[Omission]:
    """With notes read aloud, the notes no marker in the reading text leads to (left out)."""
    referenced = {key for doc in docs for block in doc.extract.blocks for _, key in block.refs}
    unread = [text for key, text in notes.items() if key not in referenced]
    return [omission(NOTES, "notes no marker leads to", dict.fromkeys(unread))] if unread else []
