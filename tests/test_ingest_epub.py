"""EPUB ingest: structure -> chapters, reading text, metadata. Books are built at test time."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import pytest
from ebooklib import epub
from epub_factory import (
    SAMPLE_CHAPTERS,
    TINY_PNG,
    Cover,
    Doc,
    TocEntry,
    build_epub,
    chapter_body,
    ncx_document,
    write_epub,
    write_zip,
)

from narration.ingest.epub import load_epub
from narration.ingest.html import html_paragraphs
from narration.model import Book
from narration.options import IngestOptions
from narration.ruby import strip_ruby

CHAPTERS = SAMPLE_CHAPTERS


def titles(book: Book) -> list[str]:
    return [c.title for c in book.chapters]


def texts(book: Book) -> list[list[str]]:
    return [[p.text for p in c.paragraphs] for c in book.chapters]


def all_text(book: Book) -> str:
    return "\n".join(c.text for c in book.chapters)


@pytest.mark.parametrize("version", [3, 2])
def test_flat_book_reads_chapters_in_order(tmp_path: Path, version: int) -> None:
    path = build_epub(tmp_path / "b.epub", CHAPTERS, version=version)
    book = load_epub(path)
    assert titles(book) == [t for t, _ in CHAPTERS]
    # The <h1> repeating the title is not read twice; every paragraph stays its own paragraph.
    assert texts(book) == [list(ps) for _, ps in CHAPTERS]
    assert all(p.sentences == [] for c in book.chapters for p in c.paragraphs)
    assert book.source == str(path)


def test_epub2_uses_ncx_and_epub3_prefers_nav(tmp_path: Path) -> None:
    # EPUB 2: no nav document at all, titles come from the NCX only.
    v2 = build_epub(tmp_path / "v2.epub", CHAPTERS[:2], version=2)
    with zipfile.ZipFile(v2) as zf:
        assert not any(n.endswith("nav.xhtml") for n in zf.namelist())
    assert titles(load_epub(v2)) == ["Chapter One", "Chapter Two"]

    # EPUB 3 with both, disagreeing: the nav wins.
    docs = [Doc("ch1.xhtml", chapter_body("One", ["a."])), Doc("ch2.xhtml", chapter_body("Two", ["b."]))]
    toc = [TocEntry("Nav One", "ch1.xhtml"), TocEntry("Nav Two", "ch2.xhtml")]
    ncx = ncx_document([TocEntry("Ncx One", "ch1.xhtml"), TocEntry("Ncx Two", "ch2.xhtml")], "T", "")
    v3 = write_epub(tmp_path / "v3.epub", docs, toc, version=3, ncx=True, extra_members={"OEBPS/toc.ncx": ncx})
    assert titles(load_epub(v3)) == ["Nav One", "Nav Two"]


@pytest.mark.parametrize("version", [3, 2])
def test_one_file_holding_many_chapters_is_split_at_anchors(tmp_path: Path, version: int) -> None:
    body = "\n".join(chapter_body(t, ps, heading="h2", anchor=f"c{n}") for n, (t, ps) in enumerate(CHAPTERS, 1))
    docs = [Doc("text/book.xhtml", body)]
    toc = [TocEntry(t, f"text/book.xhtml#c{n}") for n, (t, _) in enumerate(CHAPTERS, 1)]
    book = load_epub(write_epub(tmp_path / "one.epub", docs, toc, version=version))
    assert titles(book) == [t for t, _ in CHAPTERS]
    assert texts(book) == [list(ps) for _, ps in CHAPTERS]
    assert book.chapters[1].source == "text/book.xhtml#c2"


def test_chapter_spanning_two_files_and_preface_missing_from_toc(tmp_path: Path) -> None:
    docs = [
        Doc("dedication.xhtml", "<p>For my mother.</p>", title="Dedication"),
        Doc("preface.xhtml", chapter_body("Preface", ["Why I wrote this."])),
        Doc("ch1a.xhtml", chapter_body("Chapter 1", ["First half."])),
        Doc("ch1b.xhtml", "<p>Second half, in a file of its own.</p>"),
        Doc("ch2.xhtml", chapter_body("Chapter 2", ["The end."])),
    ]
    toc = [TocEntry("Chapter 1", "ch1a.xhtml"), TocEntry("Chapter 2", "ch2.xhtml")]
    book = load_epub(write_epub(tmp_path / "span.epub", docs, toc))
    # Untitled text before the TOC gets its document title; a headed file missing from the TOC is
    # its own chapter; a headless one continues the chapter before it.
    assert titles(book) == ["Dedication", "Preface", "Chapter 1", "Chapter 2"]
    assert texts(book) == [
        ["For my mother."],
        ["Why I wrote this."],
        ["First half.", "Second half, in a file of its own."],
        ["The end."],
    ]


@pytest.mark.parametrize("version", [3, 2])
def test_parts_prefix_their_first_chapter_and_lend_it_their_text(tmp_path: Path, version: int) -> None:
    docs = [
        Doc("part1.xhtml", "<h1>Part One</h1><h2>The Beginning</h2>"),  # differs from its TOC title
        Doc("ch1.xhtml", chapter_body("Chapter 1", ["One."])),
        Doc("ch2.xhtml", chapter_body("Chapter 2", ["Two."])),
        Doc("part2.xhtml", chapter_body("Part II", ["In which things get worse."])),
        Doc("ch3.xhtml", chapter_body("Chapter 3", ["Three."])),
        Doc("epilogue.xhtml", chapter_body("Epilogue", ["After."])),
    ]
    toc = [
        TocEntry("Part I", "part1.xhtml", [TocEntry("Chapter 1", "ch1.xhtml"), TocEntry("Chapter 2", "ch2.xhtml")]),
        TocEntry("Part II", "part2.xhtml", [TocEntry("Chapter 3", "ch3.xhtml")]),
        TocEntry("Epilogue", "epilogue.xhtml"),
    ]
    book = load_epub(write_epub(tmp_path / "parts.epub", docs, toc, version=version))
    # A part is not a chapter: its title prefixes its first chapter's, its short text opens it.
    assert titles(book) == ["Part I: Chapter 1", "Chapter 2", "Part II: Chapter 3", "Epilogue"]
    assert texts(book)[2] == ["In which things get worse.", "Three."]
    assert "Part One" not in all_text(book) and "The Beginning" not in all_text(book)
    assert book.structure.startswith("chapters are TOC level 2 of 2")


def test_book_without_a_toc_is_chaptered_by_headings(tmp_path: Path) -> None:
    docs = [
        Doc("a.xhtml", "<p>An untitled opening.</p>", title="Test Book"),
        Doc("b.xhtml", chapter_body("The Storm", ["Rain."])),
        Doc("c.xhtml", "<p>More rain, same chapter.</p>"),
        Doc("d.xhtml", chapter_body("The Calm", ["Sun."])),
        Doc("e.xhtml", raw=b"  "),  # a blank file is skipped, not an error
    ]
    book = load_epub(write_epub(tmp_path / "notoc.epub", docs, [], version=2))
    assert titles(book) == ["Front matter", "The Storm", "The Calm"]
    assert texts(book)[1] == ["Rain.", "More rain, same chapter."]


def test_broken_nav_falls_back_to_ncx(tmp_path: Path) -> None:
    docs = [Doc(f"ch{n}.xhtml", chapter_body(f"Chapter {n}", [f"Text {n}."])) for n in (1, 2)]
    toc = [TocEntry("Chapter 1", "ch1.xhtml"), TocEntry("Chapter 2", "ch2.xhtml")]
    broken_nav = b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>no nav here</p></body></html>'
    path = write_epub(tmp_path / "n.epub", docs, toc, ncx=True, extra_members={"OEBPS/nav.xhtml": broken_nav})
    assert titles(load_epub(path)) == ["Chapter 1", "Chapter 2"]


def test_several_renditions_are_read_from_the_first_the_default(tmp_path: Path) -> None:
    """A print rendition then a braille one: reading systems open the first; ebooklib alone kept the last."""
    members: dict[str, bytes] = {}
    for folder in ("print", "braille"):
        text = "In the {} rendition, chapter {} begins with a long walk by the sea."
        docs = [Doc(f"ch{n}.xhtml", chapter_body(f"Chapter {n}", [text.format(folder, n)])) for n in (1, 2)]
        toc = [TocEntry("Chapter 1", "ch1.xhtml"), TocEntry("Chapter 2", "ch2.xhtml")]
        one = write_epub(tmp_path / f"{folder}.epub", docs, toc, opf_dir=folder)
        with zipfile.ZipFile(one) as zf:
            members |= {n: zf.read(n) for n in zf.namelist() if n.startswith(f"{folder}/")}
    members["META-INF/container.xml"] = (
        b'<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        b'<rootfiles><rootfile full-path="print/content.opf" media-type="application/oebps-package+xml"/>'
        b'<rootfile full-path="braille/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>'
    )
    book = load_epub(write_zip(tmp_path / "two.epub", members))
    assert [p.text for c in book.chapters for p in c.paragraphs] == [text.format("print", n) for n in (1, 2)]


def test_unlinked_part_headings_in_nav(tmp_path: Path) -> None:
    docs = [Doc(f"ch{n}.xhtml", chapter_body(f"Chapter {n}", [f"Text {n}."])) for n in (1, 2)]
    toc = [TocEntry("Book One", None, [TocEntry("Chapter 1", "ch1.xhtml"), TocEntry("Chapter 2", "ch2.xhtml")])]
    assert titles(load_epub(write_epub(tmp_path / "span.epub", docs, toc))) == ["Book One: Chapter 1", "Chapter 2"]


def test_chapter_with_sections_in_its_own_file_is_one_chapter(tmp_path: Path) -> None:
    body = (
        "<h1>Chapter 1</h1><p>Intro.</p>"
        '<h2 id="s1">Background</h2><p>Some background.</p>'
        '<h2 id="s2">Method</h2><p>The method.</p>'
    )
    docs = [Doc("ch1.xhtml", body), Doc("ch2.xhtml", chapter_body("Chapter 2", ["Next."]))]
    toc = [
        TocEntry(
            "Chapter 1", "ch1.xhtml", [TocEntry("Background", "ch1.xhtml#s1"), TocEntry("Method", "ch1.xhtml#s2")]
        ),
        TocEntry("Chapter 2", "ch2.xhtml"),
    ]
    book = load_epub(write_epub(tmp_path / "sections.epub", docs, toc, version=2))
    assert titles(book) == ["Chapter 1", "Chapter 2"]
    # Section headings inside a chapter are read as part of it.
    assert texts(book)[0] == ["Intro.", "Background", "Some background.", "Method", "The method."]


def test_notes_and_note_markers_are_not_read(tmp_path: Path) -> None:
    body = (
        "<h1>Chapter 1</h1>"
        '<p>The whale<a epub:type="noteref" href="notes.xhtml#n1">1</a> surfaced.</p>'
        '<p>A ship<sup><a href="#fn1" id="r1">2</a></sup> passed.</p>'
        '<p>The sea<a role="doc-noteref" href="#fn2">[3]</a> was calm.</p>'
        '<p>Old style<a href="notes.xhtml#n2" class="calibre5">4</a> marker.</p>'
        '<p>See page <a href="ch1.xhtml#top">12</a> for more.</p>'
        '<aside epub:type="footnote" id="fn1"><p>FOOTNOTE-ONE text.</p></aside>'
        '<div role="doc-footnote" id="fn2"><p>FOOTNOTE-TWO text.</p></div>'
    )
    notes = (
        '<section epub:type="endnotes"><h1>Notes</h1><ol>'
        '<li id="n1"><p>ENDNOTE-ONE text. <a epub:type="backlink" href="ch1.xhtml">back</a></p></li>'
        '<li id="n2"><p>ENDNOTE-TWO text.</p></li></ol></section>'
    )
    docs = [Doc("ch1.xhtml", body), Doc("ch2.xhtml", chapter_body("Chapter 2", ["More."])), Doc("notes.xhtml", notes)]
    toc = [TocEntry("Chapter 1", "ch1.xhtml"), TocEntry("Chapter 2", "ch2.xhtml"), TocEntry("Notes", "notes.xhtml")]
    path = write_epub(tmp_path / "notes.epub", docs, toc)

    book = load_epub(path)
    assert titles(book) == ["Chapter 1", "Chapter 2"]
    assert texts(book)[0] == [
        "The whale surfaced.",
        "A ship passed.",
        "The sea was calm.",
        "Old style marker.",
        "See page 12 for more.",  # an ordinary link with a number is text, not a marker
    ]
    assert "FOOTNOTE" not in all_text(book) and "ENDNOTE" not in all_text(book)

    assert {o.kind for o in book.omitted} == {"notes"}
    assert sum(o.words for o in book.omitted) >= 8  # four notes of two words and more

    # Read at the chapter's end, in marker order, numbered; the notes file is still no chapter.
    at_end = load_epub(path, IngestOptions(notes="end"))
    assert titles(at_end) == ["Chapter 1", "Chapter 2"]
    assert texts(at_end)[0][5:] == [
        "Notes.",
        "Note 1: ENDNOTE-ONE text.",
        "Note 2: FOOTNOTE-ONE text.",
        "Note 3: FOOTNOTE-TWO text.",
        "Note 4: ENDNOTE-TWO text.",
    ]
    assert "back" not in at_end.chapters[0].text  # back links are not read
    assert not [o for o in at_end.omitted if o.kind == "notes"]

    # Read where their markers stand: after the sentence, as paragraphs of their own.
    inline = load_epub(path, IngestOptions(notes="inline"))
    assert texts(inline)[0][:4] == ["The whale surfaced.", "Note: ENDNOTE-ONE text.", "A ship passed.",
                                     "Note: FOOTNOTE-ONE text."]
    assert [p.kind for p in inline.chapters[0].paragraphs][:2] == ["text", "note"]


def test_images_captions_tables_and_code_are_left_out_and_recorded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    body = (
        "<h1>Chapter 1</h1><p>Before.</p>"
        '<figure><img src="../images/cover.png" alt="ALT-TEXT"/><figcaption>A map of the island.</figcaption></figure>'
        "<table><tr><td>CELL-TEXT</td></tr></table>"
        "<pre><code>print('CODE-TEXT')</code></pre>"
        "<p>After <code>ls</code> runs.</p>"
    )
    path = write_epub(tmp_path / "img.epub", [Doc("ch1.xhtml", body)], [TocEntry("Chapter 1", "ch1.xhtml")])
    with caplog.at_level(logging.INFO, logger="narration.ingest"):
        book = load_epub(path)
    assert texts(book) == [["Before.", "After ls runs."]]
    assert "tables-and-code" in caplog.text and "captions" in caplog.text
    assert [(o.kind, o.excerpt) for o in book.omitted] == [
        ("captions", "A map of the island."), ("tables-and-code", "CELL-TEXT print('CODE-TEXT')")]
    kept = load_epub(path, IngestOptions(keep=frozenset({"captions"})))
    assert texts(kept) == [["Before.", "A map of the island.", "After ls runs."]]


@pytest.mark.parametrize("version", [3, 2])
def test_cover_title_and_copyright_pages_are_skipped(tmp_path: Path, version: int) -> None:
    path = build_epub(tmp_path / "front.epub", CHAPTERS[:2], version=version, front_matter=True)
    book = load_epub(path)
    assert titles(book) == ["Chapter One", "Chapter Two"]
    assert "rights reserved" not in all_text(book) and "A Novel" not in all_text(book)


def test_furniture_found_by_heuristics_when_unmarked(tmp_path: Path) -> None:
    docs = [
        Doc("01_title_page.xhtml", "<h1>Test Book</h1><p>by Ada Author</p>"),
        Doc("legal.xhtml", "<p>Copyright 2026. All rights reserved. ISBN 978-0-00-000000-0</p>"),
        Doc("contents.xhtml", '<h1>Contents</h1><p><a href="ch1.xhtml">Chapter 1</a></p>'),
        Doc("ch1.xhtml", chapter_body("Chapter 1", ["Call me Ishmael."])),
        Doc("index.xhtml", "<h1>Index</h1><p>whale, 1</p>"),
    ]
    toc = [
        TocEntry("Contents", "contents.xhtml"),
        TocEntry("Chapter 1", "ch1.xhtml"),
        TocEntry("Index", "index.xhtml"),
    ]
    book = load_epub(write_epub(tmp_path / "h.epub", docs, toc, nav_in_spine=True))
    assert titles(book) == ["Chapter 1"]
    assert texts(book) == [["Call me Ishmael."]]


def test_furniture_section_inside_a_shared_file(tmp_path: Path) -> None:
    body = (
        '<section epub:type="copyright-page" id="cp"><p>All rights reserved.</p></section>'
        '<section epub:type="chapter" id="c1"><h1>Chapter 1</h1><p>Story.</p></section>'
    )
    toc = [TocEntry("Copyright", "book.xhtml#cp"), TocEntry("Chapter 1", "book.xhtml#c1")]
    book = load_epub(write_epub(tmp_path / "s.epub", [Doc("book.xhtml", body)], toc))
    assert titles(book) == ["Chapter 1"] and texts(book) == [["Story."]]


def test_metadata_epub3(tmp_path: Path) -> None:
    png = TINY_PNG + b"epub3"
    path = build_epub(
        tmp_path / "m.epub",
        CHAPTERS[:1],
        title="The  Long\nTitle",
        authors=["Ada Author", ("Ian Illustrator", "ill"), "Bo Writer"],
        language="en-GB",
        cover=Cover(png, "image/png"),
    )
    book = load_epub(path)
    assert book.title == "The Long Title"
    assert book.authors == ["Ada Author", "Bo Writer"]
    assert book.language == "en"
    assert book.cover is not None and book.cover.data == png and book.cover.media_type == "image/png"


def test_metadata_epub2_cover_meta_and_guide(tmp_path: Path) -> None:
    jpg = b"\xff\xd8\xff\xe0fake-jpeg"
    path = build_epub(
        tmp_path / "m2.epub", CHAPTERS[:1], version=2, language="PT-br", cover=Cover(jpg, "image/jpeg", "img/c.jpg")
    )
    book = load_epub(path)
    assert book.language == "pt"
    assert book.cover is not None and (book.cover.data, book.cover.media_type) == (jpg, "image/jpeg")

    # No <meta name="cover">: the guide's cover page leads to the image.
    docs = [
        Doc("cover.xhtml", '<div><img src="images/front.png" alt="cover"/></div>'),
        Doc("ch1.xhtml", chapter_body("Chapter 1", ["Text."])),
    ]
    path = write_epub(
        tmp_path / "g.epub",
        docs,
        [TocEntry("Chapter 1", "ch1.xhtml")],
        version=2,
        guide=[("cover", "cover.xhtml", "Cover")],
        extra_manifest=[("front", "images/front.png", "image/png")],
        extra_members={"OEBPS/images/front.png": TINY_PNG},
    )
    book = load_epub(path)
    assert book.cover is not None and book.cover.data == TINY_PNG
    assert titles(book) == ["Chapter 1"]


def test_japanese_ruby_keeps_base_and_reading(tmp_path: Path) -> None:
    # The reading travels with its base in Aozora notation: shown as the base, spoken as the reading.
    body = "<h1>第一章</h1><p><ruby>吾輩<rp>(</rp><rt>わがはい</rt><rp>)</rp></ruby>は猫である。\n名前はまだ無い。</p>"
    book = load_epub(
        write_epub(tmp_path / "ja.epub", [Doc("c.xhtml", body)], [TocEntry("第一章", "c.xhtml")], language="ja-JP")
    )
    assert book.language == "ja"
    assert texts(book) == [["｜吾輩《わがはい》は猫である。名前はまだ無い。"]]
    assert strip_ruby(book.chapters[0].paragraphs[0].text) == "吾輩は猫である。名前はまだ無い。"


def test_title_headings_split_over_two_elements_are_not_repeated(tmp_path: Path) -> None:
    body = "<h1>Chapter 1</h1><h2>Loomings</h2><p>Call me Ishmael.</p>"
    toc = [TocEntry("Chapter 1: Loomings", "c.xhtml")]
    book = load_epub(write_epub(tmp_path / "t.epub", [Doc("c.xhtml", body)], toc))
    assert texts(book) == [["Call me Ishmael."]]


def test_book_written_by_ebooklib(tmp_path: Path) -> None:
    """A book from another producer (ebooklib's writer: nav + NCX, its own layout)."""
    book = epub.EpubBook()
    book.set_identifier("id-1")
    book.set_title("Producer Test")
    book.set_language("de")
    book.add_author("Karl Autor")
    chapters = []
    for n in (1, 2):
        ch = epub.EpubHtml(title=f"Kapitel {n}", file_name=f"k{n}.xhtml", lang="de")
        ch.content = f"<h1>Kapitel {n}</h1><p>Absatz {n}a.</p><p>Absatz {n}b.</p>"
        book.add_item(ch)
        chapters.append(ch)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    path = tmp_path / "eb.epub"
    epub.write_epub(str(path), book)

    loaded = load_epub(path)
    assert (loaded.title, loaded.authors, loaded.language) == ("Producer Test", ["Karl Autor"], "de")
    assert titles(loaded) == ["Kapitel 1", "Kapitel 2"]
    assert texts(loaded) == [["Absatz 1a.", "Absatz 1b."], ["Absatz 2a.", "Absatz 2b."]]


def test_book_json_round_trip_keeps_ingested_text(tmp_path: Path) -> None:
    book = load_epub(build_epub(tmp_path / "r.epub", CHAPTERS, cover=Cover(TINY_PNG)))
    assert Book.from_json(book.to_json()) == book


# --- html_paragraphs: the shared HTML -> paragraphs step -------------------------------------------


def test_html_paragraphs_blocks_whitespace_and_line_breaks() -> None:
    html = (
        "<h2>Title</h2><p>One   <em>two</em>\n three.</p>"
        "<div>Loose text<p>nested para</p>tail text</div>"
        "<p>line one<br/>line two<br/><br/>new paragraph</p>"
        "<ul><li>first</li><li>second</li></ul>"
        "<p>soft\u00adhyphen and&nbsp;nbsp</p>"
    )
    assert html_paragraphs(html) == [
        "Title",
        "One two three.",
        "Loose text",
        "nested para",
        "tail text",
        "line one\nline two",
        "new paragraph",
        "first",
        "second",
        "softhyphen and nbsp",
    ]


def test_html_paragraphs_drops_markers_and_non_text() -> None:
    html = (
        '<p>Word<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup> end.</p>'
        "<script>var SCRIPT = 1;</script><style>p { color: red }</style>"
        '<p hidden="">HIDDEN</p><p style="display: none">ALSO-HIDDEN</p>'
        "<p>x<sup>2</sup> and 1<sup>st</sup></p>"  # unlinked superscripts are text
        '<div epub:type="note"><p>Callout box.</p></div>'  # an in-flow note (O'Reilly style), not a footnote
        '<hr class="footnotes-sep"/><section class="footnotes"><ol><li id="fn1"><p>NOTE</p></li></ol></section>'
    )
    assert html_paragraphs(html) == ["Word end.", "x2 and 1st", "Callout box."]
    assert "NOTE" in " ".join(html_paragraphs(html, keep_notes=True))


def test_tables_of_verse_and_of_a_play_are_read_data_tables_are_not() -> None:
    verse = ('<p>They sang—</p><table><tr><td>“Round the rock the lamp is lit,</td></tr><tr><td>'
             '<span style="margin-left: 2em">Keeper, keeper, mind your wick;</span></td></tr></table>')
    assert html_paragraphs(verse) == ["They sang—", "“Round the rock the lamp is lit,\nKeeper, keeper, mind your wick;"]
    play = ('<table><tr><td/><td><i>A room in the lighthouse. Enter Keeper.</i></td></tr>'
            '<tr><td epub:type="z3998:persona">Keeper</td><td>Who is there?</td></tr>'
            '<tr><td>Visitor</td><td><p><span>Only the fog,</span><br/><span>and I within it.</span></p><p>Let me in.</p></td></tr>'
            '</table>')
    assert html_paragraphs(play) == ["A room in the lighthouse. Enter Keeper.", "Keeper: Who is there?",
                                     "Visitor: Only the fog,\nand I within it.", "Let me in."]
    data = ('<p>x</p><table><tr><td>Year</td><td>1805</td></tr><tr><td>Keepers</td><td>12</td></tr></table>'
            '<table><tr><td>I</td><td><a href="#c1">The Rock</a></td><td>1</td></tr></table>'
            '<table><tr><th>Light</th><th>Range</th></tr><tr><td>Gull Rock</td><td>twelve miles out</td></tr></table>')
    assert html_paragraphs(data) == ["x"]
    # Verse set in <pre> is read too; code is not.
    assert html_paragraphs("<pre>\n  My sister loved me best of all;\n</pre><pre><code>x = f(y)</code></pre>") == [
        "My sister loved me best of all;"]


def test_gutenberg_return_notes_rows_of_chapter_links_and_markers_in_titles(tmp_path: Path) -> None:
    from narration.ingest.html import note_bodies
    from narration.ingest.safety import read_html_tree

    # Gutenberg's "(return)" notes: an empty anchor paragraph, then the note with its back link.
    html = ('<p>The keeper wrote it down.<a href="#linknote-3" id="linknoteref-3">3</a></p>'
            '<h2>NOTES TO BOOK I</h2><p><a id="linknote-3"><!-- Note --></a></p>'
            '<p class="foot">3 (<a href="#linknoteref-3">return</a>)<br/> [ The log survives in the harbour office. ]</p>')
    assert note_bodies(read_html_tree(html, "x")) == {"linknote-3": "The log survives in the harbour office."}
    # A row of chapter numbers linking into the book is contents, not text.
    assert html_paragraphs('<div class="chapmen"><a href="#c1">1</a> <a href="#c2">2</a> <a href="#c3">3</a></div>'
                           "<p>Text.</p>") == ["Text."]
    # A note marker copied into a TOC title is not part of it; the documents' language outvotes
    # a package that says otherwise.
    docs = [Doc("c.xhtml", "<h1>COMPENSATION.</h1><p>Testo italiano.</p>")]
    book = load_epub(write_epub(tmp_path / "t.epub", docs, [TocEntry("COMPENSATION.[93]", "c.xhtml")], language="it",
                                opf_override=None))
    assert titles(book) == ["COMPENSATION."]
    path = tmp_path / "lang.epub"
    write_epub(path, docs, [TocEntry("One", "c.xhtml")], language="it")
    import zipfile as zf

    with zf.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["OEBPS/content.opf"] = members["OEBPS/content.opf"].replace(b"<dc:language>it</dc:language>",
                                                                        b"<dc:language>en</dc:language>")
    from epub_factory import write_zip

    write_zip(path, {k: v for k, v in members.items() if k != "mimetype"})
    assert load_epub(path).language == "it"


def test_typed_note_markers_contents_as_link_paragraphs_and_plain_contents_lists() -> None:
    # A marker typed as text after a word is never read.
    assert html_paragraphs("<p>Il vivait ailleurs[1] avec Pangloss[12].</p>") == ["Il vivait ailleurs avec Pangloss."]
    # A paragraph of many links into the book, with a few words between them, is a contents list.
    links = "<br/>".join(f'LETTER {n}. — <a href="#l{n}">To Monsieur de Keeper, on the {n}th night</a>' for n in range(1, 11))
    assert html_paragraphs(f"<p>{links}</p><p>Text.</p>") == ["Text."]
    # A converted text's contents: a title paragraph, then the list as plain lines.
    assert html_paragraphs("<p>Table des matières</p><h5>PREMIÈRE PARTIE\nI\nII\nIII\nDEUXIÈME PARTIE\nI\nII</h5>"
                           "<p>Nous étions à l'étude, quand le proviseur entra.</p>") == [
        "Nous étions à l'étude, quand le proviseur entra."]
