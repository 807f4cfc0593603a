"""The regression corpus: EPUBs shaped like real editions (``editions.py``) read into the
book's own chapters, with nothing of the publisher's or Gutenberg's text narrated."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from editions import EDITIONS, Edition, gutenberg_epub2, standard_ebooks, volumes
from epub_factory import Doc, TocEntry, write_epub

from narration.errors import InputError
from narration.ingest import load_book
from narration.options import IngestOptions, NarrationOptions
from narration.run.plan import plan_book


def narrated(path: Path, **ingest: object) -> list[tuple[str, list[str]]]:
    """(title, every sentence read) per chapter, from the same plan a run executes."""
    plan = plan_book(path, NarrationOptions(backend="piper", ingest=IngestOptions(**ingest)))
    return [(ch.title, [s for p in plan.book.chapters[ch.index].paragraphs for s in p.sentences])
            for ch in plan.chapters]


@pytest.mark.parametrize("name", sorted(EDITIONS))
def test_edition_reads_its_own_chapters(tmp_path: Path, name: str) -> None:
    edition: Edition = EDITIONS[name](tmp_path)
    chapters = narrated(edition.path)
    assert [title for title, _ in chapters] == [title for title, _, _ in edition.chapters]
    for (title, sentences), (_, first, last) in zip(chapters, edition.chapters, strict=True):
        assert sentences[0] == first, title
        assert sentences[-1] == last, title
    script = "\n".join(s for _, sentences in chapters for s in sentences)
    for text in edition.never + edition.notes:
        assert text not in script


def test_gutenberg_parts_left_out_are_named_with_word_counts(tmp_path: Path) -> None:
    book = load_book(gutenberg_epub2(tmp_path).path)
    kinds = {o.kind: o for o in book.omitted}
    assert set(kinds) >= {"licence", "transcriber-notes", "title-page", "captions", "contents", "colophon"}
    assert kinds["licence"].words > 80 and kinds["transcriber-notes"].excerpt.startswith("Produced by")
    assert (book.title, book.authors, book.language) == ("The Lantern Keeper", ["Mara Ellison"], "en")


def test_keep_brings_a_kind_back(tmp_path: Path) -> None:
    path = gutenberg_epub2(tmp_path).path
    kept = "\n".join(s for _, ss in narrated(path, keep={"captions", "transcriber-notes"}) for s in ss)
    assert "THE HUNDRED AND TWELVE STEPS." in kept and "[Illustration" not in kept
    assert "Produced by" in kept
    assert "Project Gutenberg License" not in kept.title()  # the licence stays out
    with pytest.raises(ValueError, match="unknown kind"):
        IngestOptions(keep="captions,everything")


def test_standard_ebooks_notes_inline_and_at_the_end(tmp_path: Path) -> None:
    edition = standard_ebooks(tmp_path)
    inline = dict(narrated(edition.path, notes="inline"))
    assert inline["I"][:2] == [edition.chapters[1][1], "Note: " + edition.notes[0]]
    at_end = dict(narrated(edition.path, notes="end"))
    assert at_end["II"][-2:] == ["Notes.", "Note 1: " + edition.notes[1]]
    assert at_end["II"][-3] == edition.chapters[2][2]
    book = load_book(edition.path, IngestOptions(notes="end"))
    assert not [o for o in book.omitted if o.kind == "notes"]
    assert [o for o in load_book(edition.path).omitted if o.kind == "notes"]


def test_scene_break_is_a_longer_pause(tmp_path: Path) -> None:
    plan = plan_book(standard_ebooks(tmp_path).path, NarrationOptions(backend="piper"))
    chapter = plan.book.chapters[2]
    assert [p.scene_break for p in chapter.paragraphs] == [False, True, False]
    assert "scene" in [c.pause_after for c in plan.chapters[2].chunks]


def test_chapter_level_is_said_and_can_be_overridden(tmp_path: Path) -> None:
    path = volumes(tmp_path).path
    book = load_book(path)
    assert "level 2 of 2" in book.structure and "Volume One" in book.structure
    top = load_book(path, IngestOptions(chapter_level=1))
    assert [c.title for c in top.chapters] == ["Volume One", "Volume Two"]
    assert "--chapter-level" in top.structure


def test_missing_media_is_a_warning_and_missing_text_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    docs = [Doc("ch1.xhtml", "<h1>One</h1><p>Text.</p>")]
    media = [("img", "images/plate.png", "image/png"), ("font", "fonts/serif.woff2", "font/woff2"),
             ("snd", "audio/intro.mp3", "audio/mpeg")]
    path = write_epub(tmp_path / "stripped.epub", docs, [TocEntry("One", "ch1.xhtml")], extra_manifest=media)
    with caplog.at_level(logging.WARNING):
        book = load_book(path)
    assert [c.title for c in book.chapters] == ["One"]
    assert "images/plate.png" in caplog.text and "fonts/serif.woff2" in caplog.text

    broken = write_epub(tmp_path / "broken.epub", docs, [TocEntry("One", "ch1.xhtml")],
                        extra_manifest=[("ch9", "ch9.xhtml", "application/xhtml+xml")])
    with pytest.raises(InputError, match="ch9.xhtml"):
        load_book(broken)


def test_an_entry_standing_for_the_book_is_no_prefix_and_title_page_lines_are_not_carried(tmp_path: Path) -> None:
    from editions import paragraphs

    # The nav's one top entry is the author's name (a translated edition), holding every chapter;
    # a flat TOC elsewhere lists the publisher's line as an entry with no text of its own.
    docs = [Doc("t.xhtml", '<h2 id="pub">HALLORAN &amp; SONS, NEW YORK</h2>'),
            Doc("c1.xhtml", f'<h2>Chapter 1</h2>{paragraphs(1)}'), Doc("c2.xhtml", f'<h2>Chapter 2</h2>{paragraphs(2)}')]
    toc = [TocEntry("Halloran & Sons, New York", "t.xhtml#pub"),
           TocEntry("Mara Ellison", "c1.xhtml", [TocEntry("Chapter 1", "c1.xhtml"), TocEntry("Chapter 2", "c2.xhtml")])]
    book = load_book(write_epub(tmp_path / "b.epub", docs, toc, title="The Lantern Keeper", authors=["Mara Ellison"]))
    assert [c.title for c in book.chapters] == ["Chapter 1", "Chapter 2"]


def test_title_page_lines_glued_to_the_text_go_and_the_text_stays(tmp_path: Path) -> None:
    from editions import first, last, paragraphs

    # Middlemarch's shape: the author's TOC entry holds the publisher's lines and the dedication.
    docs = [Doc("front.xhtml", '<h2 id="a">Mara Ellison</h2><p>New York and Boston<br/>Halloran &amp; Sons, Publishers</p>'
                               "<p>To my brother, who kept the light on Gull Rock for forty years of his life.</p>"),
            Doc("c1.xhtml", f"<h2>Chapter 1</h2>{paragraphs(1, 2)}")]
    toc = [TocEntry("Mara Ellison", "front.xhtml#a"), TocEntry("Chapter 1", "c1.xhtml")]
    chapters = narrated(write_epub(tmp_path / "m.epub", docs, toc, title="The Lantern Keeper", authors=["Mara Ellison"]))
    assert chapters[0][1] == ["To my brother, who kept the light on Gull Rock for forty years of his life."]
    assert "Publishers" not in str(chapters)

    # Peter Rabbit's shape: one story whose first lines are the title page and its back, under a
    # TOC whose entries are the page's lines (the author, the publisher twice).
    body = ('<h1 id="t">THE LANTERN KEEPER</h1><p>BY</p><h2 id="a">MARA ELLISON</h2><h3 id="p1">HALLORAN &amp; SONS</h3>'
            '<p>First published 1903</p><p>Halloran &amp; Sons, 1903</p><h3 id="p2">HALLORAN &amp; SONS</h3>'
            f'{paragraphs(1, 2)}<h3 id="end">THE END</h3>')
    toc = [TocEntry("THE LANTERN KEEPER", "b.xhtml#t"), TocEntry("MARA ELLISON", "b.xhtml#a", [
        TocEntry("HALLORAN & SONS", "b.xhtml#p1"), TocEntry("HALLORAN & SONS", "b.xhtml#p2"), TocEntry("THE END", "b.xhtml#end")])]
    chapters = narrated(write_epub(tmp_path / "p.epub", [Doc("b.xhtml", body)], toc, title="The Lantern Keeper",
                                   authors=["Mara Ellison"]))
    assert [t for t, _ in chapters] == ["The Lantern Keeper"]
    assert chapters[0][1][0] == first(1) and chapters[0][1][-1] == last(2)


# --- chapters from the table of contents (issue 25, item 2) ---------------------------------------


def _part_book(tmp_path: Path, shape: str, intro: str) -> list[tuple[str, list[str]]]:
    """One two-part book, its TOC drawn as ``shape``; the parts' pages hold ``intro``."""
    from editions import _part_docs

    names = ["p1.xhtml", "c1.xhtml", "c2.xhtml", "p2.xhtml", "c3.xhtml", "c4.xhtml"]
    docs = _part_docs(names, ("Part One", "Part Two"), (intro, intro))
    chapters = [[TocEntry("Chapter 1", "c1.xhtml"), TocEntry("Chapter 2", "c2.xhtml")],
                [TocEntry("Chapter 3", "c3.xhtml"), TocEntry("Chapter 4", "c4.xhtml")]]
    parts = {"linked": ["p1.xhtml", "p2.xhtml"], "span": [None, None]}
    if shape == "flat":
        toc = [TocEntry("Part One", "p1.xhtml"), *chapters[0], TocEntry("Part Two", "p2.xhtml"), *chapters[1]]
    else:
        hrefs = parts.get(shape, [None, None])
        toc = [TocEntry("Part One", hrefs[0], chapters[0]), TocEntry("Part Two", hrefs[1], chapters[1])]
    version = 2 if shape in ("ncx", "flat") else 3
    return narrated(write_epub(tmp_path / f"{shape}.epub", docs, toc, version=version, title="The Light"))


@pytest.mark.parametrize("intro", ["In which the keeper comes to the rock.",
                                   " ".join(["The keeper's first years on the rock were quiet ones."] * 30)])
def test_a_parts_introduction_opens_its_first_chapter_however_the_toc_is_drawn(tmp_path: Path, intro: str) -> None:
    # Linked part pages, nav <span>s, NCX parts pointing at their first chapter, a flat TOC: one
    # book, one reading. Before, the span and NCX shapes, the flat TOC and any introduction over
    # 150 words made each part a chapter of its own.
    readings = {shape: _part_book(tmp_path, shape, intro) for shape in ("linked", "span", "ncx", "flat")}
    assert all(reading == readings["linked"] for reading in readings.values())
    titles = [title for title, _ in readings["linked"]]
    assert titles == ["Part One: Chapter 1", "Chapter 2", "Part Two: Chapter 3", "Chapter 4"]
    assert readings["linked"][0][1][0] == intro.split(". ")[0].rstrip(".") + "."


def test_an_epics_books_listed_flat_stay_chapters(tmp_path: Path) -> None:
    from editions import first, paragraphs

    # "Book I", "Book II", "Book III" one after another are the poem's chapters, not parts whose
    # text opens the entry after them (that reading would fold each book into the next).
    docs = [Doc(f"b{n}.xhtml", f"<h2>Book {roman}</h2>{paragraphs(n)}") for n, roman in [(1, "I"), (2, "II"), (3, "III")]]
    toc = [*(TocEntry(f"Book {roman}", f"b{n}.xhtml") for n, roman in [(1, "I"), (2, "II"), (3, "III")]),
           TocEntry("Epilogue", "e.xhtml")]
    docs.append(Doc("e.xhtml", f"<h2>Epilogue</h2>{paragraphs(4)}"))
    chapters = narrated(write_epub(tmp_path / "epic.epub", docs, toc, version=2, title="The Light"))
    assert [t for t, _ in chapters] == ["Book I", "Book II", "Book III", "Epilogue"]
    assert chapters[2][1][0] == first(3)


def test_an_entry_for_the_whole_book_keeps_a_long_opening_as_its_own_chapter(tmp_path: Path) -> None:
    from editions import paragraphs

    # An encyclopedia article's shape (IDPF's Georgia): the article's entry holds its sections and
    # 800 words of its own before them; those are not the first section's.
    opening = " ".join(["Georgia lies between the mountains and the sea, and its people farm the red soil."] * 12)
    body = (f'<section id="art"><h1>GEORGIA</h1><p>{opening}</p>'
            + "".join(f'<section id="s{n}"><h2>Section {n}</h2>{paragraphs(n)}</section>' for n in (1, 2, 3)) + "</section>")
    toc = [TocEntry("GEORGIA", "g.xhtml#art", [TocEntry(f"Section {n}", f"g.xhtml#s{n}") for n in (1, 2, 3)])]
    chapters = narrated(write_epub(tmp_path / "g.epub", [Doc("g.xhtml", body)], toc, title="Georgia"))
    assert [t for t, _ in chapters] == ["GEORGIA", "Section 1", "Section 2", "Section 3"]


def test_a_toc_anchor_on_an_element_read_whole_is_found(tmp_path: Path) -> None:
    from editions import first, paragraphs

    # The id sits on a verse <pre> (and a table): the entry was taken to start at its file's start.
    verse = "The lamp goes round,\nthe sea goes round,\nand I go round with them."
    body = (f"<h2>Chapter 1</h2>{paragraphs(1)}<pre id='song'>{verse}</pre>"
            f"<table id='t'><tr><td>{first(2)}</td></tr></table>")
    toc = [TocEntry("Chapter 1", "a.xhtml"), TocEntry("The Keeper's Song", "a.xhtml#song"), TocEntry("Table", "a.xhtml#t")]
    chapters = narrated(write_epub(tmp_path / "pre.epub", [Doc("a.xhtml", body)], toc, title="The Light"))
    assert [t for t, _ in chapters] == ["Chapter 1", "The Keeper's Song", "Table"]
    assert chapters[1][1][0].startswith("The lamp goes round")


def test_keep_contents_brings_a_leftover_contents_piece_back(tmp_path: Path) -> None:
    from editions import sigil_contents_leftover

    path = sigil_contents_leftover(tmp_path).path
    assert len(narrated(path)) == 3
    assert any(o.kind == "contents" and "3. The Letter" in o.excerpt for o in load_book(path).omitted)
    kept = narrated(path, keep={"contents"})
    assert len(kept) == 4 and "The Letter" in " ".join(kept[0][1])


def test_a_chapter_whose_heading_starts_its_file_keeps_it_before_another_entrys_anchor(tmp_path: Path) -> None:
    from editions import first, last, paragraphs

    # "Interlude after Chapter 1" is an entry anchored after chapter 1's text in its file, its
    # heading naming chapter 1: chapter 1 (titled by a styled paragraph, InDesign's way) still
    # starts at the file's start. It was taken to start at the interlude's heading.
    interlude = "The keeper's log for that year is lost, and the count of steps is his own."
    body = (f"<p class='chapter-title'>Chapter 1</p>{paragraphs(1)}"
            f"<h2 id='i1'>Interlude after Chapter 1</h2><p>{interlude}</p>")
    toc = [TocEntry("Chapter 1", "c1.xhtml"), TocEntry("Interlude after Chapter 1", "c1.xhtml#i1"),
           TocEntry("Chapter 2", "c2.xhtml")]
    docs = [Doc("c1.xhtml", body), Doc("c2.xhtml", f"<h2>Chapter 2</h2>{paragraphs(2)}")]
    chapters = narrated(write_epub(tmp_path / "n.epub", docs, toc, title="The Light"))
    assert [t for t, _ in chapters] == ["Chapter 1", "Interlude after Chapter 1", "Chapter 2"]
    assert chapters[0][1][0] == first(1) and chapters[0][1][-1] == last(1)
    assert chapters[1][1] == [interlude]


@pytest.mark.parametrize(("title", "publisher", "expected"), [
    ("À propos de Bibebook", "Bibebook", True), ("About O'Reilly", "O’Reilly Media, Inc.", True),
    ("Über den Verlag Harbour", "Harbour Verlag", False), ("About the Author", "Harbour Books", False),
    ("About Harbour Books", "", False), ("A propos d'Harbour", "Éditions Harbour", True),
])
def test_the_publishers_page_about_itself_is_named_by_the_packages_publisher(
        tmp_path: Path, title: str, publisher: str, expected: bool) -> None:
    from lxml import etree

    from narration.ingest.epub_package import Doc as PackageDoc
    from narration.ingest.epub_text import about_the_publisher
    from narration.ingest.html import extract_blocks

    root = etree.fromstring(f"<html><head><title>{title}</title></head><body><p>{title}</p><p>Text.</p></body></html>")
    doc = PackageDoc("about.xhtml", root, extract_blocks(root))
    assert about_the_publisher(doc, publisher) is expected


def test_a_page_list_in_a_ul_does_not_refuse_the_book(tmp_path: Path) -> None:
    from editions import _nav, first, last, paragraphs

    # ebooklib read the nav's page list too, looking for an <ol> only: a <ul> refused the whole
    # book ("not a readable EPUB ('NoneType' object has no attribute 'findall')"). We do not use it.
    nav = _nav('<li><a href="c1.xhtml">Chapter 1</a></li>', "ol").replace(
        b"</body>", b'<nav epub:type="page-list" hidden=""><ul><li><a href="c1.xhtml#p1">1</a></li></ul></nav></body>')
    docs = [Doc("c1.xhtml", f"<h2>Chapter 1</h2><span id='p1'/>{paragraphs(1)}")]
    path = write_epub(tmp_path / "pl.epub", docs, [TocEntry("Chapter 1", "c1.xhtml")], extra_members={"OEBPS/nav.xhtml": nav})
    chapters = narrated(path)
    assert [t for t, _ in chapters] == ["Chapter 1"]
    assert chapters[0][1][0] == first(1) and chapters[0][1][-1] == last(1)


@pytest.mark.slow
def test_reading_an_epub_of_many_files_grows_linearly(tmp_path: Path) -> None:
    import time

    from narration.ingest.epub import load_epub

    # A file per poem, each with a stanza entry: every file's entries, the boundaries before it and
    # each segment's files were found by scanning the whole book (quadratic: 6,000 poems took 84 s).
    def seconds(n: int) -> float:
        docs = [Doc(f"c{i}.xhtml", f"<h2>Poem {i}</h2><p>Short line {i}</p><p id='s{i}'>Another line</p>")
                for i in range(n)]
        toc = [TocEntry(f"Poem {i}", f"c{i}.xhtml", [TocEntry(f"Stanza {i}", f"c{i}.xhtml#s{i}")]) for i in range(n)]
        path = write_epub(tmp_path / f"poems-{n}.epub", docs, toc, title="Poems")
        start = time.perf_counter()
        assert len(load_epub(path).chapters) > n // 2
        return time.perf_counter() - start

    small, large = min(seconds(300), seconds(300)), seconds(4800)
    # Sixteen times the files: about 25 times the time here (frontmatter recompiles its patterns
    # per title), 77 on the code before (and quadratic beyond), not 256.
    assert large < 48 * small
