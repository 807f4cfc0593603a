"""EPUB 2/3 -> Book: chapters in reading order, titled from the book's own table of contents.

``load_epub`` runs three steps, each in a module of its own: ``epub_package`` (what the package
says: TOC, landmarks, spine, metadata), ``epub_text`` (which text of the documents is read) and
``epub_chapters`` (how that text becomes chapters).

How a book becomes chapters:

1. The archive is checked (``safety``) before ebooklib reads it: limits, paths, entities, DRM.
2. Spine documents are read in order. Whole documents are left out when they are the navigation
   document, non-linear (``linear="no"``: publisher-marked auxiliary content), publishing
   furniture (cover, title page, copyright, contents, index... by epub:type/role on <body>,
   EPUB 3 landmarks, the EPUB 2 guide, a TOC title such as "Copyright", or - for short files only -
   a telltale file name or copyright text), notes, or empty of text. Project Gutenberg's header
   and licence (by id/class, or between its START and END lines), production credits,
   transcriber's notes and captions go too (``narration.ingest.html``, ``gutenberg``).
3. Every TOC entry (EPUB 3 nav, else NCX) marks a position: file start or fragment anchor (an
   id, or an HTML 4 ``<a name>``). The reading text is cut at every position, so one file can
   hold many chapters and one chapter can run over several files (it runs until the next TOC
   position). An entry pointing at a file's start whose own heading follows another entry's
   anchor in that file ("Prologue" at ``text01.xhtml#prologue``, "Chapter 1" at ``text01.xhtml``)
   starts at its heading. A nav entry's title is its own label, never its sub-list's text.
4. Nested TOCs: one TOC level is the chapter level (``choose_level``, or ``chapter_level``).
   Entries at that level are chapters, their sub-entries sections read inside them; leaves
   above it are chapters too. An entry above it with sub-entries (a part, a volume) is not a
   chapter: its title prefixes its first chapter's ("Volume One: Chapter 1") and its own text
   (an epigraph, an introduction to the part), however long, opens that chapter. The same holds
   for a part's page that the TOC reaches only through its chapters (a nav ``<span>``, an NCX
   part pointing at its first chapter) and for part entries in a flat TOC ("Part One" beside
   its chapters). An entry standing for the whole book keeps a long text of its own as the
   book's opening chapter.
5. Spine text that no TOC entry covers is never dropped silently: a file that starts with a
   heading becomes its own chapter titled by that heading (a preface missing from the TOC);
   otherwise it continues the chapter before it (a chapter split over files). Text before the
   first TOC entry becomes a chapter titled by its heading, its <title>, or "Front matter".
6. A chapter's leading headings that repeat its title are dropped: the title is spoken anyway.
   Leading chapters that are only a printed title page (``frontmatter``) are left out, and so is
   a chapter whose every line is another entry's title (a piece of the contents left over).
7. Notes are left out, or read inline or at the chapter's end (``narration.ingest.notes``).
   Everything left out is recorded on ``Book.omitted`` for the dry-run.
"""

from __future__ import annotations

import logging
from pathlib import Path

from narration.errors import InputError
from narration.ingest.epub_chapters import book_chapters, repeat_ruby, without_title_pages
from narration.ingest.epub_package import (
    NOTES_TITLE,
    TocNode,
    book_cover,
    book_metadata,
    book_publisher,
    landmarks,
    mark_skipped,
    read_with_ebooklib,
    spine_documents,
    table_of_contents,
)
from narration.ingest.epub_text import (
    all_note_bodies,
    doc_omissions,
    extract_all,
    left_out,
    name_toc_anchors,
    strip_gutenberg,
    unread_notes,
)
from narration.ingest.frontmatter import cut_printer_colophon
from narration.ingest.html import NOTE_TYPES, document_types
from narration.ingest.limits import check_markup_size
from narration.ingest.language import METADATA
from narration.ingest.omissions import NOTES
from narration.ingest.safety import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    check_epub_archive,
    read_book_file,
)
from narration.model import Book, Omission
from narration.ingest.settings import IngestOptions

log = logging.getLogger(__name__)


def load_epub(path: Path, options: IngestOptions | None = None, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> Book:
    """Read an EPUB into a Book (paragraph text filled, sentences empty).

    Raises InputError (path + one-line reason) for missing, empty, non-EPUB, corrupt, hostile or
    DRM-protected files and for books with no readable text. Writes nothing.
    """
    path = Path(path)
    options = options or IngestOptions()
    data = check_epub_archive(read_book_file(path, limits), path, limits)
    book, toc_from_nav = read_with_ebooklib(data, path)

    toc = table_of_contents(book, toc_from_nav)
    nodes = [n for top in toc for n in top.walk()]
    mark_skipped(nodes, options.keep)
    furniture, note_files = landmarks(book, path, options.keep)
    docs = spine_documents(book, path)
    check_markup_size((d.root for d in docs), path, options.limits)
    note_files |= {d.file for d in docs if document_types(d.root) & NOTE_TYPES}
    note_files |= {n.file for n in nodes if n.file and not n.fragment and NOTES_TITLE.match(n.title)}
    notes = all_note_bodies(book, docs, path) if options.notes != "skip" else {}
    name_toc_anchors(docs, nodes)
    extract_all(docs, note_files, options, notes, path)
    strip_gutenberg(docs, options.keep)
    omitted: list[Omission] = []
    all_docs = docs
    publisher = book_publisher(book)
    entries: dict[str | None, list[TocNode]] = {}  # each file's TOC entries, gathered once
    for node in nodes:
        entries.setdefault(node.file, []).append(node)
    docs = [d for d in docs
            if not left_out(d, entries.get(d.file, []), furniture, note_files, options.keep, omitted, path, publisher)]

    title, authors, declared = book_metadata(book, docs, path)
    language = declared or "en"  # until the text is read (narration.ingest.language)
    chapters, structure = book_chapters(docs, toc, nodes, furniture, title, authors, language, options, notes, omitted, path)
    chapters = without_title_pages(chapters, title, authors, options.keep, omitted)
    if cut := cut_printer_colophon(chapters, options.keep):
        omitted.append(cut)
    if not chapters:
        raise InputError(path, "no readable text (every document is empty, furniture or notes)")
    repeat_ruby(chapters)
    for doc in all_docs:
        omitted.extend(doc_omissions(doc, options.notes != "skip"))
    if notes:  # notes are read: only those no marker leads to are left out
        omitted = [o for o in omitted if o.kind != NOTES] + unread_notes(notes, docs)
    return Book(
        title=title,
        authors=authors,
        language=language,
        language_source=METADATA if declared else "",
        chapters=chapters,
        cover=book_cover(book, path),
        source=str(path),
        omitted=omitted,
        structure=structure,
    )
