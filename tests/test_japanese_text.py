"""Japanese sentences and chunks: split on 。！？ and after closing quotes, never inside 「」;
chunk bounds count characters of the spoken (normalised) text."""

from __future__ import annotations

from narration.model import Book, Chapter, Paragraph
from narration.text.chunking import chunk_book
from narration.text.normalize import normalize
from narration.text.sentences import split_sentences

SEED = "こんにちは、ねぎです。2026年のAI技術、本当にすごい進化を遂げましたね！"


def test_seed_sentence_splits_on_its_full_stop_and_stays_whole_in_quotes() -> None:
    assert split_sentences(SEED, "ja") == ["こんにちは、ねぎです。", "2026年のAI技術、本当にすごい進化を遂げましたね！"]
    quoted = f"「{SEED}」"
    assert split_sentences(quoted, "ja") == [quoted]
    said = f"彼女は{quoted}と言った。それから笑った。"
    assert split_sentences(said, "ja") == [f"彼女は{quoted}と言った。", "それから笑った。"]


def test_ruby_never_splits_a_sentence() -> None:
    text = "｜犍陀多《かんだた》は「しめた。しめた。」と笑いました。ところが罪人たちが来ました。"
    assert split_sentences(text, "ja") == ["｜犍陀多《かんだた》は「しめた。しめた。」と笑いました。", "ところが罪人たちが来ました。"]


def _book(*paragraphs: str) -> Book:
    return Book("本", language="ja", chapters=[Chapter("", [Paragraph(p) for p in paragraphs])])


def test_chunks_are_bounded_in_spoken_characters() -> None:
    # Written short, spoken long: 12 characters that read as 29.
    chunks = chunk_book(_book("2026年3月5日と12345円。" * 4), max_chars=40)
    assert all(len(c.text) <= 40 for c in chunks)
    assert len(chunks) == 4 and chunks[0].text == "ニセンニジューロクネンサンガツイツカとイチマンニセンサンビャクヨンジューゴエン。"
    assert "".join(c.source for c in chunks) == "2026年3月5日と12345円。" * 4


def test_seed_sentence_chunk_speaks_readings_and_joins_without_spaces() -> None:
    [chunk] = chunk_book(_book(SEED), max_chars=150)
    assert chunk.source == SEED
    assert chunk.text == normalize(SEED, "ja")
    assert " " not in chunk.text and "ニセンニジューロクネン" in chunk.text and "エーアイ" in chunk.text


def test_long_quote_is_cut_at_commas_not_inside_a_word() -> None:
    quote = "「" + "、".join(["いや、これも小さいながら命のあるものに違いない"] * 4) + "。」"
    chunks = chunk_book(_book(quote), max_chars=60)
    assert len(chunks) > 1 and all(len(c.text) <= 60 for c in chunks)
    assert "".join(c.source for c in chunks) == quote
    assert all(c.source.endswith(("、", "。」")) for c in chunks)
