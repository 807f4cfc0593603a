"""Hostile amounts of text (issue 26, items 2, 5 and 6): YAML aliases in front matter, markup
nested past libxml2's limits, giant text nodes and paragraphs, and books of a million
paragraphs. Each is read in full, split, or refused with one line naming the file; none is
dropped silently or left to run for minutes.

Real sizes are used where they are fast; elsewhere the limits are lowered.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import pysbd
import pytest
from epub_factory import Doc, TocEntry, write_epub

from narration.cli import main
from narration.errors import InputError
from narration.ingest import epub_chapters, load_book
from narration.ingest.limits import split_paragraph, split_text
from narration.ingest.safety import read_html_tree
from narration.model import Chapter, Paragraph
from narration.options import IngestOptions, NarrationOptions, TextLimits
from narration.run import plan
from narration.text import chunking, sentences
from narration.text.chunking import chunk_book, fit_sentence

SENTENCE = "The keeper climbed the hundred steps with a can of oil."


def words_read(path: Path, **options: object) -> list[str]:
    book = load_book(path, IngestOptions(**options))
    return [w for ch in book.chapters for p in ch.paragraphs for w in p.text.split()]


def one_chapter_epub(path: Path, body: str) -> Path:
    write_epub(path, [Doc("c1.xhtml", f"<h1>Chapter 1</h1>{body}")], [TocEntry("Chapter 1", "c1.xhtml")])
    return path


# -- YAML aliases in front matter -----------------------------------------------------------------


def alias_bomb(depth: int) -> str:
    """Each level lists the one before nine times: 9**depth strings from a few hundred bytes."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth + 1)]
    return "\n".join(lines) + f"\ntitle: *a{depth}\n"


@pytest.mark.parametrize("depth", [1, 8])
def test_front_matter_aliases_are_refused_before_they_expand(tmp_path: Path, depth: int) -> None:
    # Depth 8 is the 426-byte front matter: 28.6 s and 3.7 GB before.
    book = tmp_path / "aliases.md"
    book.write_text(f"---\n{alias_bomb(depth)}---\n\n# Chapter 1\n\n{SENTENCE}\n", encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(InputError, match="front matter uses YAML aliases") as caught:
        load_book(book)
    assert time.monotonic() - started < 5
    assert caught.value.path == str(book)


def test_front_matter_anchors_without_aliases_still_read(tmp_path: Path) -> None:
    book = tmp_path / "anchor.md"
    book.write_text(f"---\ntitle: &t The Lighthouse\nauthor: Ada Author\n---\n\n# Chapter 1\n\n{SENTENCE}\n",
                    encoding="utf-8")
    assert load_book(book).title == "The Lighthouse"


def test_front_matter_nested_past_the_stack_is_an_input_error(tmp_path: Path) -> None:
    book = tmp_path / "nested.md"
    book.write_text("---\ntitle: " + "[" * 5000 + "\n---\n\n# Chapter 1\n\nWords.\n", encoding="utf-8")
    with pytest.raises(InputError, match="front matter"):
        load_book(book)


# -- nesting depth and giant text nodes -------------------------------------------------------------


def test_text_nested_deeper_than_256_elements_is_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # 253 of 1,000 words were kept before, and nothing after the deep part.
    body = "<p>" + "".join(f"<b>w{i} " for i in range(1000)) + "</b>" * 1000 + " tail.</p><p>After the deep part.</p>"
    book = one_chapter_epub(tmp_path / "deep.epub", body)
    with caplog.at_level(logging.WARNING):
        words = words_read(book)
    assert words[:1000] == [f"w{i}" for i in range(1000)]
    assert words[-5:] == ["tail.", "After", "the", "deep", "part."]
    assert "nested more than 256 deep" in caplog.text


def test_unclosed_tags_past_libxml2s_ceiling_are_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The issue's 100,000 unclosed <b> (2,048 is libxml2's ceiling even with huge_tree).
    body = "<p>" + "".join(f"<b>w{i} " for i in range(100_000)) + "</p>"
    book = one_chapter_epub(tmp_path / "unclosed.epub", body)
    with caplog.at_level(logging.WARNING):
        words = words_read(book)
    assert words == [f"w{i}" for i in range(100_000)]
    assert "nested more than 256 deep" in caplog.text


def test_deep_structure_that_cannot_be_flattened_is_refused(tmp_path: Path) -> None:
    body = "".join(f"<div>w{i} " for i in range(3000)) + "</div>" * 3000
    book = one_chapter_epub(tmp_path / "divs.epub", body)
    with pytest.raises(InputError, match="nested more than 2048 deep") as caught:
        load_book(book)
    assert caught.value.path == str(book) and "c1.xhtml" in caught.value.reason


def test_divs_nested_between_256_and_2048_deep_are_read_run_together(tmp_path: Path) -> None:
    body = "".join(f"<div><p>w{i}</p>" for i in range(400)) + "</div>" * 400 + "<p>The end.</p>"
    words = words_read(one_chapter_epub(tmp_path / "divs.epub", body))
    assert words == [f"w{i}" for i in range(400)] + ["The", "end."]


@pytest.mark.parametrize("well_formed", [True, False])
def test_a_text_node_over_10_mb_does_not_end_the_document(well_formed: bool) -> None:
    # libxml2 stops at a 10 MB text node without huge_tree; the XHTML and the HTML parser both did.
    close = "</p>" if well_formed else "<br>"  # an unclosed <br> sends it to the HTML parser
    text = "word " * 2_100_000
    doc = (f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{text}{close}<p>After the node.</p>'
           "</body></html>").encode()
    root = read_html_tree(doc, "big.xhtml")
    assert "".join(root.itertext()).split()[-3:] == ["After", "the", "node."]


# -- characters per paragraph --------------------------------------------------------------------


def test_a_long_paragraph_is_split_at_sentence_ends(tmp_path: Path) -> None:
    sentences = [f"Sentence number {i} is here, and it ends now." for i in range(100)]
    book = tmp_path / "long.md"
    book.write_text("# Chapter 1\n\n" + " ".join(sentences) + "\n\nThe next paragraph.\n", encoding="utf-8")
    paragraphs = [p.text for ch in load_book(book, IngestOptions(limits=TextLimits(paragraph_chars=1000))).chapters
                  for p in ch.paragraphs]
    assert len(paragraphs) > 4 and all(len(p) <= 1000 for p in paragraphs)
    assert all(p.endswith(".") for p in paragraphs)
    assert " ".join(paragraphs) == " ".join([*sentences, "The next paragraph."])


def test_a_paragraph_without_sentence_ends_is_split_at_spaces() -> None:
    text = " ".join(f"w{i}" for i in range(2000))
    parts = split_text(text, 500)
    assert all(len(p) <= 500 for p in parts) and " ".join(parts) == text


def test_one_word_longer_than_the_limit_is_cut_and_a_scene_break_follows_the_last_part() -> None:
    parts = split_paragraph(Paragraph("x" * 250, scene_break=True), 100)
    assert [len(p.text) for p in parts] == [100, 100, 50]
    assert [p.scene_break for p in parts] == [False, False, True]


def test_paragraphs_within_the_limit_are_the_same_objects(tmp_path: Path) -> None:
    book = tmp_path / "fine.md"
    book.write_text(f"# Chapter 1\n\n{SENTENCE}\n\n{SENTENCE}\n", encoding="utf-8")
    assert [p.text for p in load_book(book).chapters[0].paragraphs] == [SENTENCE, SENTENCE]


# -- paragraphs and characters per book ------------------------------------------------------------


@pytest.mark.parametrize("block", ["ab\n\n", "- ab\n"])
def test_a_million_tiny_paragraphs_are_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], block: str
) -> None:
    # The 5 MB Markdown file: killed at 120 s and 2 GB before (a list of a million
    # items, with no blank line between them: 66 s and 2.5 GB in Markdown's parser).
    book = tmp_path / "tiny.md"
    book.write_text("# Chapter 1\n\n" + block * 1_000_000, encoding="utf-8")
    started = time.monotonic()
    assert main([str(book), "--dry-run", "--out", str(tmp_path / "out")]) == 2
    assert time.monotonic() - started < 20
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "tiny.md" in lines[0] and "--max-book-paragraphs" in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_an_epub_of_too_many_paragraphs_is_refused_before_it_is_walked(tmp_path: Path) -> None:
    # A million took 93.6 s to walk (a 19 KB file); 300,000 keep the test short.
    book = one_chapter_epub(tmp_path / "many.epub", "<p>ab</p>" * 300_000)
    started = time.monotonic()
    with pytest.raises(InputError, match="300,001 paragraphs, over the limit of 200,000"):
        load_book(book)
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("suffix", [".md", ".txt", ".epub", "-div.epub"])
def test_books_over_the_paragraph_limit_are_refused(tmp_path: Path, suffix: str) -> None:
    # ("-div": paragraphs in <div>s, which the count before the walk does not see; the count of
    # the paragraphs read does.)
    paragraphs = [f"Paragraph {i} of the book." for i in range(30)]
    book = tmp_path / f"many{suffix}"
    if suffix.endswith(".epub"):
        tag = "div" if suffix.startswith("-div") else "p"
        one_chapter_epub(book, "".join(f"<{tag}>{p}</{tag}>" for p in paragraphs))
    else:
        book.write_text("Chapter 1\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    assert len(words_read(book, limits=TextLimits(book_paragraphs=40))) >= 30 * 5
    with pytest.raises(InputError, match="over the limit of 20 paragraphs") as caught:
        load_book(book, IngestOptions(limits=TextLimits(book_paragraphs=20)))
    assert caught.value.path == str(book)


@pytest.mark.parametrize("suffix", [".md", ".epub"])
def test_books_over_the_character_limit_are_refused(tmp_path: Path, suffix: str) -> None:
    book = tmp_path / f"long{suffix}"
    if suffix == ".epub":
        one_chapter_epub(book, f"<p>{SENTENCE * 40}</p>")
    else:
        book.write_text(f"# Chapter 1\n\n{SENTENCE * 40}\n", encoding="utf-8")
    with pytest.raises(InputError, match="--max-book-chars"):
        load_book(book, IngestOptions(limits=TextLimits(book_chars=1000)))


def test_the_limits_are_command_line_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "book.md"
    book.write_text("# Chapter 1\n\n" + "\n\n".join([SENTENCE] * 12) + "\n", encoding="utf-8")
    assert main([str(book), "--dry-run", "--max-book-paragraphs", "5"]) == 2
    assert "over the limit of 5 paragraphs" in capsys.readouterr().err
    assert main([str(book), "--dry-run", "--max-paragraph-chars", "100"]) == 0


def test_the_inbox_fingerprint_changes_only_when_a_limit_is_set() -> None:
    assert '"limits"' not in NarrationOptions().flat_json()
    assert '"book_chars":1000' in NarrationOptions(ingest={"limits": {"book_chars": 1000}}).flat_json()


# -- planning speed on a giant paragraph -------------------------------------------------------------


def test_chunking_a_sentence_without_punctuation_normalises_a_few_spans_a_piece(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The chunker normalised every candidate span word by word: about one normalisation a word,
    # 30 s for a 1 MB paragraph without punctuation.
    calls = 0
    original = chunking.normalize

    def counting(*args: object, **kwargs: object) -> str:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(chunking, "normalize", counting)
    text = " ".join(["crow", "sat", "upon", "a", "branch", "of", "tall", "oak"] * 1500)
    pieces = fit_sentence(text, "en", 400)
    assert " ".join(p.source for p in pieces) == text and all(len(p.text) <= 400 for p in pieces)
    assert calls < 10 * len(pieces), (calls, len(pieces))


class _CountingText(str):
    finds = 0

    def find(self, *args: object) -> int:  # type: ignore[override]
        _CountingText.finds += 1
        return super().find(*args)  # type: ignore[arg-type]


def test_a_sentence_repeated_thousands_of_times_is_found_once_each() -> None:
    # Each copy of a sentence searched the paragraph from its start, past every copy before it:
    # a 1 MB paragraph of "The cat sat. " took 66 s to plan, 12 s a 50,000-character part.
    _CountingText.finds = 0
    rng = random.Random(5)
    found = [rng.choice(["The cat sat.", "It sat.", "Then the cat sat on the mat."]) for _ in range(1500)]
    text = _CountingText("  ".join(found) + " ")
    spans = sentences._sentence_spans(found, text)
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    segmenter.original_text = str(text)
    assert spans == [span.sent for span in segmenter.sentences_with_char_spans(found)]
    assert _CountingText.finds <= 2 * len(found)


def test_planning_goes_over_the_chunks_once_however_many_chapters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each chapter's chunks were picked out of all the book's chunks: 48 s for 20,000 chapters.
    passes = 0

    class CountingList(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            nonlocal passes
            passes += 1
            return super().__iter__()

    monkeypatch.setattr(plan, "chunk_book", lambda *a, **k: CountingList(chunk_book(*a, **k)))
    book = tmp_path / "chapters.md"
    book.write_text("".join(f"# Chapter {i}\n\n{SENTENCE}\n\n" for i in range(1, 51)), encoding="utf-8")
    planned = plan.plan_book(book, NarrationOptions(backend="piper", emotion={"enabled": False}))
    assert [len(ch.chunks) for ch in planned.chapters] == [2] * 50  # the spoken title, the sentence
    assert passes <= 3, passes


def test_leading_short_chapters_look_their_titles_up_in_the_left_out_pages_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every short chapter at the front normalised every title-page line left out before it:
    # 40 s of a 5,000-chapter EPUB's planning.
    calls = 0
    original = epub_chapters._norm

    def counting(text: str) -> str:
        nonlocal calls
        calls += 1
        return original(text)

    monkeypatch.setattr(epub_chapters, "_norm", counting)
    chapters = []
    for i in range(200):
        chapters.append(Chapter(f"Notice {i}", [Paragraph(f"Copyright {1800 + i} by Ada Author. All rights reserved.")]))
        chapters.append(Chapter(f"Poem {i}", [Paragraph("The sea was calm and the keeper slept until the morning came.")]))
    chapters.append(Chapter("Frederick Warne", [Paragraph("The sea was calm and the keeper slept until dawn.")]))
    omitted: list = []
    kept = epub_chapters.without_title_pages(chapters, "The Lighthouse", ["Ada Author"], frozenset(), omitted)
    assert [ch.title for ch in kept] == [f"Poem {i}" for i in range(200)] + ["Frederick Warne"]
    assert len(omitted) == 200 and calls < 5 * len(chapters), calls
    # A chapter named by a line of a page left out still takes the book's title.
    pages = [Chapter("Imprint", [Paragraph("FREDERICK WARNE & CO.\nLONDON 1902")])]
    kept = epub_chapters.without_title_pages([*pages, chapters[-1]], "The Lighthouse", [], frozenset(), [])
    assert [ch.title for ch in kept] == ["The Lighthouse"]


def test_a_sentence_end_near_the_start_of_a_part_does_not_make_a_sliver() -> None:
    text = "Yes. " + " ".join(f"w{i}" for i in range(400))
    parts = split_text(text, 300)
    assert all(len(p) > 150 for p in parts[:-1]) and " ".join(parts) == text
