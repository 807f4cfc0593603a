"""Speech normalisation: what the voice is given to read."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narration.text.normalize import (
    ENGLISH_RULES,
    JAPANESE_RULES,
    expand_currency,
    expand_fractions,
    expand_roman_numerals,
    expand_years,
    normalize,
    rules_for,
)

ENGLISH = [
    # cardinals, separators, decimals, negatives
    ("I have 1,234 apples.", "I have one thousand two hundred thirty-four apples."),
    ("He was 42.", "He was forty-two."),
    ("Room 101", "Room one hundred one"),
    ("Pi is 3.14.", "Pi is three point one four."),
    ("It is 10.05 metres", "It is ten point zero five metres"),
    ("It was -5 outside.", "It was minus five outside."),
    ("Agent 007", "Agent zero zero seven"),
    ("1,000,000,000,000 stars", "one trillion stars"),
    ("MP3 player", "MP three player"),
    ("a 3D film (5)", "a three D film (five)"),
    # ordinals
    ("The 1st, 22nd and 3rd.", "The first, twenty-second and third."),
    ("the 101st time", "the one hundred first time"),
    # years, by context
    ("In 1984 people were sad.", "In nineteen eighty-four people were sad."),
    ("In 2005 it rained.", "In two thousand five it rained."),
    ("By 1900 it was over.", "By nineteen hundred it was over."),
    ("1984 was a year.", "nineteen eighty-four was a year."),
    ("It happened in 1066.", "It happened in ten sixty-six."),
    ("In 1905 he wrote.", "In nineteen oh five he wrote."),
    ("summer 1969", "summer nineteen sixty-nine"),
    ("He had 1500 soldiers.", "He had one thousand five hundred soldiers."),
    ("2000 copies sold", "two thousand copies sold"),
    ("2100 is far", "two thousand one hundred is far"),
    ("It weighs 1,984 kilograms", "It weighs one thousand nine hundred eighty-four kilograms"),
    # decades and ranges
    ("The 1990s were fun.", "The nineteen nineties were fun."),
    ("the 1900s", "the nineteen hundreds"),
    ("the 2010s", "the twenty tens"),
    ("the '60s", "the sixties"),
    ("From 1990-1995 it grew.", "From nineteen ninety to nineteen ninety-five it grew."),
    ("pages 10–20", "pages ten to twenty"),
    ("$5-$10", "five dollars to ten dollars"),
    ("call 555-1234", "call five five five, one two three four"),
    # currency
    ("It cost $3.50.", "It cost three dollars and fifty cents."),
    ("It cost £5.", "It cost five pounds."),
    ("€10 please", "ten euros please"),
    ("only 10€", "only ten euros"),
    ("$1 million", "one million dollars"),
    ("$1.5 billion", "one point five billion dollars"),
    ("$0.99", "ninety-nine cents"),
    ("$1.00", "one dollar"),
    ("$1.01", "one dollar and one cent"),
    ("£2.01", "two pounds and one penny"),
    # pre-decimal British money (pounds, shillings, pence)
    ("It cost £3 10s in 1865.", "It cost three pounds ten shillings in eighteen sixty-five."),
    ("He paid £3 10s.", "He paid three pounds ten shillings."),
    ("£3 10s. 6d. for it", "three pounds ten shillings and six pence for it"),
    ("It was 2s. 6d.", "It was two shillings and six pence."),
    ("a sum of 3l. 10s. 6d.", "a sum of three pounds ten shillings and six pence."),
    ("£1 1s 1d", "one pound one shilling and one penny"),
    ("£5 0s 6d", "five pounds and six pence"),
    ("the 60s", "the sixties"),
    ("-$5", "minus five dollars"),
    ("$1,234", "one thousand two hundred thirty-four dollars"),
    # percentages and symbols
    ("50% off", "fifty percent off"),
    ("3.5 % more", "three point five percent more"),
    ("Tom & Jerry", "Tom and Jerry"),
    ("#1 hit", "number one hit"),
    ("he/she", "he or she"),
    ("It's 2½ miles", "It's two and a half miles"),
    ("5 km away", "five kilometers away"),
    ("1 lb of flour", "one pound of flour"),
    # times
    ("Meet at 3:30 pm.", "Meet at three thirty PM."),
    ("At 10:05 we left", "At ten oh five we left"),
    ("At 10:00.", "At ten o'clock."),
    ("It's 3 pm.", "It's three PM."),
    ("Meet at 3 p.m.", "Meet at three PM."),
    ("at 7 a.m. sharp", "at seven AM sharp"),
    # abbreviations
    ("Mr. Smith met Mrs. Jones and Dr. Who.", "Mister Smith met Missus Jones and Doctor Who."),
    ("He lives on Baker St.", "He lives on Baker Street."),
    ("St. Paul's was full.", "Saint Paul's was full."),
    ("He lives on Elm Dr.", "He lives on Elm Drive."),
    ("Thank you, Dr.", "Thank you, Doctor."),
    ("e.g. apples, i.e. fruit, etc.", "for example apples, that is fruit, et cetera."),
    ("Apples, pears, etc. Then more.", "Apples, pears, et cetera. Then more."),
    ("Cats vs. dogs", "Cats versus dogs"),
    ("No. 5 is mine", "number five is mine"),
    ("See pp. 4-9.", "See pages four to nine."),
    # roman numerals, only where safe
    ("Chapter IV", "Chapter four"),
    ("CHAPTER XII", "chapter twelve"),
    ("Henry VIII had wives.", "Henry the eighth had wives."),
    ("Louis XIV's court", "Louis the fourteenth's court"),
    ("Elizabeth I.", "Elizabeth the first."),
    ("World War II ended", "World War two ended"),
    ("Then I said no.", "Then I said no."),
    ("He is CIVIL.", "He is civil."),  # not a number
    ("Part MMMM", "Part mmmm"),  # not a number
    ("Book I read was good.", "Book I read was good."),
    ("Chapter I The Storm", "Chapter one The Storm"),
    ("Vol. III", "Volume three"),
    ("John D. Rockefeller and John X. Doe", "John D. Rockefeller and John X. Doe"),
    ("Henry V. Then peace.", "Henry V. Then peace."),
    ("Henry V.", "Henry the fifth."),
    # old money alone and fractions, as Project Gutenberg's Smith, Pepys and Doyle print them
    ("Oats to 16s.", "Oats to sixteen shillings."),
    ("cocktail 1s., lunch", "cocktail one shilling, lunch"),
    ("did not exceed 18d. the yard", "did not exceed eighteen pence the yard"),
    ("It cost 1½d. a pound.", "It cost one and a half pence a pound."),
    ("the price of 1 1/9d.", "the price of one and one ninth pence."),
    ("in the 60s.", "in the sixties."),
    ("in his 20s.", "in his twenties."),
    ("September 2d.", "September second."),
    ("by the 23d of George", "by the twenty-third of George"),
    ("7/8 of the whole", "seven eighths of the whole"),
    ("a 2 1/2 mile walk", "a two and a half mile walk"),
    ("(chap. 16, sect. 3)", "(chapter sixteen, section three)"),
    # words in capitals read as words (misaki spelled "MY", "WHICH", "HOLMES" letter by letter)
    ("MY DEAR SIR,", "my dear sir,"),
    ("It was MY fault, said HOLMES.", "It was my fault, said holmes."),
    ("WHAT HAVE I DONE?", "what have I done?"),
    ("The FBI and the BBC; then NASA.", "The FBI and the BBC; then nasa."),  # "nasa" reads the same
    ("the US Army and the WHO", "the US Army and the WHO"),
    ("the ID card, the AI, the UN", "the ID card, the AI, the UN"),  # "id", "ai", "un" are words
    ("U.S.A. or A B C", "U.S.A. or A B C"),
    # a heading's own number, from real editions' chapter titles (Standard Ebooks, Project Gutenberg)
    ("II: Black Dog Appears and Disappears", "two: Black Dog Appears and Disappears"),
    ("Part I: The Old Buccaneer: I: At the Admiral Benbow", "Part one: The Old Buccaneer: one: At the Admiral Benbow"),
    ("XIV", "fourteen"),
    ("I", "one"),
    ("I. A SCANDAL IN BOHEMIA", "one. A scandal in bohemia"),
    ("XLIX. The Storm", "forty-nine. The Storm"),
    ("I—DOWN THE RABBIT-HOLE", "one—down the rabbit-hole"),
    ("II.——To Monseigneur", "two.——To Monseigneur"),
    ("XI - The Sea", "eleven - The Sea"),
    # ... and where the same letters are not one
    ("I—I was wrong.", "I—I was wrong."),
    ("I Hear America Singing", "I Hear America Singing"),
    ("You have begot me, bred me, lov’d me: I", "You have begot me, bred me, lov'd me: I"),
    ("“I.”", '"I."'),
    ("MIX: a song", "MIX: a song"),  # not a number
    ("The II. of them", "The II. of them"),
    # markup, unreadable symbols, prosody punctuation, whitespace
    ("**bold** and <b>tags</b> _em_", "bold and tags em"),
    ("see [the notes](http://x.y/z)", "see the notes"),
    ("He said “hello” — and ‘left’…", "He said \"hello\" — and 'left'..."),
    ("Wait; what? (Yes!)", "Wait; what? (Yes!)"),
    ("  lots\n of\t space  ", "lots of space"),
    ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
    ("a † dagger • bullet", "a dagger bullet"),
    ("", ""),
]


@pytest.mark.parametrize(("written", "spoken"), ENGLISH, ids=[w[:30] or "empty" for w, _ in ENGLISH])
def test_english(written: str, spoken: str) -> None:
    assert normalize(written, "en") == spoken


@pytest.mark.parametrize("language", ["en-US", "en_GB", "EN"])
def test_language_tags_use_the_primary_subtag(language: str) -> None:
    assert normalize("Mr. Smith paid $5.", language) == "Mister Smith paid five dollars."


@pytest.mark.parametrize(("_", "spoken"), [case for case in ENGLISH if case[1]])
def test_speech_text_is_stable_under_a_second_pass(_: str, spoken: str) -> None:
    # Rules must recognise only written forms, never rewrite what they already produced.
    assert normalize(spoken, "en") == spoken


# Japanese readings (numbers, counters, Latin letters) are tested in tests/test_japanese_normalize.py.
JAPANESE = [
    ("「こんにちは、ねぎです。」", "「こんにちは、ねぎです。」"),
    ("*本当に*すごい", "本当にすごい"),
    ("行\u3000\u3000間  の 空白\n", "行 間 の 空白"),
    ("Mr. Smith は 元気です。", "Mr. Smith は 元気です。"),  # no English rules applied
]


@pytest.mark.parametrize(("written", "spoken"), JAPANESE)
def test_japanese_markup_and_spacing(written: str, spoken: str) -> None:
    assert normalize(written, "ja") == spoken


def test_unsupported_language_only_gets_neutral_rules() -> None:
    assert normalize("  Herr Dr. *Müller*   zahlt 5 €.", "de") == "Herr Dr. Müller zahlt 5 €."


def test_pipelines_are_named_rule_functions() -> None:
    assert rules_for("en") == ENGLISH_RULES and rules_for("ja-JP") == JAPANESE_RULES
    for rule in ENGLISH_RULES:
        assert callable(rule) and rule.__name__ and rule.__doc__


def test_rules_work_alone() -> None:
    assert expand_currency("costs $2.25") == "costs two dollars and twenty-five cents"
    assert expand_years("in 1984 and 1500 soldiers") == "in nineteen eighty-four and 1500 soldiers"
    assert expand_roman_numerals("Book III of Henry V") == "Book three of Henry the fifth"
    # not fractions: old money ("two and six"), dates, "24/7", "9/11"
    for text in ("oysters 2/6 per dozen", "on 12/25/2020", "24/7", "9/11", "5/8/1920"):
        assert expand_fractions(text) == text


_NOT_SPEAKABLE = re.compile(r"[*_`~^|\\{}\[\]<>#&%$£€@+=]")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text_normalises_to_clean_speech(text: str) -> None:
    spoken = normalize(text, "en")
    assert not _NOT_SPEAKABLE.search(spoken), spoken
    assert spoken == spoken.strip() and "  " not in spoken and "\n" not in spoken


_WRITTEN_PARTS = st.sampled_from(
    ["1", "1,234", "3.5", "-7", "1984", "1990s", "$3.50", "£5", "50%", "3:30", "pm", "22nd",
     "Mr.", "St.", "Dr.", "No.", "Chapter", "IV", "Henry", "VIII", "-", "–", "word", "&", "#2",
     "e.g.", "etc.", "(", ")", ",", ".", "'", "\"", "½", "km", "007", "1,000,000"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WRITTEN_PARTS, max_size=12), st.sampled_from([" ", ""]))
def test_written_numbers_become_words(parts: list[str], glue: str) -> None:
    spoken = normalize(glue.join(parts), "en")
    assert not _NOT_SPEAKABLE.search(spoken), spoken
    # Only digit groups that are no recognisable number (a version "1.2.3") may survive.
    assert not re.search(r"(?<![\d.])\d+(?![\d.])", spoken), spoken


# A heading's roman numeral in the book's language, as its speakers read it (English has its own
# rule above): French ordinal for the first only, Spanish and Portuguese ordinals up to ten,
# Italian ordinals throughout, German, Dutch and Finnish cardinals; feminine labels agree.
HEADINGS = [
    ("fr", "Chapitre I", "Chapitre premier"),
    ("fr", "Chapitre VI. Le retour", "Chapitre six. Le retour"),
    ("fr", "CHAPITRE XII", "CHAPITRE douze"),
    ("fr", "Livre II: Chapitre III", "Livre deux: Chapitre trois"),
    ("fr", "Tome IV", "Tome quatre"),
    ("fr", "Acte I, scène I", "Acte premier, scène première"),
    ("es", "Capítulo VI", "Capítulo sexto"),
    ("es", "Capítulo XII. Donde se cuenta", "Capítulo doce. Donde se cuenta"),
    ("es", "Parte III", "Parte tercera"),
    ("es", "Libro II", "Libro segundo"),
    ("it", "Capitolo VI", "Capitolo sesto"),
    ("it", "Capitolo XX", "Capitolo ventesimo"),
    ("it", "Parte III", "Parte terza"),
    ("pt", "Capítulo VI", "Capítulo sexto"),
    ("pt", "Capítulo XI", "Capítulo onze"),
    ("pt", "Parte I", "Parte primeira"),
    ("de", "Kapitel VI", "Kapitel sechs"),
    ("de", "Zweiter Teil: Kapitel XII", "Zweiter Teil: Kapitel zwölf"),
    ("nl", "Hoofdstuk VI", "Hoofdstuk zes"),
    ("fi", "Luku VI", "Luku kuusi"),
    # a numeral alone heads the text: a number, read as one
    ("fr", "XIV. Le retour", "quatorze. Le retour"),
    ("es", "VI", "seis"),
    ("de", "III", "drei"),
    ("it", "II: La fuga", "due: La fuga"),
]


@pytest.mark.parametrize(("language", "written", "spoken"), HEADINGS)
def test_heading_numerals_are_read_in_the_books_language(language: str, written: str, spoken: str) -> None:
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "text"), [
    ("it", "I promessi sposi"),  # the article, not a numeral
    ("fr", "Il vit le numéro XIV au loin."),  # no label, not at a heading's start, not after a name
    ("es", "Capítulo I en que se cuenta"),  # a lone I before a lower-case word: not taken
    ("pt", "Vi a casa."),  # mixed case is a word
    ("fr", "Chapitre MMMMX"),  # no valid numeral
])
def test_heading_numerals_leave_other_letters_alone(language: str, text: str) -> None:
    assert normalize(text, language) == text


# A numeral after a capitalised name, read as the language reads a king's or a pope's.
REGNAL = [
    ("fr", "Il vit Louis XIV au loin.", "Il vit Louis quatorze au loin."),
    ("fr", "François Ier et Henri IV.", "François premier et Henri quatre."),
    ("fr", "Sous Napoléon III, dit-elle.", "Sous Napoléon trois, dit-elle."),
    ("fr", "Élisabeth II et Catherine Ire", "Élisabeth deux et Catherine première"),
    ("fr", "Louis I", "Louis premier"),
    ("es", "el rey Carlos V bajo el brazo", "el rey Carlos quinto bajo el brazo"),
    ("es", "Alfonso XIII y Felipe II", "Alfonso trece y Felipe segundo"),
    ("es", "Isabel II", "Isabel segunda"),
    ("es", "Pedro I, el Cruel", "Pedro primero, el Cruel"),
    ("it", "Pio IX e Vittorio Emanuele II", "Pio nono e Vittorio Emanuele secondo"),
    ("it", "Luigi XIV", "Luigi quattordicesimo"),
    ("pt", "Dom Pedro II e Luís XIV", "Dom Pedro segundo e Luís catorze"),
    ("nl", "Willem III", "Willem de derde"),
]


@pytest.mark.parametrize(("language", "written", "spoken"), REGNAL)
def test_regnal_numbers_are_read_as_the_language_reads_them(language: str, written: str, spoken: str) -> None:
    assert normalize(written, language) == spoken


@pytest.mark.parametrize(("language", "text"), [
    ("es", "Capítulo I en que se cuenta"),  # a label's numeral is the heading rule's; a lone I before a word is left
    ("it", "Disse: I ragazzi"),  # the article after no name
    ("es", "Carlos V. Gómez"),  # a middle initial
    ("fr", "vers l'an XIV de la République"),  # after no capitalised name
    ("es", "Alfonso Ier"),  # French's first, in Spanish text: left
    ("fr", "LOUIS XIV"),  # capitals: not a name as written (a heading in capitals is title-cased by ingest)
    ("de", "Friedrich II"),  # German declines it by case: not read
    ("es", "La X no suena"),  # an article opening a sentence is no name (Don Quijote's letter X)
    ("fr", "Le V de la victoire"),
])
def test_regnal_numbers_only_after_a_name(language: str, text: str) -> None:
    assert normalize(text, language) == text


def test_english_regnal_numbers_unchanged() -> None:
    assert normalize("Henry VIII and Louis XIV.", "en") == "Henry the eighth and Louis the fourteenth."


@pytest.mark.parametrize(("language", "written", "spoken"), [
    ("hi", "अध्याय II", "अध्याय 2"),
    ("hi", "भाग IV: नदी", "भाग 4: नदी"),
    ("zh", "第II章 冬天", "第2章 冬天"),
    ("zh", "II. 新年", "2. 新年"),
    ("zh", "IV", "4"),
    ("zh", "I. 旧钟", "1. 旧钟"),
    ("zh", "I. am", "I. am"),  # English quoted: the pronoun
])
def test_heading_numerals_are_digits_for_hindi_and_mandarin(language: str, written: str, spoken: str) -> None:
    # Their G2Ps read digits, but spell a roman numeral as letters (espeak-ng Hindi: "I I") or drop it.
    assert normalize(written, language) == spoken
