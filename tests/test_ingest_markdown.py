"""Markdown / plain-text ingest and the load_book dispatcher, on books written at test time."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from narration.errors import InputError
from narration.ingest import BOOK_SUFFIXES, load_book
from narration.ingest.markdown import detect_language, heading_label, load_markdown, split_authors
from narration.model import Book
from narration.options import IngestOptions

CLASSIC = Path(__file__).parent / "fixtures" / "books" / "glass-orchard.md"


def write(tmp_path: Path, text: str, name: str = "book.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def titles(book: Book) -> list[str]:
    return [c.title for c in book.chapters]


def paragraphs(book: Book) -> list[str]:
    return [p.text for c in book.chapters for p in c.paragraphs]


# --- metadata ---------------------------------------------------------------------------------


def test_front_matter_gives_title_authors_and_language(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "---\ntitle: The Real Title\nauthor: Ann Bee and Cid Dee\nlang: en-GB\n---\n\n"
        "## One\n\nFirst text.\n\n## Two\n\nSecond text.\n",
    )
    book = load_markdown(path)
    assert book.title == "The Real Title"
    assert book.authors == ["Ann Bee", "Cid Dee"]
    assert book.language == "en"
    assert titles(book) == ["One", "Two"]
    assert all(p.sentences == [] for c in book.chapters for p in c.paragraphs)
    assert book.source == str(path)


def test_front_matter_author_list_and_explicit_language_win_over_detection(tmp_path: Path) -> None:
    path = write(tmp_path, "---\nauthors:\n  - Ann Bee\n  - {name: Cid Dee}\nlanguage: JA\n---\nPlain English words.\n")
    book = load_markdown(path)
    assert book.authors == ["Ann Bee", "Cid Dee"]
    assert book.language == "ja"
    assert book.title == "book"  # no title anywhere: the file name


def test_front_matter_title_matching_the_first_heading_is_not_a_chapter(tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: Tales\n---\n# Tales\n\n# The First\n\nOne.\n\n# The Second\n\nTwo.\n")
    assert titles(load_markdown(path)) == ["The First", "The Second"]


def test_invalid_front_matter_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path, "---\ntitle: [unclosed\n---\n\nText.\n")
    with pytest.raises(InputError, match="front matter"):
        load_markdown(path)


def test_leading_title_heading_and_byline(tmp_path: Path) -> None:
    path = write(tmp_path, "# The Book of Days\n\nby Jane van Doe\n\n## Monday\n\nText.\n\n## Tuesday\n\nMore.\n")
    book = load_markdown(path)
    assert book.title == "The Book of Days"
    assert book.authors == ["Jane van Doe"]
    assert titles(book) == ["Monday", "Tuesday"]
    assert "by Jane van Doe" not in paragraphs(book)


def test_leading_field_lines_without_headings(tmp_path: Path) -> None:
    path = write(tmp_path, "Title: Plain Tales\nAuthor: Ann Bee; Cid Dee\n\nOnce upon a time.\n")
    book = load_markdown(path)
    assert (book.title, book.authors) == ("Plain Tales", ["Ann Bee", "Cid Dee"])
    assert titles(book) == ["Plain Tales"]
    assert paragraphs(book) == ["Once upon a time."]


def test_a_first_paragraph_starting_with_by_is_prose_not_a_byline(tmp_path: Path) -> None:
    path = write(tmp_path, "# Rivers\n\nBy the river there lived a fox.\n")
    book = load_markdown(path)
    assert book.authors == []
    assert paragraphs(book) == ["By the river there lived a fox."]


def test_split_authors() -> None:
    names = split_authors("A. Smith, B. Jones & C. Brown and D. Green")
    assert names == ["A. Smith", "B. Jones", "C. Brown", "D. Green"]


# --- headings -> chapters ---------------------------------------------------------------------


def test_single_h1_is_the_title_and_h2s_are_chapters(tmp_path: Path) -> None:
    path = write(tmp_path, "# My Book\n\n## Alpha\n\nA.\n\n## Beta\n\nB.\n\n## Gamma\n\nC.\n")
    book = load_markdown(path)
    assert book.title == "My Book"
    assert titles(book) == ["Alpha", "Beta", "Gamma"]
    assert [c.text for c in book.chapters] == ["A.", "B.", "C."]


def test_text_between_title_and_first_chapter_is_a_chapter_named_after_the_book(tmp_path: Path) -> None:
    path = write(tmp_path, "# My Book\n\nA short preface.\n\n## Alpha\n\nA.\n")
    book = load_markdown(path)
    assert titles(book) == ["My Book", "Alpha"]
    assert book.chapters[0].text == "A short preface."


def test_chapters_at_mixed_levels_are_all_chapters(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# Chapter 1\n\nOne.\n\n## Chapter 2\n\nTwo.\n\n# Chapter 3\n\nThree.\n\n### Chapter IV\n\nFour.\n",
    )
    book = load_markdown(path)
    assert titles(book) == ["Chapter 1", "Chapter 2", "Chapter 3", "Chapter IV"]
    assert [c.text for c in book.chapters] == ["One.", "Two.", "Three.", "Four."]


def test_prologue_and_epilogue_count_as_chapters_beside_deeper_chapters(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# Prologue\n\nP.\n\n## Chapter One\n\nA.\n\n## Chapter Two\n\nB.\n\n# Epilogue\n\nE.\n",
    )
    assert titles(load_markdown(path)) == ["Prologue", "Chapter One", "Chapter Two", "Epilogue"]


def test_deeper_unlabelled_headings_are_sections_read_inside_their_chapter(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "## Chapter 1\n\nIntro.\n\n### A Section\n\nInside.\n\n### 1. Numbered part\n\nMore.\n\n"
        "## Chapter 2\n\nTwo.\n",
    )
    book = load_markdown(path)
    assert titles(book) == ["Chapter 1", "Chapter 2"]
    first = [p.text for p in book.chapters[0].paragraphs]
    assert first == ["Intro.", "A Section", "Inside.", "1. Numbered part", "More."]


def test_headings_with_no_text_join_the_next_chapter_title(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# Part One\n\n## Chapter 1\n\nA.\n\n## Chapter 2\n\nB.\n\n"
        "# Part Two\n\n## Chapter 3\n\nC.\n\n## Empty\n\n## Chapter 4\n\nD.\n\n## Trailing\n",
    )
    book = load_markdown(path)
    assert titles(book) == ["Part One: Chapter 1", "Chapter 2", "Part Two: Chapter 3", "Chapter 4"]
    assert [c.text for c in book.chapters] == ["A.", "B.", "C.", "D."]


def test_part_with_an_epigraph_stays_above_the_chapters(tmp_path: Path) -> None:
    path = write(tmp_path, "# Part One\n\n> An epigraph.\n\n## Chapter 1\n\nA.\n\n## Chapter 2\n\nB.\n")
    book = load_markdown(path)
    assert titles(book) == ["Part One", "Chapter 1", "Chapter 2"]
    assert book.chapters[0].text == "An epigraph."


def test_chapter_that_opens_with_a_section_heading(tmp_path: Path) -> None:
    path = write(tmp_path, "## Chapter 1\n\n### Morning\n\nA.\n\n## Chapter 2\n\nB.\n")
    book = load_markdown(path)
    assert titles(book) == ["Chapter 1", "Chapter 2"]
    assert [p.text for p in book.chapters[0].paragraphs] == ["Morning", "A."]


def test_no_headings_gives_one_chapter_named_after_the_file(tmp_path: Path) -> None:
    book = load_markdown(write(tmp_path, "One.\n\nTwo.\n", name="quiet_evening-notes.md"))
    assert book.title == "quiet evening notes"
    assert titles(book) == ["quiet evening notes"]
    assert paragraphs(book) == ["One.", "Two."]


def test_chapter_source_names_file_and_line(tmp_path: Path) -> None:
    book = load_markdown(write(tmp_path, "# T\n\n## A\n\nx\n\n## B\n\ny\n"))
    assert [c.source for c in book.chapters] == ["book.md:3", "book.md:7"]


def test_heading_labels() -> None:
    assert heading_label("CHAPTER XII. The End") == "chapter"
    assert heading_label("Part the First") == "part"
    assert heading_label("II. The Carpet-Bag") == "number"
    assert heading_label("第三章 旅立ち") == "chapter"
    assert heading_label("I Wandered Lonely as a Cloud") is None  # a lone "I" is a pronoun
    assert heading_label("Book Club") is None
    assert heading_label("The Fox and the Grapes") is None


# --- what is and is not read ------------------------------------------------------------------


def test_markup_that_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(
        tmp_path,
        "# Chapter 1\n\n"
        "Some *emphasis*, __strong__ and ~~struck~~ words with a [link](https://example.org/x) "
        "and an image ![a cat](cat.png) here, <span>inline html</span> and `code`.\n\n"
        "See <https://example.org/raw>.\n\n"
        "A claim.[^1]\n\n[^1]: The footnote text.\n\n"
        "```python\nprint('fenced')\n```\n\n"
        "    indented_code()\n\n"
        "<div>\nraw block html\n</div>\n\n"
        "![only an image](pic.png)\n\n"
        "| col | umn |\n|-----|-----|\n| cell | data |\n\n"
        "---\n\n"
        "Last line.\n",
    )
    with caplog.at_level(logging.WARNING, logger="narration.ingest"):
        book = load_markdown(path)
    assert paragraphs(book) == [
        "Some emphasis, strong and struck words with a link and an image here, inline html and code.",
        "See.",
        "A claim.",
        "Last line.",
    ]
    text = book.chapters[0].text
    for unread in ("example.org", "cat", "fenced", "indented_code", "raw block", "cell", "footnote", "*", "<"):
        assert unread not in text
    assert any("table" in r.getMessage() and r.name == "narration.ingest" for r in caplog.records)


def test_lists_and_blockquotes_become_paragraphs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# Chapter 1\n\n- first item\n- second item\n  - nested item\n\n1. numbered\n2. again\n\n"
        "> A quoted line\n> that continues.\n>\n> ## Not a chapter\n\nAfter.\n",
    )
    book = load_markdown(path)
    assert titles(book) == ["Chapter 1"]
    assert paragraphs(book) == [
        "first item",
        "second item",
        "nested item",
        "numbered",
        "again",
        "A quoted line that continues.",
        "Not a chapter",
        "After.",
    ]


def test_hard_and_soft_line_breaks_join_with_a_space(tmp_path: Path) -> None:
    book = load_markdown(write(tmp_path, "Tyger Tyger, burning bright,\\\nIn the forests\nof the night;\n"))
    assert paragraphs(book) == ["Tyger Tyger, burning bright, In the forests of the night;"]


# --- language -----------------------------------------------------------------------------------


def test_japanese_is_detected_and_lines_join_without_spaces(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# 銀河の夜\n\n## 第一章 午後の授業\n\nではみなさんは、そういうふうに川だと\n"
        "言われたり、乳の流れたあとだと云われたりしていた。\n",
    )
    book = load_markdown(path)
    assert book.language == "ja"
    assert book.title == "銀河の夜"
    assert titles(book) == ["第一章 午後の授業"]
    # A line break between two Japanese characters joins them without a space.
    assert paragraphs(book) == ["ではみなさんは、そういうふうに川だと言われたり、乳の流れたあとだと云われたりしていた。"]


def test_detect_language() -> None:
    assert detect_language("これは日本語の文章です。") == "ja"
    assert detect_language("An English sentence with one 日本 word.") == "en"
    assert detect_language("12345 !!!") == "en"


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n\t\n", "empty"),
        (b"# Title\n\nCaf\xe9 au lait\n", "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("# Hi\n\nText\n".encode("utf-16"), "UTF-16"),
        (b"```\nonly code\n```\n\n<p>html</p>\n\n![img](x.png)\n", "no readable text"),
        (b"# Just\n\n## Headings\n", "no readable text"),
        (b"---\ntitle: Only metadata\n---\n", "no readable text"),
    ],
)
def test_unreadable_files_raise_input_error_naming_the_file(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    with pytest.raises(InputError, match=reason) as info:
        load_markdown(path)
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}: ")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_markdown(tmp_path / "nope.md")
    with pytest.raises(InputError, match="directory"):
        load_markdown(tmp_path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff# Title\n\n## One\n\nText.\n".encode())
    book = load_markdown(path)
    assert (book.title, titles(book)) == ("Title", ["One"])


# --- plain text and the dispatcher -----------------------------------------------------------


# (.txt files have their own reader now, narration.ingest.plaintext; a .txt written in Markdown
# is still read as Markdown: see tests/test_ingest_plaintext.py.)


@pytest.mark.parametrize("name", ["book.md", "book.markdown", "book.txt", "BOOK.MD"])
def test_load_book_dispatches_markdown_suffixes(tmp_path: Path, name: str) -> None:
    book = load_book(str(write(tmp_path, "# T\n\n## One\n\nText.\n", name=name)))
    assert titles(book) == ["One"]


def test_load_book_rejects_unknown_missing_and_directories(tmp_path: Path) -> None:
    pdf = tmp_path / "book.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    with pytest.raises(InputError, match=r"unsupported book type \('\.pdf'\)") as info:
        load_book(pdf)
    assert str(pdf) in str(info.value)
    with pytest.raises(InputError, match="not found") as info:
        load_book(tmp_path / "missing.epub")
    assert "missing.epub" in str(info.value)
    with pytest.raises(InputError, match="directory"):
        load_book(tmp_path)
    noext = tmp_path / "README"
    noext.write_text("hello")
    with pytest.raises(InputError, match="no suffix"):
        load_book(noext)


def test_book_suffixes() -> None:
    assert set(BOOK_SUFFIXES) == {".epub", ".md", ".markdown", ".txt"}


# --- metadata lines, Gutenberg conversions, what is left out -------------------------------------


def test_markdown_classic_with_metadata_headings() -> None:
    book = load_book(CLASSIC)
    assert (book.title, book.authors, book.language) == ("The Glass Orchard", ["Henrietta Vale"], "en")
    assert titles(book) == ["Book One: Chapter I", "Chapter II", "Book Two: Chapter III"]
    firsts_lasts = [(c.paragraphs[0].text, c.paragraphs[-1].text) for c in book.chapters]
    assert firsts_lasts[0][0].startswith("The orchard behind the house had been planted by a man")
    assert firsts_lasts[0][1] == "In spring the blossoms came anyway, white among the glitter, and the bees did not seem to mind."
    assert firsts_lasts[1][0].startswith("Clara was nine the year the great storm")
    assert firsts_lasts[1][1] == "In the morning the grass was covered with rainbows."
    assert firsts_lasts[2][0].startswith("The house was sold the year Clara turned twenty")
    assert firsts_lasts[2][1].endswith("she hung it in the kitchen window.")
    text = "\n".join(c.title + "\n" + c.text for c in book.chapters)
    for unread in ("Title:", "Author", "Year", "1907", "Translated", "Peter Lorn", "* * *", "---"):
        assert unread not in text, unread
    assert [(o.kind, o.where, o.excerpt) for o in book.omitted] == [("title-page", "glass-orchard.md:8", "Translated by Peter Lorn")]
    assert [p.scene_break for p in book.chapters[0].paragraphs] == [False, True, False]
    assert book.structure.startswith("3 chapter headings (### headings; first: 'Book One: Chapter I')")


def test_year_heading_is_never_a_chapter_title(tmp_path: Path) -> None:
    # A real conversion had "Year: 1907: I" as its first chapter's title.
    path = write(tmp_path, "# Title: Short Tales\n\n## Author: Ann Bee\n\n## Year: 1907\n\n### I\n\nOne.\n\n### II\n\nTwo.\n")
    book = load_markdown(path, IngestOptions())
    assert (book.title, book.authors, titles(book)) == ("Short Tales", ["Ann Bee"], ["I", "II"])
    assert paragraphs(book) == ["One.", "Two."]


def test_metadata_paragraphs_at_the_top(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Title: The Map\nAuthor: Cid Dee\nTranslator: Eve Eff\nIllustrator: Gus Ho\nEditor: Ida Jay\nDate: 1911\n\n"
        "# Chapter 1\n\nThe map was wrong.\n",
    )
    book = load_markdown(path)
    assert (book.title, book.authors, titles(book), paragraphs(book)) == ("The Map", ["Cid Dee"], ["Chapter 1"], ["The map was wrong."])


def test_pandoc_title_block(tmp_path: Path) -> None:
    path = write(tmp_path, "% Studies of Light\n% Ada Lux\n% 1904\n\n# First Chapter\n\nText.\n")
    book = load_markdown(path)
    assert (book.title, book.authors, titles(book), paragraphs(book)) == ("Studies of Light", ["Ada Lux"], ["First Chapter"], ["Text."])


GUTENBERG_MD = """The Project Gutenberg eBook of Small Hours, by Noor Ray

This ebook is for the use of anyone anywhere at no cost and with almost no restrictions
whatsoever, under the terms of the Project Gutenberg License included with this ebook.

Title: Small Hours

Author: Noor Ray

Language: English

*** START OF THE PROJECT GUTENBERG EBOOK SMALL HOURS ***

Produced by Imaginary Volunteers.

# SMALL HOURS

## CHAPTER I

The clock in the hall struck three, and nobody was awake to hear it.

***

Except the cat, who heard everything.

## CHAPTER II

By morning the clock had stopped.

*** END OF THE PROJECT GUTENBERG EBOOK SMALL HOURS ***

Updated editions will replace this one. Read the Project Gutenberg License before sharing it.

Section 1. General Terms of Use of Project Gutenberg electronic works.
"""


def test_gutenberg_conversion_to_markdown_drops_the_boilerplate(tmp_path: Path) -> None:
    book = load_markdown(write(tmp_path, GUTENBERG_MD, name="small-hours.md"))
    assert (book.title, book.authors, book.language) == ("Small Hours", ["Noor Ray"], "en")
    assert titles(book) == ["Chapter I", "Chapter II"]
    assert paragraphs(book) == [
        "The clock in the hall struck three, and nobody was awake to hear it.",
        "Except the cat, who heard everything.",
        "By morning the clock had stopped.",
    ]
    assert book.chapters[0].paragraphs[0].scene_break and not book.chapters[0].paragraphs[1].scene_break
    assert [o.kind for o in book.omitted] == ["licence", "transcriber-notes", "licence"]
    assert book.omitted[0].where == "small-hours.md:1" and book.omitted[-1].excerpt.startswith("Updated editions")
    kept = load_markdown(write(tmp_path, GUTENBERG_MD, name="kept.md"), IngestOptions(keep=frozenset({"transcriber-notes"})))
    assert "Produced by Imaginary Volunteers." in paragraphs(kept)


def test_thematic_breaks_are_scene_breaks(tmp_path: Path) -> None:
    path = write(tmp_path, "# Chapter 1\n\nA one.\n\n***\n\nB two.\n\n- - -\n\nC three.\n\n* * *\n\nD four.\n\n---\n\n# Chapter 2\n\nE.\n")
    book = load_markdown(path)
    assert [(p.text, p.scene_break) for p in book.chapters[0].paragraphs] == [
        ("A one.", True), ("B two.", True), ("C three.", True), ("D four.", False),
    ]


def test_unreadable_parts_are_recorded(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# Chapter 1\n\nA claim.[^1]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode here\n```\n\n[^1]: The note itself.\n",
    )
    book = load_markdown(path)
    assert paragraphs(book) == ["A claim."]
    assert [(o.kind, o.where) for o in book.omitted] == [("tables-and-code", "book.md:5"), ("tables-and-code", "book.md:9"),
                                                         ("notes", "book.md:13")]
    assert book.omitted[-1].excerpt == "The note itself."


def test_same_level_volume_book_and_chapter_headings_join(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# Title: Tales\n\n##  VOLUME I.--SPRING.\n\n##  BOOK FIRST--THE THAW\n\n##  CHAPTER I--ICE\n\nA.\n\n"
        "##  CHAPTER II--WATER\n\nB.\n\n##  BOOK SECOND--THE FLOOD\n\n##  CHAPTER I--RAIN\n\nC.\n",
    )
    assert titles(load_markdown(path)) == [
        "Volume I.--Spring.: Book First--The Thaw: Chapter I--Ice",
        "Chapter II--Water",
        "Book Second--The Flood: Chapter I--Rain",
    ]


def test_a_capitals_heading_cut_by_a_spaced_hyphen_starts_its_title_again(tmp_path: Path) -> None:
    # as in the Markdown edition of Peter Pan: "## CHAPTER 2 - THE SHADOW"
    path = write(tmp_path, "# Title: Tales\n\n## CHAPTER 1 - THE END OF THE ROAD\n\nA.\n\n## CHAPTER 2 - THE SHADOW\n\nB.\n")
    assert titles(load_markdown(path)) == ["Chapter 1 - The End of the Road", "Chapter 2 - The Shadow"]


def test_contents_section_is_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, "# Book\n\n## Contents\n\n- Chapter 1\n- Chapter 2\n\n## Chapter 1\n\nA.\n\n## Chapter 2\n\nB.\n")
    book = load_markdown(path)
    assert titles(book) == ["Chapter 1", "Chapter 2"]
    assert [o.kind for o in book.omitted] == ["contents"]


def test_markdown_footnotes_follow_the_notes_option(tmp_path: Path) -> None:
    path = write(tmp_path, "# The Keeper\n\n## Chapter 1\n\nThe lamp was lit at dusk.[^oil] The keeper slept.\n\n"
                           "The sea was calm.[^calm]\n\n## Chapter 2\n\nMorning came.\n\n"
                           "[^oil]: Whale oil, in *those* years.\n[^calm]: It was not calm for long.\n")

    def chapter_texts(notes: str) -> list[list[str]]:
        return [[p.text for p in c.paragraphs] for c in load_book(path, IngestOptions(notes=notes)).chapters]

    assert chapter_texts("skip") == [["The lamp was lit at dusk. The keeper slept.", "The sea was calm."],
                                     ["Morning came."]]
    assert [o.kind for o in load_book(path).omitted] == ["notes"]
    assert chapter_texts("inline")[0] == ["The lamp was lit at dusk.", "Note: Whale oil, in those years.",
                                          "The keeper slept.", "The sea was calm.", "Note: It was not calm for long."]
    assert chapter_texts("end") == [["The lamp was lit at dusk. The keeper slept.", "The sea was calm.", "Notes.",
                                     "Note 1: Whale oil, in those years.", "Note 2: It was not calm for long."],
                                    ["Morning came."]]
    assert load_book(path, IngestOptions(notes="end")).omitted == []


def test_indented_verse_and_letters_are_read_indented_code_is_not(tmp_path: Path) -> None:
    path = write(tmp_path, "# Chapter 1\n\nThe pirates sang.\n\n    Yo ho, yo ho, the lantern's lit,\n"
                           "    The keeper's on the stair.\n\n    As you value your life, keep away from the rock.\n\n"
                           "Then:\n\n    print(keeper.steps[0])\n")
    assert paragraphs(load_book(path)) == ["The pirates sang.", "Yo ho, yo ho, the lantern's lit, The keeper's on the stair.",
                                           "As you value your life, keep away from the rock.", "Then:"]


# --- headings found by layout, in a Markdown book without headings --------------------------------


def test_a_markdown_book_without_headings_takes_its_titles_from_layout(tmp_path: Path) -> None:
    """Short lines alone after two blank lines, each over prose, three times: chapter titles
    (the book was one chapter); a short line before a list, or repeated, is not."""
    prose = "The lighthouse stood on a rock that the *sea* had been trying to swallow for a hundred years.\n"
    text = ("Keeper\n\n\nThe Rock\n\n" + prose + "\nThings he kept:\n\n- oil\n- wicks\n\n\nGull's Warning\n\n" + prose
            + "\n\nLANE.\n\n" + prose + "\n\nLANE.\n\n" + prose + "\n\nLANE.\n\n" + prose
            + "\n\nThe Last Light\n\n" + prose)
    path = tmp_path / "keeper.md"
    path.write_text(text, encoding="utf-8")
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["The Rock", "Gull's Warning", "The Last Light"]
    assert book.structure.startswith("no # headings, 3 titles found by layout")
    assert sum(p.text == "LANE." for p in book.chapters[1].paragraphs) == 3


def test_a_markdown_book_with_headings_keeps_them_alone(tmp_path: Path) -> None:
    prose = "The lighthouse stood on a rock that the sea had been trying to swallow for a hundred years.\n"
    text = "# Keeper\n\n## One\n\n" + prose + "".join(f"\n\n\nTitle {n}\n\n{prose}" for n in ("A", "B", "C"))
    path = tmp_path / "keeper.md"
    path.write_text(text, encoding="utf-8")
    assert [c.title for c in load_book(path).chapters] == ["One"]
