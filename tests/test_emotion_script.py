"""The editable narration script: written, edited by a person, read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration.emotion.script import apply_script, read_script, write_script
from narration.emotion.tagging import PassageTag
from narration.errors import InputError
from narration.model import Book, Chapter, Paragraph
from narration.text import segment_book


def make_book() -> Book:
    return segment_book(
        Book(
            title="Script",
            chapters=[
                Chapter(
                    "One",
                    [Paragraph("It rained all day."), Paragraph("“Go away! Leave me alone!” she cried.\tSilence.")],
                ),
                Chapter("Two", [Paragraph('He said "yes", twice.\nThen he left.'), Paragraph("The end came.")]),
            ],
        )
    )


def make_tags() -> list[PassageTag]:
    return [
        PassageTag(0, 0, "neutral", 0.9, False),
        PassageTag(0, 1, "angry", 0.81, True),
        PassageTag(1, 0, "neutral", 0.7, False),
        PassageTag(1, 1, "sad", 0.75, False),
    ]


def test_round_trip_keeps_tags_and_awkward_text(tmp_path: Path) -> None:
    book = make_book()
    path = write_script(tmp_path / "script.tsv", book, make_tags())
    rows = read_script(path)
    assert [(r.chapter, r.paragraph, r.tag) for r in rows] == [
        (0, 0, "neutral"),
        (0, 1, "angry"),
        (1, 0, "neutral"),
        (1, 1, "sad"),
    ]
    assert [r.text for r in rows] == [p.text for ch in book.chapters for p in ch.paragraphs]
    edited, tags = apply_script(book, rows, path)
    assert edited.to_dict() == book.to_dict()  # nothing edited: nothing changes, sentences kept
    assert [t.tag for t in tags] == ["neutral", "angry", "neutral", "sad"]
    assert [t.is_dialogue for t in tags] == [False, True, False, False]
    assert list(tmp_path.iterdir()) == [path]  # written atomically: no temp files left


def test_a_persons_edits_are_read_back(tmp_path: Path) -> None:
    book = make_book()
    path = write_script(tmp_path / "script.tsv", book, make_tags())
    text = path.read_text(encoding="utf-8")
    text = text.replace("2\t2\tsad\t", "2\t2\thappy\t").replace("The end came.", "The end came at last.")
    text = text.replace("1\t2\tangry\t", "1\t2\tNeutral\t")  # chapter 1 paragraph 2; tags are case-insensitive
    path.write_text(text, encoding="utf-8")
    edited, tags = apply_script(book, read_script(path), path)
    assert [t.tag for t in tags] == ["neutral", "neutral", "neutral", "happy"]
    assert edited.chapters[1].paragraphs[1].text == "The end came at last."
    assert edited.chapters[1].paragraphs[1].sentences == []  # re-split by the text stage
    assert edited.chapters[0].paragraphs[0].sentences == book.chapters[0].paragraphs[0].sentences
    assert book.chapters[1].paragraphs[1].text == "The end came."  # the input book is untouched


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("\tangry\t", "\tfurious\t"), "line 5: unknown tag 'furious'"),
        (lambda t: t.replace("chapter\tparagraph", "chap\tparagraph"), "expected the header"),
        (lambda t: t.replace("\n2\t1\t", "\nx\t1\t", 1), "chapter 'x' is not a number"),
        (lambda t: t.replace("\n2\t1\t", "\n2\t0\t", 1), "paragraph must be 1 or more"),
        (lambda t: t.replace("\n2\t2\t", "\n2\t1\t", 1), "listed twice"),
        (lambda t: t + "2\t3\tsad\t\tno\tExtra.\n", "paragraph 3 is not in the book"),
        (lambda t: t.rsplit("\n2\t2\t", 1)[0] + "\n", "paragraph 2 is missing"),
        (lambda t: t.replace("\tThe end came.", "\t  "), "the text is empty"),
        (lambda t: t.replace("\tno\tThe end came.", "\tThe end came."), "expected 6 tab-separated columns"),
    ],
)
def test_broken_scripts_name_the_file_and_the_problem(tmp_path: Path, edit, message: str) -> None:
    book = make_book()
    path = write_script(tmp_path / "script.tsv", book, make_tags())
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        apply_script(book, read_script(path), path)
    assert str(path) in str(error.value)


def test_a_missing_script_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_script(tmp_path / "none.tsv")
