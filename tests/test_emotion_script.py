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
        PassageTag(0, 1, "neutral", 0.9, False, span=1),  # the narrator around the quote
        PassageTag(1, 0, "neutral", 0.7, False),
        PassageTag(1, 1, "sad", 0.75, False),
    ]


def test_round_trip_keeps_tags_and_awkward_text(tmp_path: Path) -> None:
    book = make_book()
    path = write_script(tmp_path / "script.tsv", book, make_tags())
    rows = read_script(path)
    assert [(r.chapter, r.paragraph, r.span, r.tag) for r in rows] == [
        (0, 0, 0, "neutral"),
        (0, 1, 0, "angry"),
        (0, 1, 1, "neutral"),
        (1, 0, 0, "neutral"),  # a quoted word inside a sentence is no speech: one row
        (1, 1, 0, "sad"),
    ]
    texts = [p.text for ch in book.chapters for p in ch.paragraphs]
    assert [r.text for r in rows] == [texts[0], "“Go away! Leave me alone!”", "she cried.\tSilence.", *texts[2:]]
    edited, tags = apply_script(book, rows, path)
    assert edited.to_dict() == book.to_dict()  # nothing edited: nothing changes, sentences kept
    assert [(t.paragraph, t.span, t.tag) for t in tags] == [
        (0, 0, "neutral"), (1, 0, "angry"), (1, 1, "neutral"), (0, 0, "neutral"), (1, 0, "sad")]
    assert [t.is_dialogue for t in tags] == [False, True, False, False, False]
    assert list(tmp_path.iterdir()) == [path]  # written atomically: no temp files left


def test_a_persons_edits_are_read_back(tmp_path: Path) -> None:
    book = make_book()
    path = write_script(tmp_path / "script.tsv", book, make_tags())
    text = path.read_text(encoding="utf-8")
    text = text.replace("2\t2\t1\tsad\t", "2\t2\t1\thappy\t").replace("The end came.", "The end came at last.")
    text = text.replace("1\t2\t1\tangry\t", "1\t2\t1\tNeutral\t")  # the quote's row; tags are case-insensitive
    text = text.replace("1\t2\t2\tneutral\t", "1\t2\t2\tsad\t")  # the narrator's row
    text = text.replace("she cried.", "she sobbed.")
    path.write_text(text, encoding="utf-8")
    edited, tags = apply_script(book, read_script(path), path)
    assert [t.tag for t in tags] == ["neutral", "neutral", "sad", "neutral", "happy"]
    # an edited span replaces its text in place, the whitespace between spans kept
    assert edited.chapters[0].paragraphs[1].text == "“Go away! Leave me alone!” she sobbed.\tSilence."
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
        (lambda t: t + "2\t3\t1\tsad\t\tno\t\tExtra.\n", "paragraph 3 is not in the book"),
        (lambda t: t.rsplit("\n2\t2\t", 1)[0] + "\n", "paragraph 2 is missing"),
        (lambda t: t.replace("\tThe end came.", "\t  "), "the text is empty"),
        (lambda t: t.replace("\tno\t\tThe end came.", "\tThe end came."), "expected 8 tab-separated columns"),
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


OLD_SCRIPT = """# Narration script. Edit a tag (one of: neutral, happy, sad, angry, fearful, surprised, disgusted) or the text, then rerun.
# Keep the chapter and paragraph numbers; score and dialogue are for information only.
chapter\tparagraph\ttag\tscore\tdialogue\ttext
1\t1\tneutral\t0.90\tno\tIt rained all day.
1\t2\tangry\t0.81\tyes\t"“Go away! Leave me alone!” she cried.\tSilence."
2\t1\tneutral\t0.70\tno\t"He said ""yes"", twice.
Then he left."
2\t2\tfearful\t0.75\tno\tThe end came at last.
"""


def test_a_script_written_before_spans_is_still_read(tmp_path: Path) -> None:
    # written by the code before spans: one row per paragraph, no span column
    book = make_book()
    path = tmp_path / "script.tsv"
    path.write_text(OLD_SCRIPT, encoding="utf-8")
    rows = read_script(path)
    assert [r.span for r in rows] == [None] * 4
    edited, tags = apply_script(book, rows, path)
    assert edited.chapters[0].paragraphs[1].text == book.chapters[0].paragraphs[1].text
    assert edited.chapters[1].paragraphs[1].text == "The end came at last."
    # the paragraph's tag covers each of its spans, as it covered the paragraph
    assert [(t.chapter, t.paragraph, t.span, t.tag, t.is_dialogue) for t in tags] == [
        (0, 0, 0, "neutral", False), (0, 1, 0, "angry", True), (0, 1, 1, "angry", False),
        (1, 0, 0, "neutral", False), (1, 1, 0, "fearful", False)]


def test_an_edit_that_changes_the_quotes_keeps_speech_and_narration_tags_apart(tmp_path: Path) -> None:
    book = make_book()
    path = write_script(tmp_path / "script.tsv", book, make_tags())
    text = path.read_text(encoding="utf-8").replace("“Go away! Leave me alone!”", "“Go away!” “Leave me alone!”")
    path.write_text(text, encoding="utf-8")
    edited, tags = apply_script(book, read_script(path), path)
    assert edited.chapters[0].paragraphs[1].text == "“Go away!” “Leave me alone!” she cried.\tSilence."
    assert [(t.span, t.tag, t.is_dialogue) for t in tags if (t.chapter, t.paragraph) == (0, 1)] == [
        (0, "angry", True), (1, "angry", True), (2, "neutral", False)]


def test_merge_takes_a_span_edit_and_follows_the_book_elsewhere(tmp_path: Path) -> None:
    from narration.emotion.script import (
        merge_script,
        paragraph_tags,
        read_script_base,
        write_script_base,
    )

    book = make_book()
    path = write_script(tmp_path / "script.tsv", book, make_tags())
    base_path = write_script_base(tmp_path / "base.json", book, paragraph_tags(make_tags()))
    assert read_script_base(base_path)[(0, 1)] == (book.chapters[0].paragraphs[1].text, ("angry", "neutral"))
    # a person tags the narrator's span; the book's author fixes a word in another paragraph
    path.write_text(path.read_text(encoding="utf-8").replace("1\t2\t2\tneutral\t", "1\t2\t2\tsad\t"), encoding="utf-8")
    changed = make_book()
    changed.chapters[0].paragraphs[0].text = "It rained all night."
    merged, tags = merge_script(changed, read_script(path), read_script_base(base_path), path)
    assert merged.chapters[0].paragraphs[0].text == "It rained all night."  # not edited in the script: the book's
    assert [(t.paragraph, t.span, t.tag) for t in tags if t.chapter == 0] == [(0, 0, "neutral"), (1, 0, "angry"),
                                                                              (1, 1, "sad")]


def test_merge_reads_a_base_written_before_spans(tmp_path: Path) -> None:
    import json

    from narration.emotion.script import merge_script, read_script_base

    book = make_book()
    path = tmp_path / "script.tsv"
    path.write_text(OLD_SCRIPT, encoding="utf-8")
    base = tmp_path / "base.json"
    texts = [(c, p, par.text) for c, ch in enumerate(book.chapters) for p, par in enumerate(ch.paragraphs)]
    tags = ["neutral", "angry", "neutral", "sad"]
    base.write_text(json.dumps({"paragraphs": [{"chapter": c, "paragraph": p, "text": t, "tag": tag}
                                               for (c, p, t), tag in zip(texts, tags)]}), encoding="utf-8")
    merged, tags = merge_script(book, read_script(path), read_script_base(base), path)
    assert merged.chapters[1].paragraphs[1].text == "The end came at last."  # the old script's edit
    assert [(t.paragraph, t.span, t.tag) for t in tags if t.chapter == 0] == [(0, 0, "neutral"), (1, 0, "angry"),
                                                                              (1, 1, "angry")]


def test_a_quote_tagged_in_the_script_is_its_own_chunk_in_the_plan(tmp_path: Path) -> None:
    from narration.options import NarrationOptions
    from narration.run.plan import plan_book

    source = tmp_path / "tale.md"
    source.write_text('# A Tale\n\n## One\n\n"How dare you!" he roared, slamming the door.\n\nIt was late.\n',
                      encoding="utf-8")
    options = NarrationOptions(backend="piper")
    before = plan_book(source, options)
    assert [c.source for c in before.chunks if c.paragraph is not None] == [
        '"How dare you!" he roared, slamming the door.', "It was late."]
    script = tmp_path / "script.tsv"
    write_script(script, before.book, [PassageTag(0, 0, "angry", 0.9, True), PassageTag(0, 0, "neutral", 0.9, False, span=1),
                                       PassageTag(0, 1, "neutral", 0.9, False)])
    plan = plan_book(source, options, script)
    assert [(c.source, c.style) for c in plan.chunks if c.paragraph is not None] == [
        ('"How dare you!"', "angry"), ("he roared, slamming the door.", "neutral"), ("It was late.", "neutral")]
    assert [c.index for c in plan.chunks] == list(range(len(plan.chunks)))
