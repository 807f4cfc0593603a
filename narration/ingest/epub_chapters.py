"""How the read text of an EPUB becomes chapters: every TOC entry marks a position, the text is
cut at every position, each piece is given to the chapter it belongs to at the chosen TOC level
(``chapter_level``), text no entry covers gets a chapter of its own or continues the one before,
and title pages at the front are left out. See ``narration.ingest.epub`` for the rules.
"""

from __future__ import annotations

import logging
import re
from math import inf
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from narration.ingest import gutenberg
from narration.ingest.chapter_level import CONTAINER_LABELS, MOST_OF_THE_BOOK, choose_level
from narration.ingest.epub_package import Doc, TocNode
from narration.ingest.epub_text import SHORT_DOC_CHARS
from narration.ingest.frontmatter import (
    is_copyright_line,
    looks_like_copyright_page,
    looks_like_title_page,
    title_page_lines,
)
from narration.ingest.html import (
    Block,
    document_title,
)
from narration.ingest.markdown import heading_label
from narration.ingest.notes import MarkedParagraph, place_notes
from narration.ingest.omissions import (
    CONTENTS,
    COPYRIGHT,
    TITLE_PAGE,
    omission,
)
from narration.model import Chapter, Omission, Paragraph
from narration.ingest.settings import IngestOptions
from narration.ruby import annotate_repeats, strip_ruby

log = logging.getLogger(__name__)


FRONT_MATTER_TITLE = "Front matter"


UNTITLED = "Untitled section"


FRONT_UNITS = 4  # the first chapters are searched for title pages glued to a next file


BOOK_TEXT_WORDS = 150  # an entry standing for the whole book with more text of its own: its opening
_FILE_NAME = re.compile(r"\.x?html?$", re.IGNORECASE)
FRONT_WORDS = 100  # until a chapter this long, the book is still in its front matter
# Sub-entries shorter than this on average are sections, not chapters (in a book of a real size:
# a short sample's chapters are all short).
MIN_CHAPTER_WORDS = 250
MIN_BOOK_WORDS = 20 * MIN_CHAPTER_WORDS  # a part with more text of its own than this is a chapter of its own


@dataclass(eq=False)
class _Implicit:
    """A chapter the TOC does not list (see module docstring, point 5)."""

    title: str
    file: str


@dataclass
class _Boundary:
    pos: int
    order: float
    owner: TocNode | _Implicit | None  # None: furniture landmark, text not read
    kind: str = ""  # for a furniture landmark: the omission kind of its text


@dataclass
class _Unit:
    """One chapter in the making: its title, where it came from, and its blocks."""

    owner: TocNode | _Implicit
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


def book_chapters(
    docs: list[Doc],
    toc: list[TocNode],
    nodes: list[TocNode],
    furniture: dict[tuple[str, str | None], str],
    book_title: str,
    authors: list[str],
    language: str,
    options: IngestOptions,
    notes: dict[str, str],
    omitted: list[Omission],
    path: Path,
) -> tuple[list[Chapter], str]:
    """The book's chapters and a line saying how they were chosen."""
    blocks: list[Block] = []
    by_file: dict[str, Doc] = {}
    for doc in docs:
        doc.start = len(blocks)
        blocks.extend(doc.extract.blocks)
        by_file[doc.file] = doc
    if not blocks:
        return [], ""
    starts = [doc.start for doc in docs]

    boundaries = _toc_boundaries(nodes, furniture, by_file, path)
    _group_intros(nodes, boundaries, docs)
    boundaries = _add_implicit(boundaries, docs, book_title)
    boundaries.sort(key=lambda b: (b.pos, b.order))
    ends = [b.pos for b in boundaries[1:]] + [len(blocks)]
    spans = list(zip(boundaries, ends, strict=True))
    segments = {id(b.owner): (b.pos, end) for b, end in spans if isinstance(b.owner, TocNode)}

    def own_words(node: TocNode) -> int:
        start, end = segments.get(id(node), (0, 0))
        return sum(len(b.text.split()) for b in blocks[start:end])

    entries_in = Counter(n.file for n in nodes)
    choice = choose_level(toc, own_words, lambda n: _owns_file(n, entries_in), options.chapter_level)
    unit_of, titles, lead_ins = _units(toc, choice.level, own_words, book_title)

    # Consecutive segments of one unit make one chapter; a skipped segment inside a chapter
    # (furniture, notes) does not split it.
    units: list[_Unit] = []
    for boundary, end in spans:
        owner = boundary.owner
        unit = unit_of.get(id(owner)) if isinstance(owner, TocNode) else owner
        segment = list(blocks[boundary.pos : end])
        if unit is None:
            kind = owner.skip_kind if isinstance(owner, TocNode) else boundary.kind
            if segment and kind:
                where = owner.where if isinstance(owner, TocNode) else "landmark"
                omitted.append(omission(kind, where, (b.text for b in segment)))
            continue
        if isinstance(owner, TocNode) and owner is unit:
            segment = _without_title_headings(segment, owner.title)  # the title is spoken anyway
        elif isinstance(owner, TocNode) and (owner.children or id(owner) in lead_ins) and unit_of.get(id(owner)) is not owner:
            segment = _without_leading_headings(segment)  # a part's heading: its title is in the chapter's
        if not (units and units[-1].owner is unit):
            title = titles.get(id(unit)) if isinstance(unit, TocNode) else unit.title
            units.append(_Unit(unit, title or "", _source(unit)))
        for file, part in _by_file(segment, boundary.pos, docs, starts):
            units[-1].add(part, file)
    if CONTENTS not in options.keep:
        units = _without_contents_fragments(units, nodes, omitted)
    for unit in units[:FRONT_UNITS]:
        if TITLE_PAGE not in options.keep:
            _drop_title_file(unit, book_title, authors, omitted)
    chapters = [_chapter(unit, notes, options.notes, language) for unit in units]
    carries = [isinstance(u.owner, TocNode) and _norm(u.title) != _norm(book_title) for u in units]
    chapters = _titles_carried(chapters, carries, book_title, authors)
    structure = choice.describe() if any(n.children for n in toc) else (
        "chapters are the table of contents' entries" if toc else "no table of contents: chapters are the files"
    )
    return chapters, structure


_PAGE_NUMBER = re.compile(r"[\s.·…_\-]*+(?:\d+|[ivxlcdm]+)$", re.IGNORECASE)  # "The Rock ...... 7"
CONTENTS_LINE_WORDS = 12


def _without_contents_fragments(units: list[_Unit], nodes: list[TocNode], omitted: list[Omission]) -> list[_Unit]:
    """No chapter whose text is only other entries' titles: a piece of a contents page left
    over (a converter's split file after the contents, a list at the end of a title page) read
    as a chapter whose only line is the next chapter's title."""
    labels = _Labels(n.title for n in nodes)
    kept = []
    for unit in units:
        own = _Labels(d.title for d in unit.owner.walk()) if isinstance(unit.owner, TocNode) else _Labels([])
        lines = [b.text for b in unit.blocks]
        if lines and all(_names_an_entry(line, labels, own) for line in lines):
            omitted.append(omission(CONTENTS, unit.source, [unit.title, *lines]))
        else:
            kept.append(unit)
    return kept


class _Labels:
    """TOC titles, normalised, counted whole and by their ends of 6 characters or more (a line
    may drop the label word: "1. The Rock" for "Chapter 1. The Rock"). Counted, not searched, so
    checking every chapter's lines stays linear in the book."""

    def __init__(self, titles: Iterable[str]) -> None:
        self.whole: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()
        for label in {_norm(t) for t in titles} - {""}:
            self.whole[label] += 1
            self.ends.update(label[i:] for i in range(len(label) - 5))


def _names_an_entry(line: str, labels: _Labels, own: _Labels) -> bool:
    """A short line that is another entry's title (not one of ``own``), with its page number or
    without its label word."""
    if len(line.split()) > CONTENTS_LINE_WORDS:
        return False
    for text in {_norm(line), _norm(_PAGE_NUMBER.sub("", line))}:
        if labels.whole[text] > own.whole[text] or (len(text) >= 6 and labels.ends[text] > own.ends[text]):
            return True
    return False


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


def _by_file(segment: list[Block], pos: int, docs: list[Doc], starts: list[int]) -> list[tuple[str, list[Block]]]:
    """A segment's blocks (starting at global index ``pos``) split by the file they come from;
    ``starts``: each document's start, to find the first one by bisection (every segment scanning
    every document made a book of a file per chapter quadratic: 12 s of a 2,000-poem book's 18)."""
    out: list[tuple[str, list[Block]]] = []
    stop = pos + len(segment)
    for doc in docs[max(bisect_right(starts, pos) - 1, 0):]:
        if doc.start >= stop:
            break
        start, end = max(pos, doc.start), min(stop, doc.start + len(doc.extract.blocks))
        if start < end:
            out.append((doc.file, segment[start - pos : end - pos]))
    return out


def _titles_carried(chapters: list[Chapter], carries: list[bool], book_title: str, authors: list[str]) -> list[Chapter]:
    """A TOC entry with no text (a "BOOK ONE" entry in a flat TOC) lends its title to the next
    chapter; one that repeats the book's title (a half-title), or is a line of the title page
    (the author, the publisher), does not."""
    out: list[Chapter] = []
    carried: list[str] = []
    for chapter, carry in zip(chapters, carries, strict=True):
        if not chapter.paragraphs:
            # Before the first chapter only a part's or a volume's title is carried: the others
            # there are title-page lines (the author, the publisher) listed in the TOC.
            label = heading_label(chapter.title)
            title_page = looks_like_title_page([chapter.title], book_title, authors) and not label
            front_line = label not in CONTAINER_LABELS and not any(c.words >= FRONT_WORDS for c in out)
            if carry and chapter.title and chapter.title != UNTITLED and not title_page and not front_line:
                carried.append(chapter.title)
            continue
        if carried:
            chapter.title = ": ".join([*carried, chapter.title])
            carried = []
        out.append(chapter)
    return out


def _source(unit: TocNode | _Implicit) -> str:
    return unit.file if isinstance(unit, _Implicit) else unit.where


def _owns_file(node: TocNode, entries_in: Counter[str | None]) -> bool:
    """Whether an entry's whole subtree lives in a file no other entry uses (chapter > sections);
    ``entries_in``: how many entries of the whole TOC point into each file."""
    subtree = node.walk()
    files = {d.file for d in subtree if d.pos is not None}
    return (
        node.file is not None
        and files == {node.file}
        and sum(d.file == node.file for d in subtree) == entries_in[node.file]
    )


def _toc_boundaries(
    nodes: list[TocNode], furniture: dict[tuple[str, str | None], str], by_file: dict[str, Doc], path: Path
) -> list[_Boundary]:
    boundaries = []
    for node in nodes:
        doc = by_file.get(node.file or "")
        if doc is None:
            node.pos = None
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
    anchored: dict[str, list[TocNode]] = {}  # each file's entries that point at an anchor in it
    for node in nodes:
        if node.pos is not None and node.fragment and node.file:
            anchored.setdefault(node.file, []).append(node)
    for node in nodes:
        if node.pos is not None and not node.fragment and node.file in anchored:
            node.pos = _own_heading(node, anchored[node.file], by_file[node.file])
        if node.pos is not None:
            boundaries.append(_Boundary(node.pos, node.order, node))
    for (file, fragment), kind in furniture.items():
        doc = by_file.get(file)
        if doc is not None and fragment and fragment in doc.extract.anchors:
            # Before any TOC entry at the same spot: the TOC's own reading wins there.
            boundaries.append(_Boundary(doc.start + doc.extract.anchors[fragment], -1, None, kind))
    return boundaries


def _own_heading(node: TocNode, anchored: list[TocNode], doc: Doc) -> int:
    """Where an entry pointing at its file's start begins: at the file's start, unless another
    entry's anchor stands inside the file before the entry's own heading ("Prologue" at
    ``text01.xhtml#prologue`` and "Chapter 1" at ``text01.xhtml``, whose heading follows the
    prologue): then at that heading, so the file is split at every entry that starts in it."""
    start = doc.start
    own = {id(d) for d in node.walk()}  # its sections' anchors are inside it
    inside = [n.pos for n in anchored if n.pos is not None and n.pos >= start and id(n) not in own]
    if not inside:
        return start
    title = _norm(node.title)
    blocks = doc.extract.blocks
    first = min(inside) - start

    def names_it(block: Block, styled: bool = False) -> bool:
        heading = _norm(block.text)
        if not heading or not (block.heading or (styled and len(block.text.split()) <= 12)):
            return False
        return heading == title or (len(heading) >= 4 and heading in title) or (len(title) >= 4 and title in heading)

    # Its title before the other entry's anchor, as a heading or a styled paragraph: it starts
    # where it points ("Interlude after Chapter 1" anchored after chapter 1's text).
    if any(names_it(b, styled=True) for b in blocks[:first]):
        return start
    return start + next((i for i in range(first, len(blocks)) if names_it(blocks[i])), -start)


def _group_intros(nodes: list[TocNode], boundaries: list[_Boundary], docs: list[Doc]) -> None:
    """A group entry (a part) that points at no file of its own (an EPUB 3 nav ``<span>``, or an
    NCX entry pointing at its first chapter, as converters write them) owns the file just before
    its first chapter when no entry points into that file and it opens with the group's title: the
    part's page, whose text then opens the first chapter as a linked part's does."""
    taken = sorted(b.pos for b in boundaries)  # kept sorted: a bisection per part, not a scan
    index = {doc.start: n for n, doc in enumerate(docs)}
    moved: set[int] = set()
    for node in nodes:
        first = next((d.pos for d in node.walk()[1:] if d.pos is not None), None)
        if node.skip or not node.children or first is None or node.pos not in (None, first) or first not in index:
            continue
        n = index[first]
        before = docs[n - 1] if n else None
        at = bisect_left(taken, before.start) if before is not None else 0
        if before is None or (at < len(taken) and taken[at] < first):
            continue  # the file before is some entry's already
        block = before.extract.blocks[0]
        heading, title = _norm(block.text), _norm(node.title)
        if block.heading and min(len(heading), len(title)) >= 4 and (heading.startswith(title) or title.startswith(heading)):
            node.pos = before.start
            moved.add(id(node))
            insort(taken, node.pos)
    if moved:
        boundaries[:] = [b for b in boundaries if id(b.owner) not in moved]
        boundaries.extend(_Boundary(n.pos, n.order, n) for n in nodes if id(n) in moved and n.pos is not None)


def _add_implicit(boundaries: list[_Boundary], docs: list[Doc], book_title: str) -> list[_Boundary]:
    """Boundaries for spine text the TOC does not cover (module docstring, point 5)."""
    result = sorted(boundaries, key=lambda b: (b.pos, b.order))
    keys = [(b.pos, b.order) for b in result]  # found by bisection: a scan per file was quadratic
    for doc in docs:
        low, high = bisect_left(keys, (doc.start, -inf)), bisect_right(keys, (doc.start, inf))
        here = result[low:high]
        # A TOC entry or landmark starts here; but furniture whose own text was left out in the
        # file before (a Contents entry anchored at its removed list) does not own this file.
        if here and not all(_left_behind(b, doc) for b in here):
            continue
        previous = result[high - 1].owner if high else None
        continues_reading = previous is not None and not (isinstance(previous, TocNode) and previous.skip)
        first = doc.extract.blocks[0]
        if first.heading or not continues_reading:
            fallback = UNTITLED if high else FRONT_MATTER_TITLE
            title = strip_ruby(first.text) if first.heading else _doc_title(doc, book_title) or fallback
            order = max(b.order for b in here) + 0.5 if here else -2  # after what it takes over from
            at = bisect_right(keys, (doc.start, order))
            keys.insert(at, (doc.start, order))
            result.insert(at, _Boundary(doc.start, order, _Implicit(" ".join(title.split()), doc.file)))
    return result


def _left_behind(boundary: _Boundary, doc: Doc) -> bool:
    owner = boundary.owner
    return isinstance(owner, TocNode) and owner.skip and owner.file != doc.file


def _doc_title(doc: Doc, book_title: str) -> str:
    title = document_title(doc.root)
    # Every file of a Gutenberg book is titled "The Project Gutenberg eBook of ..."; some
    # converters title each file with its own name ("ch001.xhtml").
    if _norm(title) in ("", _norm(book_title)) or gutenberg.names_gutenberg(title) or _FILE_NAME.search(title):
        return ""
    return title


def _units(
    toc: list[TocNode], level: int, own_words: Callable[[TocNode], int], book_title: str
) -> tuple[dict[int, TocNode | None], dict[int, str], set[int]]:
    """Which chapter each TOC entry's text belongs to (None: not read), each chapter's title, and
    the flat part entries that lead into the chapter after them.

    Module docstring, point 4: entries at ``level`` are chapters with their subtrees; a group
    above it hands its title (as a prefix) and its short text to its first chapter.
    """
    unit_of: dict[int, TocNode | None] = {}
    titles: dict[int, str] = {}
    lead_ins: set[int] = set()  # flat part entries whose text opens the next chapter

    def first_unit(node: TocNode) -> TocNode | None:
        for d in node.walk():
            if unit_of.get(id(d)) is d:
                return d
        return None

    def subtree(node: TocNode) -> int:
        return own_words(node) + sum(subtree(c) for c in node.children if not c.skip)

    total = sum(subtree(t) for t in toc if not t.skip) or 1

    def assign(node: TocNode, depth: int) -> None:
        if node.skip:
            for d in node.walk():
                unit_of[id(d)] = None
            return
        readable = [c for c in node.children if not c.skip]
        # Sub-entries too short to be chapters (a poem's numbered stanzas, a story's short
        # parts) stay inside their entry, whatever the level elsewhere in the book.
        too_short = readable and total >= MIN_BOOK_WORDS and subtree(node) / len(readable) < MIN_CHAPTER_WORDS
        if depth >= level or not readable or too_short:
            for d in node.walk():
                unit_of[id(d)] = None if d.skip else node
            unit_of[id(node)] = node if node.pos is not None or readable else None
            titles[id(node)] = node.title
            return
        # A group above the chapter level (a part, a volume, the book itself).
        for child in node.children:
            assign(child, depth + 1)
        fold_parts(readable)
        first = first_unit(node)
        if first is None:  # no chapter below it: it is one, if it has text
            unit_of[id(node)] = node if node.pos is not None and own_words(node) > 0 else None
            titles[id(node)] = node.title
            return
        # An entry standing for the whole book (its title, its author's name, an encyclopedia
        # article's name) is no prefix, and a long text of its own is the book's opening chapter
        # (Georgia's 809 words before its sections); "Part One" is a group even when it holds
        # most of the book.
        whole_book = _norm(node.title).startswith(_norm(book_title)) or (
            subtree(node) >= MOST_OF_THE_BOOK * total and heading_label(node.title) not in CONTAINER_LABELS)
        if whole_book and node.pos is not None and own_words(node) > BOOK_TEXT_WORDS:
            unit_of[id(node)] = node
            titles[id(node)] = node.title
            return
        # A group's own text (a part's introduction, an epigraph), however long, opens its first
        # chapter, as its title does: one rule for every edition, whichever way its TOC is drawn.
        unit_of[id(node)] = first
        if node.title and not whole_book:
            prefix(node, first)

    def prefix(group: TocNode, first: TocNode) -> None:
        if not _norm(titles[id(first)]).startswith(_norm(group.title)):
            titles[id(first)] = f"{group.title}: {titles[id(first)]}"

    def fold_parts(siblings: list[TocNode]) -> None:
        """A flat TOC's part entries ("Part One", "Erster Teil" beside the chapters) are groups
        too: each one's text opens the chapter after it, under its title. Only where every part
        entry of the list is followed by a chapter: the books of an epic listed one after another
        ("Book I", "Book II", ...) are its chapters."""
        parts = [i for i, n in enumerate(siblings) if not n.children and heading_label(n.title) in CONTAINER_LABELS]
        following = [siblings[i + 1] if i + 1 < len(siblings) else None for i in parts]
        if not parts or any(n is None or heading_label(n.title) in CONTAINER_LABELS for n in following):
            return
        for i, after in zip(parts, following, strict=True):
            part, first = siblings[i], first_unit(after) if after is not None else None
            if first is not None and unit_of.get(id(part)) is part:
                unit_of[id(part)] = first
                lead_ins.add(id(part))
                prefix(part, first)

    readable_top = [t for t in toc if not t.skip]
    for top in toc:
        assign(top, 1)
    fold_parts(readable_top)
    return unit_of, titles, lead_ins


def _without_leading_headings(blocks: list[Block]) -> list[Block]:
    start = 0
    while start < len(blocks) and blocks[start].heading:
        start += 1
    return blocks[start:]


def without_title_pages(
    chapters: list[Chapter], title: str, authors: list[str], keep: frozenset[str], omitted: list[Omission]
) -> list[Chapter]:
    """Leading chapters that are only a printed title page or copyright lines are left out, and
    title-page lines glued to the start of a chapter (module docstring, point 6). Scanning stops
    at the first chapter with running text; if that chapter is named by a line of the page left
    out (the publisher, listed in the TOC), it takes the book's title instead."""
    if TITLE_PAGE in keep and COPYRIGHT in keep:
        return chapters
    out: list[Chapter] = []
    pages = _PageLines()  # the title-page text left out so far
    for n, chapter in enumerate(chapters):
        if chapter.words > SHORT_DOC_CHARS // 6:
            _cut_title_page(chapter, title, authors, keep, omitted, pages, heading=chapter.title)
            _retitle(chapter, pages, title)
            return out + [chapter] + _without_half_titles(chapters[n + 1:], title, authors, keep, omitted)
        lines = [p.text for p in chapter.paragraphs]
        if any(map(gutenberg.is_credit, lines)):  # credits kept on purpose (--keep transcriber-notes)
            out.append(chapter)
            continue
        kind = (COPYRIGHT if lines and all(map(is_copyright_line, lines))
                else TITLE_PAGE if looks_like_title_page([chapter.title, *lines], title, authors)
                else COPYRIGHT if looks_like_copyright_page(lines) else "")
        if kind and kind not in keep:
            omitted.append(omission(kind, chapter.source, [chapter.title, *lines]))
            pages.add([chapter.title, *lines])
            continue
        _cut_title_page(chapter, title, authors, keep, omitted, pages, heading=chapter.title)
        _retitle(chapter, pages, title)
        out.append(chapter)
    return out


def _without_half_titles(chapters: list[Chapter], title: str, authors: list[str], keep: frozenset[str],
                         omitted: list[Omission]) -> list[Chapter]:
    """A half-title after a long preface: an entry named as the book whose few lines are a title
    page ("LE ROUGE ET LE NOIR" / "CHRONIQUE DE 1830" after the editor's preface)."""
    if TITLE_PAGE in keep:
        return chapters
    out = []
    for chapter in chapters:
        lines = [p.text for p in chapter.paragraphs]
        if _norm(chapter.title) == _norm(title) and chapter.words < FRONT_WORDS \
                and looks_like_title_page([chapter.title, *lines], title, authors):
            omitted.append(omission(TITLE_PAGE, chapter.source, [chapter.title, *lines]))
        else:
            out.append(chapter)
    return out


class _PageLines:
    """The lines of the title pages left out so far, normalised and sorted: a chapter's title is
    looked up in them, for each of the leading short chapters (rebuilding them for each took
    40 s of a 5,000-chapter book's planning, and grows with the square of the chapters)."""

    def __init__(self) -> None:
        self._sorted: list[str] = []

    def add(self, texts: list[str]) -> None:
        for line in (line for text in texts for line in text.split("\n")):
            insort(self._sorted, _norm(line))

    def __contains__(self, name: str) -> bool:
        at = bisect_left(self._sorted, name)
        return at < len(self._sorted) and self._sorted[at] == name

    def starts_with(self, name: str) -> bool:
        """Whether a line starts with ``name`` (the first line sorted at or after it does)."""
        at = bisect_left(self._sorted, name)
        return at < len(self._sorted) and self._sorted[at].startswith(name)


def _retitle(chapter: Chapter, pages: _PageLines, book_title: str) -> None:
    """A chapter named by a line of a title page that was left out takes the book's title."""
    name = _norm(chapter.title)
    # A whole line ("FREDERICK WARNE"), or the start of one in two words or more ("Frederick
    # Warne & Co., 1902"); not one word inside a line ("Préface" in "Préface de Jules Claretie").
    starts = len(chapter.title.split()) >= 2 and pages.starts_with(name)
    if name and (name in pages or starts) and not heading_label(chapter.title):
        chapter.title = book_title


def _cut_title_page(chapter: Chapter, title: str, authors: list[str], keep: frozenset[str],
                    omitted: list[Omission], pages: _PageLines, heading: str) -> None:
    """Title-page lines at the start of a chapter go; the text after them stays."""
    if TITLE_PAGE in keep:
        return
    lines = [p.text for p in chapter.paragraphs]
    if n := title_page_lines(lines, title, authors, heading=heading):
        omitted.append(omission(TITLE_PAGE, chapter.source, lines[:n]))
        pages.add(lines[:n])
        del chapter.paragraphs[:n]


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


def repeat_ruby(chapters: list[Chapter]) -> None:
    """A word given a reading once keeps it for the rest of the book (narration.ruby)."""
    paragraphs = [p for chapter in chapters for p in chapter.paragraphs]
    for paragraph, text in zip(paragraphs, annotate_repeats([p.text for p in paragraphs]), strict=True):
        paragraph.text = text


def _norm(text: str) -> str:
    # Ruby readings are left out: a heading "｜蜘蛛《くも》の糸" repeats the title "蜘蛛の糸".
    return "".join(ch for ch in strip_ruby(text).casefold() if ch.isalnum())


def _title_paragraph(text: str, title: str) -> bool:
    """A short paragraph that is (part of) the chapter's normalised title (counted before it is
    normalised: a chapter's long first paragraph cost Mahabharata's 1,995 chapters 8 s)."""
    if len(text.split(maxsplit=12)) > 12:
        return False
    norm = _norm(text)
    return len(norm) >= 4 and norm in title


def _without_title_headings(blocks: list[Block], title: str) -> list[Block]:
    """Drop leading headings that repeat the chapter title, which is announced separately.

    "Chapter 1" + "Loomings" under the title "Chapter 1: Loomings" both go. A publisher's title set
    as a styled paragraph (InDesign's ``<p class="chapter-title">``) goes too when it is short and
    part of the title.
    """
    rest = _norm(title)
    start = 0
    while start < len(blocks) and rest and (blocks[start].heading or _title_paragraph(blocks[start].text, rest)):
        heading = _norm(blocks[start].text)
        if heading in rest:
            rest = rest.replace(heading, "", 1)
        elif rest not in heading:
            break
        else:
            rest = ""
        start += 1
    return blocks[start:]
