"""Headings -> chapters of a plain-text book, and the front matter before the first of them.

- **A heading starts a chapter only when prose follows it.** A heading followed by another
  heading is either a container (BOOK/PART/VOLUME, Japanese 部/巻, Aozora 大見出し) or a table
  of contents entry. A container's title becomes the prefix of its first chapter's title
  (``Book One: Chapter I``), the way the EPUB reader names the first chapter of a volume; it
  is spoken once, as part of that chapter's announced title, and is not repeated as a
  paragraph. Other headings with no prose are table-of-contents entries and are left out
  (``contents``). A container with prose of its own (an introduction, an epigraph) is a
  chapter of its own. A ``FOOTNOTES`` section is skipped as ``notes`` when notes are.
- **Front matter**: text before the first chapter heading that is a title page
  (``frontmatter.looks_like_title_page``) or copyright lines is left out (``title-page``,
  ``copyright``), and paragraphs that speak of Project Gutenberg are ``licence``; prose there
  (a preface with no heading) is kept as a first chapter named after the book. A book with no
  chapter headings at all is one chapter named after its title. A title page left out still
  names the book when no header did (``title_page_names``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from narration.display import clean_title
from narration.ingest.block_kinds import is_legal
from narration.ingest.frontmatter import (
    MAX_PAGE_WORDS,
    is_copyright_line,
    looks_like_title_page,
)
from narration.ingest.markdown import split_authors
from narration.ingest.omissions import CONTENTS, COPYRIGHT, LICENCE, NOTES, TITLE_PAGE
from narration.ingest.text_blocks import (
    SPECIAL,
    TEXT,
    Reader,
    clean_text,
    drop,
    next_content,
)
from narration.ingest.text_furniture import FRONT_PG
from narration.ingest.text_headings import (
    CONTAINER_KINDS,
    Heading,
    is_prose,
    label_rest,
)
from narration.ingest.text_paragraphs import FOOTNOTES_LABEL, Notes, chapter_paragraphs
from narration.ingest.textfile import Casing, caps_to_title, title_case
from narration.model import Chapter

_BY = re.compile(r"^by\s+(?P<names>\S.*?)[.,]?$", re.IGNORECASE)


@dataclass
class _Draft:
    title: str
    line: int
    items: list[int] = field(default_factory=list)  # block indices
    containers: int = 0  # BOOK/PART/VOLUME headings its title starts with


def build_chapters(reader: Reader, headings: dict[int, Heading], title: str, authors: list[str]) -> tuple[list[Chapter], str]:
    """The chapters, with their paragraphs and notes, and how they were found (``Book.structure``)."""
    drafts, front, started = _drafts(reader, headings, title, authors)
    chapters: list[Chapter] = []
    notes = Notes(reader)
    front_draft = _front(reader, front, title, authors, has_chapters=bool(drafts))
    for draft in ([front_draft] if front_draft else []) + drafts:
        if FOOTNOTES_LABEL.match(draft.title) and reader.options.notes == "skip":
            # A "FOOTNOTES" section of its own, its notes not tied to markers: skipped as notes.
            texts = [b for b in (reader.blocks[i] for i in draft.items) if b.kind in (TEXT, SPECIAL)]
            reader.omit(NOTES, texts)
            continue
        marked = chapter_paragraphs(reader, draft.items, notes)
        chapters.append(Chapter(draft.title, [], f"{reader.path.name}:{draft.line}"))
        notes.chapters.append((chapters[-1], marked))
    notes.finish()
    chapters = [ch for ch in chapters if ch.paragraphs]
    return chapters, _structure(started, drafts, front_draft is not None)


def _drafts(
    reader: Reader, headings: dict[int, Heading], title: str = "", authors: list[str] | None = None
) -> tuple[list[_Draft], list[int], list[Heading]]:
    """A draft for each heading that prose follows, titled after it and the containers over it;
    also the blocks before the first, and the headings that started drafts. A volume label on a
    title page is left out with it (``_title_page_section``)."""
    blocks = reader.blocks
    drafts: list[_Draft] = []
    front: list[int] = []
    current: _Draft | None = None
    pending: list[Heading] = []
    skip: set[int] = set()
    started: list[Heading] = []
    for i, block in enumerate(blocks):
        if i in skip:
            continue
        heading = headings.get(i)
        if heading is None:
            (current.items if current else front).append(i)
            continue
        skip.update(heading.blocks)
        if heading.kind in CONTAINER_KINDS and (page := _title_page_section(reader, i, heading, headings, title,
                                                                              authors or [])) is not None:
            drop(reader, [*heading.blocks, *page], TITLE_PAGE)
            skip.update(page)
            continue
        nxt = next_content(reader, max([i, *heading.blocks]) + 1)
        prose_follows = nxt is not None and nxt not in headings
        if prose_follows:
            names = [h.title for h in pending] + [heading.title]
            current = _Draft(": ".join(names), pending[0].line if pending else heading.line, containers=len(pending))
            drafts.append(current)
            started.append(heading)
            pending = []
            if block.kind == SPECIAL:
                current.items.append(i)  # its caption is recorded with the chapter
        elif heading.kind in CONTAINER_KINDS or heading.kind in ("toc", "title") or _opens_numbers(heading, headings.get(nxt) if nxt is not None else None):
            same = next((k for k, h in enumerate(pending) if h.kind == heading.kind), None)
            if same is not None:
                drop(reader, [j for h in pending[same:] for j in h.blocks], CONTENTS)
                pending = pending[:same]
            pending.append(heading)
        else:
            # A heading with no text after it: an entry of a table of contents.
            if heading.blocks:
                drop(reader, heading.blocks, CONTENTS)
            elif block.kind == SPECIAL:
                (current.items if current else front).append(i)
    if pending:
        drop(reader, [j for h in pending for j in h.blocks], CONTENTS)
    return drafts, front, started


def _title_page_section(
    reader: Reader, i: int, heading: Heading, headings: dict[int, Heading], title: str, authors: list[str]
) -> list[int] | None:
    """The text blocks after a volume label at ``i`` when the label is a title page's line, not
    a chapter's: what follows it up to the next heading is no prose, and is another volume label's
    page (the next heading is one: Candide's "TOME XXXIII" / imprint / "TOME XXXIII." / "ROMANS.
    TOME I.") or, with the label's own title, a title page (a publisher, a place, a year, the book
    or its author: "VOL. II." / "BOSTON: OLIVER DITSON & CO."). None when it heads a chapter."""
    blocks = reader.blocks
    section: list[int] = []
    j = max([i, *heading.blocks]) + 1
    while j < len(blocks) and j not in headings:
        if blocks[j].kind == TEXT and j not in reader.dropped:
            if is_prose(blocks[j]):
                return None
            section.append(j)
        j += 1
    lines = [line.strip() for k in section for line in blocks[k].lines if line.strip()]
    rest = label_rest(heading.title)
    if sum(len(line.split()) for line in lines) > MAX_PAGE_WORDS:
        return None
    if section and j in headings and headings[j].kind in CONTAINER_KINDS:
        return section
    page = [rest, *lines] if rest else lines
    return section if page and looks_like_title_page(page, title, authors) else None


def _opens_numbers(heading: Heading, nxt: Heading | None) -> bool:
    """A titled heading right over a bare numeral ("I. A SCANDAL IN BOHEMIA" over "I."): a
    story whose parts are numbered, so it names its first part."""
    return (nxt is not None and nxt.kind == "number" and not label_rest(nxt.title)
            and bool(label_rest(heading.title)))


def _structure(started: list[Heading], drafts: list[_Draft], has_front: bool) -> str:
    if not started:
        return "no chapter headings: the whole text is one chapter"
    kinds: dict[str, int] = {}
    for heading in started:
        kinds[heading.kind] = kinds.get(heading.kind, 0) + 1
    names = {"number": "numbered", "chapter": "chapter", "大見出し": "part", "toc": "titles from the contents"}
    parts = ", ".join(f"{n} {names.get(k, k)}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    first = drafts[0].title
    text = f"{len(started)} chapter headings ({parts}; first: {clean_title(first)!r})"
    containers = sum(d.containers > 0 for d in drafts)
    if containers:
        text += f", {containers} of them open a book/part/volume"
    if has_front:
        text += "; the text before the first heading is a chapter named after the book"
    return text


def _front(reader: Reader, items: list[int], title: str, authors: list[str], has_chapters: bool) -> _Draft | None:
    """The text before the first chapter: title page, copyright and stray Gutenberg text out;
    prose (a preface with no heading) kept as a chapter named after the book."""
    blocks = reader.blocks
    text_items = [i for i in items if blocks[i].kind == TEXT and i not in reader.dropped]
    for i in text_items:
        block = blocks[i]
        if FRONT_PG.search(block.raw) and has_chapters:
            drop(reader, [i], LICENCE)
        elif all(is_copyright_line(line.strip()) for line in block.lines) or (
            is_copyright_line(block.lines[0].strip()) and not is_prose(block)
        ):
            drop(reader, [i], COPYRIGHT)
    text_items = [i for i in text_items if i not in reader.dropped]
    _drop_title_page(reader, text_items, title, authors, has_chapters)
    kept = [i for i in items if i not in reader.dropped or reader.dropped[i] in reader.options.keep]
    if not any(blocks[i].kind == TEXT for i in kept):
        # Pictures and notes before the first chapter are still recorded.
        Notes(reader).record_only([i for i in kept if blocks[i].kind == SPECIAL])
        return None
    first = next(i for i in kept if blocks[i].kind == TEXT)
    return _Draft(title, blocks[first].line, kept)


def _drop_title_page(reader: Reader, text_items: list[int], title: str, authors: list[str], has_chapters: bool) -> None:
    """The title page: the short lines before the first prose; left out, its lines kept in
    ``reader.title_page`` to name the book."""
    blocks = reader.blocks
    run: list[int] = []
    for i in text_items:
        if is_prose(blocks[i]):
            break
        if not is_legal(blocks[i].text):  # a licence header is no title: the content pass lists it
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
            drop(reader, run, TITLE_PAGE)
            reader.title_page = lines


def title_page_names(lines: list[str], casing: Casing | None = None) -> tuple[str, list[str]]:
    """The title (the lines before "by ...", "a novel", an imprint) and the authors of a title page."""
    title_lines: list[str] = []
    authors: list[str] = []
    collecting = True  # the title is the lines before the first that is not part of it
    for k, line in enumerate(lines):
        line = clean_text(line)
        by = _BY.match(line)
        if line.lower() == "by" and k + 1 < len(lines):
            by = _BY.match(f"by {clean_text(lines[k + 1])}")
        if by:
            authors = [caps_to_title(a) for a in split_authors(by.group("names"))]
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
        title = title_case(title.upper(), casing)
    return title, authors
