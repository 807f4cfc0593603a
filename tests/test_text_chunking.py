"""Chunking: every word of the book lands in exactly one chunk, no chunk is too long."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narration.errors import ConfigError
from narration.model import PAUSE_PARAGRAPH, PAUSE_SENTENCE, PAUSE_TITLE, Book, Chapter, Chunk, Paragraph
from narration.text.chunking import chunk_book
from narration.text.normalize import normalize


def _words(text: str) -> list[str]:
    # A word cut in two shows up as two words here, so equality also proves no word was split.
    return re.findall(r"\w+", text)


def _book(paragraphs: list[str], title: str = "Chapter I", language: str = "en") -> Book:
    return Book("t", language=language, chapters=[Chapter(title, [Paragraph(p) for p in paragraphs])])


def _check_chunks(book: Book, chunks: list[Chunk], max_chars: int) -> None:
    """The invariants every chunking must hold."""
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(0 < len(c.text) <= max_chars for c in chunks), [c.text for c in chunks if len(c.text) > max_chars]
    assert all(c.language == book.language for c in chunks)
    assert [c.chapter for c in chunks] == sorted(c.chapter for c in chunks)
    for number, chapter in enumerate(book.chapters):
        mine = [c for c in chunks if c.chapter == number and c.pause_after != PAUSE_TITLE]
        assert _words(" ".join(c.source for c in mine)) == _words(chapter.text)


# Sentences built to stress normalisation and splitting: abbreviations, money, years, quotes.
_WORDS = st.sampled_from(
    ["the", "cat", "Mr.", "Smith", "paid", "$3.50", "in", "1984", "Dr.", "St.", "Louis", "e.g.",
     "extraordinarily", "(really)", '"yes,"', "she", "said", "1,234", "—", "22nd", "50%", "and",
     "3:30", "pm", "Henry", "VIII", "antidisestablishmentarianism"]
)
_SENTENCE = st.tuples(
    st.lists(_WORDS, min_size=1, max_size=40),
    st.sampled_from([".", "!", "?", "...", ""]),
    st.sampled_from([",", ";", ""]),
).map(lambda t: " ".join(w + (t[2] if i % 5 == 4 else "") for i, w in enumerate(t[0])) + t[1])
_PARAGRAPH = st.lists(_SENTENCE, min_size=1, max_size=6).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(_PARAGRAPH, min_size=1, max_size=4), st.integers(min_value=60, max_value=400))
def test_chunks_cover_every_word_and_fit(paragraphs: list[str], max_chars: int) -> None:
    book = _book(paragraphs)
    chunks = chunk_book(book, max_chars)
    _check_chunks(book, chunks, max_chars)
    # One paragraph pause per paragraph, at the end of each.
    body = [c for c in chunks if c.pause_after != PAUSE_TITLE]
    assert sum(c.pause_after == PAUSE_PARAGRAPH for c in body) == len(paragraphs)
    assert body[-1].pause_after == PAUSE_PARAGRAPH


_LONG_WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]


def _long_sentence(chars: int, comma_every: int | None) -> str:
    words: list[str] = []
    while len(" ".join(words)) < chars:
        word = _LONG_WORDS[len(words) % len(_LONG_WORDS)]
        if comma_every and len(words) % comma_every == comma_every - 1:
            word += ","
        words.append(word)
    return " ".join(words) + "."


@pytest.mark.parametrize("comma_every", [None, 7, 40])
@pytest.mark.parametrize("max_chars", [50, 120, 300])
def test_over_long_sentence_is_cut_between_words(comma_every: int | None, max_chars: int) -> None:
    sentence = _long_sentence(1000, comma_every)
    book = _book(["A short one. " + sentence + " And a tail."])
    chunks = chunk_book(book, max_chars)
    _check_chunks(book, chunks, max_chars)
    body = [c for c in chunks if c.pause_after != PAUSE_TITLE]
    assert [c.pause_after for c in body] == [PAUSE_SENTENCE] * (len(body) - 1) + [PAUSE_PARAGRAPH]
    assert len(body) >= 1000 // max_chars


def test_over_long_sentence_prefers_clause_boundaries() -> None:
    sentence = _long_sentence(1000, 7)
    chunks = chunk_book(_book([sentence], title=""), 120)
    # Every cut but the sentence's end falls right after a comma.
    assert all(c.source.endswith(",") for c in chunks[:-1])


def test_no_cut_between_a_title_and_its_name() -> None:
    text = "Yesterday Mr. Smith and Dr. Jones met at No. 5 with St. Paul and Mrs. Brown and others for tea."
    for max_chars in (20, 30, 45):
        sources = [c.source for c in chunk_book(_book([text], title=""), max_chars)]
        assert len(sources) > 1
        assert not any(re.search(r"\b(Mr|Dr|No|St|Mrs)\.$", s) for s in sources), sources


def test_clause_cut_ignores_commas_inside_numbers() -> None:
    sentence = "He counted 1,234,567 coins and 2,345,678 buttons and 3,456,789 pins " * 3
    chunks = chunk_book(_book([sentence.strip() + "."], title=""), 150)
    assert all(not re.search(r"\d,$|^\d{3}\b", c.source) for c in chunks)


def test_short_sentences_share_a_chunk_until_full() -> None:
    sentences = ["Mr. Smith left.", "He came back.", "Then he left again for good."]
    book = _book([" ".join(sentences)], title="")
    spoken = [normalize(s, "en") for s in sentences]
    limit = len(spoken[0]) + 1 + len(spoken[1])  # room for exactly the first two
    chunks = chunk_book(book, limit)
    assert [c.text for c in chunks] == [f"{spoken[0]} {spoken[1]}", spoken[2]]
    assert [c.source for c in chunks] == [f"{sentences[0]} {sentences[1]}", sentences[2]]
    assert [c.pause_after for c in chunks] == [PAUSE_SENTENCE, PAUSE_PARAGRAPH]


def test_text_is_normalised_and_length_is_measured_after_normalising() -> None:
    source = "It cost $1,234,567.89 in 1984."
    spoken = normalize(source, "en")
    assert len(source) < 40 < len(spoken)
    chunks = chunk_book(_book([source], title=""), 40)
    assert all(len(c.text) <= 40 for c in chunks) and len(chunks) > 1
    assert chunk_book(_book([source], title=""), len(spoken))[0].text == spoken


def test_titles_and_indices_across_chapters() -> None:
    book = Book(
        "t",
        language="en",
        chapters=[
            Chapter("Chapter IV", [Paragraph("One. Two."), Paragraph("Three.")]),
            Chapter("", [Paragraph("Four.")]),  # no title, no title chunk
            Chapter("Epilogue", [Paragraph("Five.")]),
        ],
    )
    chunks = chunk_book(book, 200)
    assert [(c.chapter, c.index, c.text, c.pause_after) for c in chunks] == [
        (0, 0, "Chapter four", PAUSE_TITLE),
        (0, 1, "One. Two.", PAUSE_PARAGRAPH),
        (0, 2, "Three.", PAUSE_PARAGRAPH),
        (1, 3, "Four.", PAUSE_PARAGRAPH),
        (2, 4, "Epilogue", PAUSE_TITLE),
        (2, 5, "Five.", PAUSE_PARAGRAPH),
    ]


def test_given_sentences_are_used_and_the_book_is_not_modified() -> None:
    book = Book("t", chapters=[Chapter("", [Paragraph("A b. C d.", ["A b. C", "d."])])])
    before = book.to_json()
    chunks = chunk_book(book, 4)
    assert [c.source for c in chunks] == ["A b.", "C", "d."]
    assert book.to_json() == before


def test_unspeakable_paragraphs_make_no_chunks() -> None:
    chunks = chunk_book(_book(["* * *", "Real text."], title=""), 100)
    assert [c.text for c in chunks] == ["Real text."]


def test_single_word_spoken_longer_than_the_limit() -> None:
    book = _book(["Pay $1,234,567,891.23 now."], title="")
    chunks = chunk_book(book, 30)
    _check_chunks(book, chunks, 30)


@pytest.mark.parametrize("max_chars", [0, -5])
def test_bad_max_chars_is_a_config_error(max_chars: int) -> None:
    with pytest.raises(ConfigError, match="max_chars"):
        chunk_book(_book(["Text."]), max_chars)


# -- Japanese -------------------------------------------------------------------------------------

QUOTE = "「こんにちは、ねぎです。2026年のAI技術、本当にすごい進化を遂げましたね！」"


def _ja_check(book: Book, chunks: list[Chunk], max_chars: int) -> None:
    assert all(0 < len(c.text) <= max_chars for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    body = "".join(c.source for c in chunks if c.pause_after != PAUSE_TITLE)
    assert re.sub(r"\s", "", body) == re.sub(r"\s", "", book.chapters[0].text)


def test_japanese_sentences_join_without_spaces() -> None:
    text = QUOTE + "と彼は言った。次の文です。"
    book = _book([text], title="第一章", language="ja")
    chunks = chunk_book(book, 200)
    assert [(c.source, c.pause_after) for c in chunks] == [("第一章", PAUSE_TITLE), (text, PAUSE_PARAGRAPH)]
    assert all(c.language == "ja" for c in chunks)


def test_japanese_long_sentence_cuts_at_the_comma_first() -> None:
    book = _book([QUOTE + "と彼は言った。"], title="", language="ja")
    chunks = chunk_book(book, 30)
    _ja_check(book, chunks, 30)
    assert all(c.source.endswith("、") for c in chunks[:-1])


def test_japanese_without_commas_cuts_by_characters_but_keeps_latin_words() -> None:
    text = "本当にすごい進化を遂げましたねAIとTECHNOLOGYの時代です" * 8 + "。"
    book = _book([text], title="", language="ja")
    chunks = chunk_book(book, 25)
    _ja_check(book, chunks, 25)
    assert all(not (a.source[-1].isascii() and b.source[0].isascii()) for a, b in pairwise(chunks))


_JA_PARTS = st.sampled_from(
    ["こんにちは", "です", "。", "、", "！", "「", "」", "と", "彼は言った", "AI", "２０２６年", "本当に"]
)
_JA_PARAGRAPH = st.lists(_JA_PARTS, min_size=1, max_size=40).map("".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(_JA_PARAGRAPH, min_size=1, max_size=3), st.integers(10, 120))
def test_japanese_chunks_cover_every_character(paragraphs: list[str], max_chars: int) -> None:
    book = _book(paragraphs, title="", language="ja")
    chunks = chunk_book(book, max_chars)
    _ja_check(book, chunks, max_chars)
