"""Plain-text books (.txt): Project Gutenberg editions and plain files, read into chapters.

The fixture books under tests/fixtures/books/ are invented text in the shape of real editions
(a current Gutenberg file, an older one, a book in two parts with no Gutenberg header); smaller
cases are written here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from narration.errors import InputError
from narration.ingest import load_book
from narration.ingest.plaintext import load_text
from narration.model import PARA_NOTE, Book, Chapter
from narration.options import IngestOptions

BOOKS = Path(__file__).parent / "fixtures" / "books"
LANTERN = BOOKS / "lantern-keeper-pg.txt"
ORCHARD = BOOKS / "winter-orchard-pg-old.txt"
HARBOURS = BOOKS / "two-harbours.txt"


def write(tmp_path: Path, text: str, name: str = "book.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def titles(book: Book) -> list[str]:
    return [c.title for c in book.chapters]


def texts(book: Book) -> list[str]:
    return [p.text for c in book.chapters for p in c.paragraphs]


def all_text(book: Book) -> str:
    return "\n".join(c.title + "\n" + c.text for c in book.chapters)


def ends(chapter: Chapter) -> tuple[str, str]:
    """The first words of a chapter and its last words."""
    return chapter.paragraphs[0].text, chapter.paragraphs[-1].text


def kinds(book: Book) -> list[str]:
    return [o.kind for o in book.omitted]


# --- a current Gutenberg edition ---------------------------------------------------------------


def test_gutenberg_edition_chapters_and_metadata() -> None:
    book = load_book(LANTERN)
    assert (book.title, book.authors, book.language) == ("The Lantern Keeper", ["Mara Quill"], "en")
    assert titles(book) == [
        "Chapter I. The Light on Gull Rock",
        "Chapter II. A Visitor in the Fog",
        "Chapter III. What the Tide Left",
    ]
    first, last = ends(book.chapters[0])
    assert first.startswith("Every evening at the turn of the tide, old Brannock climbed the ninety steps")
    assert last.endswith("He did not sleep until the first grey light came up over the water.")
    first, last = ends(book.chapters[1])
    assert first.startswith("The fog came in on the third morning and stayed for a week.")
    assert last == "Brannock considered this for a long moment, and then he held the door open for her."
    first, last = ends(book.chapters[2])
    assert first.startswith("When the fog lifted at last, the sea had left its usual gifts")
    assert last == "THE END"
    assert [c.source for c in book.chapters] == ["lantern-keeper-pg.txt:64", "lantern-keeper-pg.txt:102",
                                                 "lantern-keeper-pg.txt:128"]
    assert book.structure.startswith("Project Gutenberg plain text; 3 chapter headings")


def test_gutenberg_edition_leaves_out_everything_but_the_book() -> None:
    book = load_book(LANTERN)
    text = all_text(book)
    for unread in (
        "Project Gutenberg", "gutenberg.org", "This ebook is for the use", "Release date", "*** ",
        "Produced by", "Proofreading Team", "HARBOUR & FINCH", "ILLUSTRATED BY", "MARA QUILL",
        "CONTENTS", "PAGE", "LIST OF ILLUSTRATIONS", "Frontispiece", "lamp room at dusk",
        "Old Brannock at the rail", "Illustration", "Gull Skerry", "Footnote", "[1]",
        "Updated editions", "FULL LICENSE", "Section 1.",
    ):
        assert unread not in text, unread
    # Hard-wrapped lines are joined into paragraphs.
    assert "nested on its seaward side and screamed at him whenever he went down to the landing." in text
    assert all("\n" not in p for p in texts(book))


def test_gutenberg_edition_records_what_it_left_out() -> None:
    book = load_book(LANTERN)
    assert kinds(book) == ["licence", "transcriber-notes", "title-page", "contents", "contents",
                           "captions", "notes", "captions", "colophon", "licence"]
    by_kind = {o.kind: o for o in book.omitted}
    assert book.omitted[0].where == "lantern-keeper-pg.txt:1"
    assert book.omitted[0].excerpt.startswith("The Project Gutenberg eBook of The Lantern Keeper")
    assert book.omitted[-1].words > 100  # the licence
    assert by_kind["transcriber-notes"].excerpt.startswith("Produced by Imaginary Volunteers")
    assert by_kind["title-page"].excerpt.startswith("THE LANTERN KEEPER BY MARA QUILL")
    assert by_kind["notes"].where == "lantern-keeper-pg.txt:85"
    assert by_kind["colophon"].excerpt.startswith("HARBOUR & FINCH, PRINTERS")  # the printer, after THE END
    assert by_kind["notes"].excerpt.startswith("The rock is named on the old charts")
    captions = [o for o in book.omitted if o.kind == "captions"]
    assert [c.excerpt for c in captions] == ["The lamp room at dusk, with the great ...", "Old Brannock at the rail"]


def test_scene_break_marks_the_paragraph_before_it() -> None:
    chapter = load_book(LANTERN).chapters[0]
    breaks = [p.text for p in chapter.paragraphs if p.scene_break]
    assert breaks == ["On the night this story begins, the glass was falling fast. Brannock wrote the figure in "
                      "his log in a small, careful hand and underlined it twice."]
    assert not any(c.paragraphs[-1].scene_break for c in load_book(LANTERN).chapters)


@pytest.mark.parametrize("mode", ["skip", "inline", "end"])
def test_footnote_markers_are_removed_in_every_mode(mode: str) -> None:
    book = load_book(LANTERN, IngestOptions(notes=mode))
    paragraph = next(p.text for p in book.chapters[0].paragraphs if p.text.startswith("The rock itself"))
    assert "[1]" not in paragraph and "[1]" not in all_text(book)
    assert paragraph.startswith("The rock itself was no more than a black shoulder of stone in the sea.")


def test_footnotes_inline_follow_their_sentence() -> None:
    book = load_book(LANTERN, IngestOptions(notes="inline"))
    paragraphs = book.chapters[0].paragraphs
    k = next(i for i, p in enumerate(paragraphs) if p.text.startswith("The rock itself"))
    assert paragraphs[k].text == "The rock itself was no more than a black shoulder of stone in the sea."
    assert paragraphs[k + 1].kind == PARA_NOTE
    assert paragraphs[k + 1].text == ("Note: The rock is named on the old charts as Gull Skerry, though nobody on "
                                      "that coast has ever called it so.")
    assert paragraphs[k + 2].text.startswith("Gulls nested on its seaward side")
    assert "notes" not in kinds(book)


def test_footnotes_at_the_end_of_their_chapter() -> None:
    book = load_book(LANTERN, IngestOptions(notes="end"))
    paragraphs = book.chapters[0].paragraphs
    assert [p.kind for p in paragraphs[-2:]] == [PARA_NOTE, PARA_NOTE]
    assert paragraphs[-2].text == "Notes."
    assert paragraphs[-1].text.startswith("Note 1: The rock is named on the old charts as Gull Skerry")
    assert paragraphs[-3].text.endswith("first grey light came up over the water.")
    assert not paragraphs[-1].scene_break


def test_keep_brings_captions_and_credits_back() -> None:
    book = load_book(LANTERN, IngestOptions(keep=frozenset({"captions", "transcriber-notes"})))
    text = all_text(book)
    assert "The lamp room at dusk, with the great lens turning slowly behind the glass" in text
    assert "Old Brannock at the rail" in text
    assert "Produced by Imaginary Volunteers" in text
    assert "captions" not in kinds(book) and "transcriber-notes" not in kinds(book)
    assert "Project Gutenberg License included" not in text  # the licence is still left out


# --- an older Gutenberg edition ------------------------------------------------------------------


def test_older_edition_without_a_start_marker() -> None:
    # CRLF line ends, a byte-order mark, no "*** START" line, "End of the Project Gutenberg EBook of".
    assert ORCHARD.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in ORCHARD.read_bytes()
    book = load_book(ORCHARD)
    assert (book.title, book.authors, book.language) == ("Winter Orchard", ["Elias Thorne"], "en")
    assert titles(book) == ["Preface", "Chapter I. The Frost Comes Early", "Chapter II. A Letter from the Town"]
    first, last = ends(book.chapters[0])
    assert first.startswith("These chapters were written during two winters on a farm in the hills")
    assert last == "E. T."
    first, last = ends(book.chapters[1])
    assert first.startswith("The first frost came in the second week of October")
    assert last == "By evening the kitchen smelled of cider and wet wool, and nobody had the strength to talk about the harvest."
    first, last = ends(book.chapters[2])
    assert first.startswith("The letter arrived on a Tuesday, which was unusual")
    assert last.endswith('"it seems we are to have a visitor."')
    text = all_text(book)
    for unread in ("Project Gutenberg", "EBook", "This eBook is for the use", "Character set", "Transcriber",
                   "printing errors", "WINTER ORCHARD", "This file should be named", "~"):
        assert unread not in text, unread
    assert kinds(book) == ["licence", "title-page", "transcriber-notes", "licence"]


def test_older_edition_italics_and_breaks() -> None:
    book = load_book(ORCHARD)
    chapter = book.chapters[1]
    assert "like small lanterns that someone" in chapter.text and "_" not in chapter.text
    assert chapter.paragraphs[1].scene_break and not chapter.paragraphs[-1].scene_break


# --- books and parts, no Gutenberg header ---------------------------------------------------------


def test_books_group_chapters_and_prefix_their_first() -> None:
    book = load_book(HARBOURS)
    assert (book.title, book.authors) == ("The Two Harbours", ["Iris Calloway"])  # from the title page
    assert titles(book) == [
        "Book One. The North Harbour: Chapter 1. The Ferry",
        "Chapter 2. Salt and Iron",
        "Book Two. The South Harbour: Chapter 3. Crossing",
        "Chapter 4. The Lamp Makers",
        "Epilogue",
    ]
    expected = [
        ("The ferry left the north harbour at seven", "On the morning of her sixteenth birthday, the ferry did not come."),
        ("The salt works stood at the end of the north quay", "In the morning he was gone, and so was the rowing boat from under the slip."),
        ("The south harbour lay nine miles across the bay", "like light through a wave."),
        ("The lamp makers worked in a row of narrow houses", "as though he had been expecting her all along."),
        ("Years later, when the ferry ran again", "They told it wrong, of course, but she never corrected them."),
    ]
    for chapter, (first, last) in zip(book.chapters, expected, strict=True):
        assert chapter.paragraphs[0].text.startswith(first)
        assert chapter.paragraphs[-1].text.endswith(last)
    assert book.structure.startswith("5 chapter headings") and "2 of them open a book/part/volume" in book.structure
    assert book.chapters[0].source == "two-harbours.txt:29"  # the BOOK ONE line


def test_books_front_matter_and_notes() -> None:
    book = load_book(HARBOURS)
    text = all_text(book)
    for unread in ("A Novel in Two Books", "Copyright", "All rights reserved", "CONTENTS", "......", "[A]",
                   "harbour company kept the same boat", "*****", "---"):
        assert unread not in text, unread
    assert kinds(book) == ["title-page", "copyright", "contents", "notes"]
    assert [p.scene_break for p in book.chapters[1].paragraphs] == [False, True, False]
    assert [p.scene_break for p in book.chapters[3].paragraphs] == [True, False]
    inline = load_book(HARBOURS, IngestOptions(notes="inline"))
    ferry = [p.text for p in inline.chapters[0].paragraphs]
    assert ferry[1].endswith("the tide by the sound of the hull.")
    assert ferry[2] == "Note: The harbour company kept the same boat in service from 1889 until the breakwater was rebuilt."
    at_end = load_book(HARBOURS, IngestOptions(notes="end"))
    assert [p.text for p in at_end.chapters[0].paragraphs][-2:] == [
        "Notes.", "Note 1: The harbour company kept the same boat in service from 1889 until the breakwater was rebuilt.",
    ]
    assert "notes" not in kinds(at_end) and "[A]" not in all_text(at_end)


def test_small_file_with_a_paragraph_per_line(tmp_path: Path) -> None:
    book = load_book(write(tmp_path, "Line one is here.\nLine two is here.\nLine three.\n"))
    assert texts(book) == ["Line one is here.", "Line two is here.", "Line three."]
    book = load_book(write(tmp_path, "A sentence that is wrapped\nover two lines.\n", name="w.txt"))
    assert texts(book) == ["A sentence that is wrapped over two lines."]


# --- headings, front matter, contents -------------------------------------------------------------


def test_heading_shapes(tmp_path: Path) -> None:
    text = (
        "CHAPTER I. The Start\n\nOne.\n\n"
        "Chapter 2\n\nTwo.\n\n"
        "CHAPTER III\nTHE OLD MILL\n\nThree.\n\n"
        "STAVE FOUR.\n\nMARLEY'S GHOST.\n\nFour.\n\n"
        "LETTER 5\n\nFive.\n\n"
        "EPILOGUE\n\nThe end.\n"
    )
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["Chapter I. The Start", "Chapter 2", "Chapter III. The Old Mill", "Stave Four. Marley's Ghost.",
                            "Letter 5", "Epilogue"]
    assert texts(book) == ["One.", "Two.", "Three.", "Four.", "Five.", "The end."]


def test_roman_numerals_alone_are_headings(tmp_path: Path) -> None:
    text = "A Short Book\n\nby A. Writer\n\n\nI.\n\nFirst part.\n\nII.\n\nSecond part.\n\nIII\n\nThird part.\n"
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["I", "II", "III"]
    assert texts(book) == ["First part.", "Second part.", "Third part."]
    assert (book.title, book.authors) == ("A Short Book", ["A. Writer"])


def test_a_lone_numeral_is_not_a_heading(tmp_path: Path) -> None:
    book = load_book(write(tmp_path, "CHAPTER I\n\nShe counted.\n\n12.\n\nThen she stopped.\n", name="n.txt"))
    assert titles(book) == ["Chapter I"]
    assert texts(book) == ["She counted.", "12.", "Then she stopped."]


def test_a_sentence_that_starts_like_a_label_is_text(tmp_path: Path) -> None:
    text = "CHAPTER I\n\nIt began.\n\nPart of the money was never found, and nobody asked where it went.\n\nThe end.\n"
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["Chapter I"]
    assert len(book.chapters[0].paragraphs) == 3


def test_contents_without_prose_are_not_chapters(tmp_path: Path) -> None:
    text = (
        "CONTENTS\n\nCHAPTER I\n\nCHAPTER II\n\nCHAPTER III\n\n\n"
        "CHAPTER I\n\nThe first.\n\nCHAPTER II\n\nThe second.\n\nCHAPTER III\n\nThe third.\n"
    )
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["Chapter I", "Chapter II", "Chapter III"]
    assert kinds(book) == ["contents"]
    assert book.omitted[0].excerpt == "CONTENTS CHAPTER I CHAPTER II CHAPTER III"


def test_headings_listed_without_a_contents_line_are_dropped(tmp_path: Path) -> None:
    text = "CHAPTER I\n\nCHAPTER II\n\nCHAPTER I\n\nThe first.\n\nCHAPTER II\n\nThe second.\n"
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["Chapter I", "Chapter II"]
    assert set(kinds(book)) == {"contents"}


def test_contents_titles_without_labels_become_headings(tmp_path: Path) -> None:
    text = (
        "Contents\n\n    The Red Door\n    A Quiet Street\n\n\n\n"
        "The Red Door\n\n\nIt was painted every spring.\n\nNobody knew by whom.\n\n\n\n"
        "A Quiet Street\n\n\nThe street had no name.\n"
    )
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["The Red Door", "A Quiet Street"]
    assert texts(book) == ["It was painted every spring.", "Nobody knew by whom.", "The street had no name."]


def test_a_preface_without_a_heading_is_kept(tmp_path: Path) -> None:
    text = (
        "THE SALT ROAD\n\nby Ann Keel\n\n\n"
        "I wrote this book in the winter of my fortieth year, when the roads were closed and nobody "
        "came to the door.\n\n"
        "CHAPTER I\n\nThe road ran west.\n"
    )
    book = load_book(write(tmp_path, text, name="salt.txt"))
    assert titles(book) == ["The Salt Road", "Chapter I"]
    assert texts(book)[0].startswith("I wrote this book in the winter")
    assert kinds(book) == ["title-page"]
    assert "one chapter named after the book" in book.structure or "named after the book" in book.structure


def test_illustrated_editions_print_the_chapter_label_in_the_picture(tmp_path: Path) -> None:
    text = (
        "[Illustration: THE BOOK\n\nChapter I.]\n\n\n"
        "It was a truth that nobody doubted.\n\n\n\n"
        "CHAPTER II.\n\n[Illustration]\n\nThe second chapter.\n"
    )
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["Chapter I", "Chapter II"]
    assert texts(book) == ["It was a truth that nobody doubted.", "The second chapter."]
    assert kinds(book) == ["captions", "captions"]


# --- text without headings, odd layouts ----------------------------------------------------------


def test_plain_text_without_headings_is_one_chapter_named_after_the_file(tmp_path: Path) -> None:
    text = "A first paragraph that is\nwrapped over two lines.\n\nA second one.\n"
    book = load_book(write(tmp_path, text, name="quiet_evening-notes.txt"))
    assert (book.title, titles(book)) == ("quiet evening notes", ["quiet evening notes"])
    assert texts(book) == ["A first paragraph that is wrapped over two lines.", "A second one."]
    assert book.structure == "no chapter headings: the whole text is one chapter"
    assert book.omitted == []


def test_every_line_a_paragraph_when_there_are_no_blank_lines(tmp_path: Path) -> None:
    lines = [f"Line number {n} is a whole paragraph of its own and ends here." for n in range(1, 9)]
    book = load_book(write(tmp_path, "\n".join(lines) + "\n"))
    assert texts(book) == lines


def test_hard_wrapped_text_without_blank_lines_splits_at_indents(tmp_path: Path) -> None:
    text = (
        "    The first paragraph begins with an indent and then runs on over\n"
        "several lines that are wrapped at a fixed width, as old typescripts\n"
        "were, until it ends.\n"
        "    The second paragraph is indented as well and also runs over more\n"
        "than one line of text before it stops.\n"
        "    A third.\n"
    )
    book = load_book(write(tmp_path, text))
    assert len(texts(book)) == 3
    assert texts(book)[0].endswith("as old typescripts were, until it ends.")
    assert texts(book)[2] == "A third."


def test_long_unwrapped_lines_are_paragraphs(tmp_path: Path) -> None:
    long = "This paragraph was saved without line wrapping, so the whole of it sits on one line. " * 3
    text = "CHAPTER I\n\n" + long.strip() + "\n" + long.strip() + "\n"
    book = load_book(write(tmp_path, text))
    assert len(book.chapters[0].paragraphs) == 2


def test_scene_break_shapes(tmp_path: Path) -> None:
    text = "CHAPTER I\n\nA.\n\n* * *\n\nB.\n\n*****\n\nC.\n\n---\n\nD.\n\n   *\n\nE.\n\n~ ~ ~\n"
    book = load_book(write(tmp_path, text))
    assert [(p.text, p.scene_break) for p in book.chapters[0].paragraphs] == [
        ("A.", True), ("B.", True), ("C.", True), ("D.", True), ("E.", False),
    ]


def test_markdown_in_a_txt_file_is_read_as_markdown(tmp_path: Path) -> None:
    book = load_book(write(tmp_path, "# T\n\n## One\n\nText.\n\n## Two\n\nMore.\n"))
    assert titles(book) == ["One", "Two"]
    assert book.structure.startswith("Markdown in a .txt file")


def test_indented_paragraphs_in_a_txt_file(tmp_path: Path) -> None:
    # Formerly read as Markdown (so "CHAPTER I" was a paragraph); now it is the chapter's heading.
    path = write(tmp_path, "CHAPTER I\n\n    It was a dark night.\n\n    The wind blew.\n", name="story.txt")
    book = load_book(path)
    assert titles(book) == ["Chapter I"]
    assert texts(book) == ["It was a dark night.", "The wind blew."]


def test_japanese_aozora_text(tmp_path: Path) -> None:
    text = (
        "\ufeff星の井戸\n青木しずく\n\n"
        "-------------------------------------------------------\n"
        "【テキスト中に現れる記号について】\n\n《》：ルビ\n（例）井戸《いど》\n"
        "-------------------------------------------------------\n\n"
        "［＃５字下げ］一［＃「一」は中見出し］\n\n"
        "　むかし、村のはずれに古い井戸《いど》がありました。\n"
        "　夜になると、その底に星がひとつ光っていました。\n\n"
        "［＃５字下げ］二［＃「二」は中見出し］\n\n"
        "　ある晩、少女がその星をすくいに行きました。\n\n\n"
        "底本：「星の井戸」架空書房\n　　　2001年1月1日第1刷\n入力：架空の入力者\n"
    )
    book = load_book(write(tmp_path, text, name="hoshi.txt"))
    assert (book.title, book.authors, book.language) == ("星の井戸", ["青木しずく"], "ja")
    assert titles(book) == ["一", "二"]
    assert texts(book) == [
        "むかし、村のはずれに古い井戸《いど》がありました。",
        "夜になると、その底に星がひとつ光っていました。",
        "ある晩、少女がその星をすくいに行きました。",
    ]
    assert kinds(book) == ["title-page", "transcriber-notes", "colophon"]


def test_japanese_wrapped_lines_join_without_spaces(tmp_path: Path) -> None:
    book = load_book(write(tmp_path, "第一章　旅立ち\n\n朝になると、少女は\n井戸へ向かった。\n"))
    assert titles(book) == ["第一章 旅立ち"]
    assert texts(book) == ["朝になると、少女は井戸へ向かった。"]


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        ("Caf\u00e9 \u201cquoted\u201d text".encode("cp1252"), "not UTF-8 .*Windows-1252.*save it as UTF-8"),
        ("日本語の文章です。".encode("shift_jis"), "not UTF-8 .*Shift_JIS.*save it as UTF-8"),
        ("Some text.".encode("utf-16"), "UTF-16.*save it as UTF-8"),
        ("Some text without a BOM.".encode("utf-16-le"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"[Illustration]\n\n* * *\n", "no readable text"),
    ],
)
def test_unreadable_files_raise_one_clear_line(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=reason) as info:
        load_text(path, IngestOptions())
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


def test_licence_can_be_kept() -> None:
    book = load_book(LANTERN, IngestOptions(keep=frozenset({"licence"})))
    assert titles(book)[0] == "The Lantern Keeper" and titles(book)[-1] == "The Project Gutenberg License"
    assert "licence" not in kinds(book)


def test_a_list_of_illustrations_whose_captions_read_like_sentences_is_left_out(tmp_path: Path) -> None:
    captions = "\n".join(f"    The keeper climbs the stair, plate {n}." for n in range(1, 9))
    path = write(tmp_path, "THE LANTERN KEEPER\n\nIllustrations.\n\n\n" + captions + "\n\n\n\nCHAPTER I.\n\n"
                 "The lighthouse stood on a rock that the sea had been trying to swallow for a hundred years.\n"
                 "Every evening the keeper climbed the steps with a can of oil.\n")
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["Chapter I"]
    assert "plate" not in "\n".join(c.text for c in book.chapters)
    assert any(o.kind == "contents" and o.words > 40 for o in book.omitted)


def test_a_label_on_the_first_line_of_its_paragraph_still_starts_a_chapter(tmp_path: Path) -> None:
    text = ("Chapter I.\nTHE ROCK\nThe lighthouse stood on a rock that the sea had been trying to swallow for years.\n"
            "Every evening the keeper climbed the steps with a can of oil.\n\n"
            "Chapter II.\nTHE STORM\nShort first line.\nThe storm came on a Tuesday, which the keeper thought an insult.\n")
    book = load_book(write(tmp_path, text))
    assert [c.title for c in book.chapters] == ["Chapter I. The Rock", "Chapter II. The Storm"]
    assert book.chapters[1].paragraphs[0].text.startswith("Short first line.")


def test_unlabelled_titles_after_wide_gaps_are_chapters_when_nothing_is_labelled(tmp_path: Path) -> None:
    story = ("The keeper counted the steps as he climbed, one by one, every night of the year.\n\n"
             "He never missed a night, not in thirty-one years of keeping the light.\n")
    text = "".join(f"\n\n\n\n{title}\n\n{story}" for title in ("The Rock", "Gull's Warning", '"Fog! Fog!"'))
    book = load_book(write(tmp_path, "THE LANTERN KEEPER\n" + text))
    assert [c.title for c in book.chapters] == ["The Rock", "Gull's Warning", '"Fog! Fog!"']


# --- headings found by layout ---------------------------------------------------------------------

TALE = ("A certain king had a beautiful garden, and in the garden stood a tree which bore golden apples.\n"
        "These apples were always counted, and about the time when they began to grow ripe it was found\n"
        "that every night one of them was gone.\n\n"
        "The king became very angry at this, and ordered the gardener to keep watch all night.\n")


def test_titles_in_capitals_after_wide_gaps_are_chapters_beside_numbered_parts(tmp_path: Path) -> None:
    """Grimm's tales (a Gutenberg plain text): titles in capitals, four blank lines before each,
    and one tale in numbered parts. The numbered parts made the whole book three chapters."""
    text = "FAIRY TALES\n\nBy The Brothers Grimm\n"
    for title in ("THE GOLDEN BIRD", "HANS IN LUCK", "JORINDA AND JORINDEL"):
        text += f"\n\n\n\n{title}\n\n{TALE}"
    text += "\n\n\n\nTHE ADVENTURES OF CHANTICLEER AND PARTLET\n\n\n"
    for n, part in ((1, "HOW THEY WENT TO THE MOUNTAINS TO EAT NUTS"), (2, "HOW CHANTICLEER AND PARTLET WENT TO VISIT MR KORBES")):
        text += f"\n{n}. {part}\n\n{TALE}"
    text += f"\n\n\n\nRAPUNZEL\n\n{TALE}"
    book = load_book(write(tmp_path, text))
    assert titles(book) == [
        "The Golden Bird", "Hans in Luck", "Jorinda and Jorindel",
        "The Adventures of Chanticleer and Partlet: 1. How They Went to the Mountains to Eat Nuts",
        "2. How Chanticleer and Partlet Went to Visit Mr Korbes", "Rapunzel",
    ]
    assert book.structure.startswith("6 chapter headings")


def test_letters_days_lists_and_signatures_are_no_headings(tmp_path: Path) -> None:
    """An epistolary novel (shaped like Daddy-Long-Legs): letters headed by a day or a date,
    salutations, signatures, numbered lists whose last item prose follows, a time of day. No
    chapter headings: the book is one chapter (it was nine, each a list item or a date)."""
    letter = ("I have ever so many things to tell you, and the first is that college is the most\n"
              "wonderful place in the world, and I am the luckiest girl alive to be here.\n")
    heads = ["Tuesday", "Wednesday evening", "10th October", "Saturday morning", "The Ides of March", "9.45 p.m."]
    text = "DADDY-LONG-LEGS\n"
    for head in heads:
        text += f"\n\n\n\n{head}\n\nDear Daddy-Long-Legs,\n\n{letter}\n\n\n                                   Judy\n"
    text += ("\n\n\n\nSunday\n\nHere are the reasons:\n\nI. You are rich.\n\nII. You hate girls.\n\n"
             "III. You never write.\n\n" + letter)
    book = load_book(write(tmp_path, text, name="letters.txt"))
    assert len(book.chapters) == 1, titles(book)
    assert book.structure.endswith("the whole text is one chapter")


def test_a_plays_acts_are_chapters_and_its_speakers_are_not(tmp_path: Path) -> None:
    """A play: acts in capitals after wide gaps; speakers' names in capitals stand alone before
    their lines, each name many times: a speaker, not a heading."""
    speech = "I have been meaning to speak to you about the arrangements for this evening, my lord.\n"
    scene = "".join(f"\n\n{name}\n\n{speech}" for name in ("LANE.", "ALGERNON.", "LANE.", "ALGERNON.", "LANE."))
    text = "THE PLAY\n\nA Comedy\n" + "".join(f"\n\n\n\n{act}\n\nThe scene is a drawing-room, prettily furnished, with a window on the left.\n{scene}"
                                              for act in ("THE FIRST ACT", "THE SECOND ACT", "THE THIRD ACT"))
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["The First Act", "The Second Act", "The Third Act"]
    assert sum(p.text == "LANE." for p in book.chapters[0].paragraphs) == 3


def test_poem_titles_head_their_stanzas_and_a_refrain_does_not(tmp_path: Path) -> None:
    """Poetry: each poem's title in capitals over its stanzas is a chapter; a one-line refrain
    between stanzas, repeated, is verse."""
    stanza = "The wind was a torrent of darkness\nAmong the gusty trees,\nThe moon was a ghostly galleon\nTossed upon cloudy seas.\n"
    poem = f"{stanza}\n\nOver the cobbles he clattered\n\n{stanza}\n\nOver the cobbles he clattered\n\n{stanza}"
    text = "POEMS\n" + "".join(f"\n\n\n\n{t}\n\n{poem}" for t in ("THE HIGHWAYMAN", "THE BARREL-ORGAN", "A SONG OF SHERWOOD"))
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["The Highwayman", "The Barrel-Organ", "A Song of Sherwood"]
    assert all(len(c.paragraphs) == 5 for c in book.chapters)


def test_a_short_line_alone_once_or_twice_is_no_heading(tmp_path: Path) -> None:
    """Two short lines after wide gaps are no pattern: an epigraph's source, a dedication."""
    prose = "The lighthouse stood on a rock that the sea had been trying to swallow for a hundred years.\n"
    text = f"THE KEEPER\n\n\n\nTo My Father\n\n{prose}\n\n\n\nHomer\n\n{prose}\n\n{prose}"
    book = load_book(write(tmp_path, text))
    assert len(book.chapters) == 1


def test_numbered_letters_past_three_hundred_in_sequence_are_chapters(tmp_path: Path) -> None:
    """Beethoven's letters run from 216 to 476: numbers past 300 head chapters in a sequence
    (letters 301 on were read as one chapter); a year's numeral on a title page does not."""
    letter = "I only yesterday read your letter attentively at home, and I hasten to answer it now.\n"
    text = "LETTERS\n\n\nMCMIX.\n\n\n" + "".join(f"\n\n{n}.\n\nTo Zmeskall.\n\n{letter}" for n in range(298, 304))
    book = load_book(write(tmp_path, text))
    assert titles(book) == [f"{n}. To Zmeskall." for n in range(298, 304)]


def test_stories_numbered_over_their_numbered_parts_keep_every_story(tmp_path: Path) -> None:
    """"II. THE RED-HEADED LEAGUE" follows the first story's part "III.": a number one more than
    one before it, anywhere, is in a sequence (a neighbours-only check dropped stories II and III)."""
    prose = "The lighthouse stood on a rock that the sea had been trying to swallow for a hundred years.\n"
    text = "ADVENTURES\n"
    for number, title in (("I", "A SCANDAL IN BOHEMIA"), ("II", "THE RED-HEADED LEAGUE"), ("III", "A CASE OF IDENTITY")):
        text += f"\n\n\n\n{number}. {title}\n\n\n" + "".join(f"\n\n{part}.\n\n\n{prose}" for part in ("I", "II"))
    book = load_book(write(tmp_path, text))
    assert titles(book) == ["I. A Scandal in Bohemia: I", "II", "II. The Red-Headed League: I", "II",
                            "III. A Case of Identity: I", "II"]
