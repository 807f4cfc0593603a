"""Sentence segmentation: right cuts for English and Japanese, and never a lost character."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narration.model import Book, Chapter, Paragraph
from narration.text.sentences import segment_book, split_sentences

ENGLISH = [
    (
        "Mr. Smith went to Washington. He met Dr. Jones there.",
        ["Mr. Smith went to Washington.", "He met Dr. Jones there."],
    ),
    ('"Hello," she said. "Bye." Then nothing.', ['"Hello," she said.', '"Bye."', "Then nothing."]),
    ("He waited... and waited. Then he left.", ["He waited... and waited.", "Then he left."]),
    ("It cost $3.50. That is 1.5 times more, e.g. a lot.", ["It cost $3.50.", "That is 1.5 times more, e.g. a lot."]),
    ("Really? Yes! Fine.", ["Really?", "Yes!", "Fine."]),
    ("No full stop at the end", ["No full stop at the end"]),
    # old money and other unknown abbreviations inside a sentence (Pepys, Smith: Project Gutenberg)
    ("Mr. Smith paid £3 10s. 6d. for it, and left.", ["Mr. Smith paid £3 10s. 6d. for it, and left."]),
    ("Oats to 16s. the quarter, and ten per cent. on it.", ["Oats to 16s. the quarter, and ten per cent. on it."]),
    ("It cost me 10s., which I paid.", ["It cost me 10s., which I paid."]),
    ("He paid 3s. 6d. Then he left.", ["He paid 3s. 6d.", "Then he left."]),
    ("who knows how to\nuse them", ["who knows how to", "use them"]),  # a verse line stays a line
    ("What woman's man? and how besides?", ["What woman's man?", "and how besides?"]),
    ("   ", []),
]


@pytest.mark.parametrize(("text", "sentences"), ENGLISH)
def test_english(text: str, sentences: list[str]) -> None:
    assert split_sentences(text, "en") == sentences


QUOTE = "「こんにちは、ねぎです。2026年のAI技術、本当にすごい進化を遂げましたね！」"
JAPANESE = [
    (QUOTE, [QUOTE]),  # a quote with sentences inside is one unit
    (QUOTE + "と彼は言った。次の文です。", [QUOTE + "と彼は言った。", "次の文です。"]),
    ("彼は言った。" + QUOTE + "彼女は頷いた。", ["彼は言った。", QUOTE, "彼女は頷いた。"]),
    ("「本当？」「うん！」それで終わり。", ["「本当？」", "「うん！」", "それで終わり。"]),
    ("『本。まだ本。』それで。", ["『本。まだ本。』", "それで。"]),  # pysbd cuts inside 『』
    ("「はい。」って言ったよ。", ["「はい。」って言ったよ。"]),  # a particle continues the sentence
    (
        "これは文です。これも文です！本当？はい…そうです。",
        ["これは文です。", "これも文です！", "本当？", "はい…そうです。"],
    ),
    ("「閉じない引用。次。", ["「閉じない引用。", "次。"]),  # unbalanced: pysbd's cuts stand
]


@pytest.mark.parametrize(("text", "sentences"), JAPANESE)
def test_japanese(text: str, sentences: list[str]) -> None:
    assert split_sentences(text, "ja") == sentences


@pytest.mark.parametrize("language", ["xx", "tlh", "en-GB"])
def test_unsupported_languages_fall_back_to_english(language: str) -> None:
    text = 'Mr. Smith left. "Bye," he said. Gone...'
    assert split_sentences(text, language) == split_sentences(text, "en")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


_EN_PARTS = st.sampled_from(
    ["Mr.", "Dr.", "St.", "word", "Hello", "e.g.", "U.S.A.", "3.5", "...", "…", ".", "!", "?", ",",
     '"', "'", "(", ")", "\n", "  ", "—", "a.m.", "No.", "1.", "*"]
)
_JA_PARTS = st.sampled_from(
    ["こんにちは", "です", "。", "、", "！", "？", "「", "」", "『", "』", "（", "）", "と", "って", "彼", "AI",
     "2026", "…", " ", "\u3000", "\n"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_EN_PARTS, max_size=30), st.sampled_from([" ", ""]))
def test_english_split_loses_and_duplicates_nothing(parts: list[str], glue: str) -> None:
    text = glue.join(parts)
    sentences = split_sentences(text, "en")
    assert _squash("".join(sentences)) == _squash(text)
    assert all(s and s == s.strip() for s in sentences)


@settings(max_examples=150, deadline=None)
@given(st.lists(_JA_PARTS, max_size=30))
def test_japanese_split_loses_and_duplicates_nothing(parts: list[str]) -> None:
    text = "".join(parts)
    sentences = split_sentences(text, "ja")
    assert _squash("".join(sentences)) == _squash(text)
    assert all(s and s == s.strip() for s in sentences)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["「あ。い！」", "『う？え。』", "お。", "か！", "と言った。", "き"]), max_size=12))
def test_japanese_never_cuts_inside_balanced_quotes(parts: list[str]) -> None:
    for sentence in split_sentences("".join(parts), "ja"):
        depth = 0
        for char in sentence:
            depth += {"「": 1, "『": 1, "」": -1, "』": -1}.get(char, 0)
            assert depth >= 0, sentence
        assert depth == 0, sentence


def test_segment_book_fills_a_copy_and_keeps_given_sentences() -> None:
    given_sentences = ["Kept as", "the user split it."]
    book = Book(
        "t",
        language="en",
        chapters=[
            Chapter(
                "One",
                [Paragraph("Mr. Smith left. He came back."), Paragraph("Kept as the user split it.", given_sentences)],
            ),
            Chapter("Two", [Paragraph("Only one.")]),
        ],
    )
    before = book.to_json()
    segmented = segment_book(book)
    assert book.to_json() == before  # the input is untouched
    assert [p.sentences for c in segmented.chapters for p in c.paragraphs] == [
        ["Mr. Smith left.", "He came back."],
        given_sentences,
        ["Only one."],
    ]


def test_segment_book_uses_the_book_language() -> None:
    book = Book("t", language="ja", chapters=[Chapter("一", [Paragraph("「本当？」「うん！」それで。")])])
    assert segment_book(book).chapters[0].paragraphs[0].sentences == ["「本当？」", "「うん！」", "それで。"]


# Each language's own rules with the titles and abbreviations pysbd lacks; Portuguese, which
# pysbd lacks, with Spanish's rules and its own abbreviations (it fell back to English, which
# cut after every title: "O Sr. | Silva chegou").
LANGUAGES = [
    ("pt", ["O Sr. Silva chegou ontem.", "A Sra. Costa esperava-o à porta."]),
    ("pt", ["V. Exa. deseja mais alguma coisa?", "Não, obrigado."]),
    ("pt", ["Ilmo. Sr. Diretor, venho pedir licença.", "Atenciosamente."]),
    ("pt", ["A Profa. Lima e a Dra. Souza chegaram juntas.", "Sentaram-se."]),
    ("pt", ["Veja p. ex. o capítulo seguinte.", "Fica mais claro."]),
    ("pt", ["Nasceu em 1802, cf. pág. 12.", "A mãe era minhota."]),
    ("pt", ["Ele comprou livros, cadernos, etc.", "Depois foi embora."]),  # a real end after an abbreviation
    ("pt-BR", ["D. Maria chegou cedo.", "O jantar estava pronto."]),
    ("es", ["El Sr. García llegó tarde.", "La Sra. López lo esperaba en la puerta."]),
    ("es", ["Vea p. ej. el capítulo siguiente.", "Es más claro."]),
    ("fr", ["MM. Dubois et Fabre arrivèrent ensemble.", "On servit le thé."]),
    ("fr", ["Voir p. ex. le chapitre suivant.", "C'est plus clair."]),
    ("it", ["Nacque nel 1802, cfr. pag. 12.", "Sua madre era sarda."]),
    ("nl", ["Dhr. Jansen kwam gisteren aan.", "Mevr. de Vries wachtte bij de deur."]),
    ("de", ["Siehe z. B. das nächste Kapitel.", "Es ist klarer."]),
]


@pytest.mark.parametrize(("language", "sentences"), LANGUAGES)
def test_each_language_splits_with_its_abbreviations(language: str, sentences: list[str]) -> None:
    assert split_sentences(" ".join(sentences), language) == sentences


def test_portuguese_has_rules_of_its_own_and_finnish_falls_back() -> None:
    text = "O Sr. Silva chegou ontem. Ninguém sabia."
    assert split_sentences(text, "pt") != split_sentences(text, "en")
    assert split_sentences("Hra. Virtanen tuli. Hän istui.", "fi") == split_sentences("Hra. Virtanen tuli. Hän istui.", "en")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Sr.", "Sra.", "V.", "Exa.", "p.", "ex.", "pág.", "12", "etc.", "Silva", "chegou",
                                 ".", "?", "!", ",", "«", "»", "—", "\n", "  "]), max_size=30),
       st.sampled_from(["pt", "es", "fr", "it", "nl"]))
def test_other_languages_lose_and_duplicate_nothing(parts: list[str], language: str) -> None:
    text = " ".join(parts)
    sentences = split_sentences(text, language)
    assert _squash("".join(sentences)) == _squash(text)
    assert all(s and s == s.strip() for s in sentences)
