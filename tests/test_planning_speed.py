"""Planning stays linear and fast without changing a single chunk.

The checks count work instead of timing it (a slow CI machine must not fail them): how many
characters pysbd's per-abbreviation substitutions go over, how many regular expressions are
compiled, how many times the chunker normalises. The shortcuts behind the speed (in
``narration.text.sentences``, ``.chunking`` and ``.normalize``) are each checked against what
they stand in for: pysbd's own code, ``re``, and the chunker's greedy algorithm as it was.
"""

from __future__ import annotations

import importlib
import itertools
import random
import re
import re._compiler
import string
import unicodedata
from collections.abc import Callable, Iterator, Sequence

import pysbd
import pytest
from pysbd.abbreviation_replacer import AbbreviationReplacer

from narration.model import Book, Chapter, Paragraph
from narration.text import chunking, sentences
from narration.text.chunking import Piece, _cut_levels, _split_spoken, chunk_book, fit_sentence
from narration.text.lexicon import Lexicon
from narration.text.normalize import normalize
from narration.text.sentences import split_sentences

# the module (``narration.text.normalize`` is also the function's name in the package)
normalize_module = importlib.import_module("narration.text.normalize")

_TALE = (
    "the fox and crow sat upon a branch of tall oak tree while lion slept in his den near old mill "
    "where no one ever came but up over know pretty small bird sang songs for all who would hear"
)
_VOCABULARY = _TALE.split()


def _unpunctuated(words: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_VOCABULARY) for _ in range(words))


# -- linear work ---------------------------------------------------------------------------


def _pysbd_substitution_work(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Characters that pysbd's per-abbreviation substitutions (``scan_for_replacements``) go over."""
    work = 0
    original = AbbreviationReplacer.scan_for_replacements

    def counting(self: AbbreviationReplacer, txt: str, am: str, ind: int, char_array: list[str]) -> str:
        nonlocal work
        work += len(txt)
        return original(self, txt, am, ind, char_array)

    with monkeypatch.context() as patch:
        patch.setattr(AbbreviationReplacer, "scan_for_replacements", counting)
        split_sentences(text, "en")
    return work


def test_pysbd_work_on_one_long_paragraph_grows_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    # pysbd re-ran one substitution over the whole paragraph for every occurrence of an
    # abbreviation in it ("no" in "know"): 4x the text was 16x the work.
    def paragraph(words: int) -> str:  # no sentence ends; an abbreviation every 40 words
        text = _unpunctuated(words).split()
        return " ".join(w + (" no. p. fig." if i % 40 == 39 else "") for i, w in enumerate(text))

    small = _pysbd_substitution_work(paragraph(2_000), monkeypatch)
    large = _pysbd_substitution_work(paragraph(8_000), monkeypatch)
    assert small > 0
    assert large <= 4.5 * small, (small, large)


def test_normalize_calls_for_one_long_paragraph_grow_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    # (The greedy packing normalises each candidate span once: linear already before; this
    # keeps it so. What was super-linear is checked above and by the bisect in _fit.)
    calls = 0

    def counting(text: str, language: str, lexicon: Lexicon | None = None) -> str:
        nonlocal calls
        calls += 1
        return normalize(text, language, lexicon)

    monkeypatch.setattr(chunking, "normalize", counting)
    counts = []
    for words in (1_500, 6_000):
        calls = 0
        chunks = chunk_book(Book("t", language="en", chapters=[Chapter("", [Paragraph(_unpunctuated(words))])]), 150)
        assert len(chunks) > 10
        counts.append(calls)
    assert counts[1] <= 4.5 * counts[0], counts


def _compilations_while(action: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> int:
    count = 0
    original = re._compiler.compile

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal count
        count += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(re._compiler, "compile", counting)
        action()
    return count


def test_segmenting_a_book_does_not_recompile_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python's re caches 512 patterns; pysbd builds ~3 per abbreviation per paragraph, so on a
    # book they evicted each other and were compiled again and again (57k times for War and Peace).
    rng = random.Random(5)
    abbreviations = ["Mr.", "Dr.", "St.", "No. 5", "p. 7", "e.g.", "i.e.", "U.S.", "etc.", "Jan.", "vs.", "a.m."]
    paragraphs = [
        " ".join(
            " ".join(rng.choice(_VOCABULARY + abbreviations) for _ in range(rng.randint(4, 20))).capitalize() + "."
            for _ in range(rng.randint(1, 6))
        )
        for _ in range(300)
    ]

    def segment_all() -> None:
        for paragraph in paragraphs:
            split_sentences(paragraph, "en")

    segment_all()  # first sight of each pattern
    assert _compilations_while(segment_all, monkeypatch) <= 20


# -- the shortcuts stand in exactly for what they replace -------------------------------------

_TRICKY_TEXTS = [
    "Mr. Smith went to Washington. He met Dr. Jones there. No. 5 was p. 7 of vol. 2.",
    "He said no. No! Know what? The U.S. Army i.e. the Army left at 5 a.m. and came back.",
    "A sentence. A sentence. A sentence.  A sentence.\tA sentence.",
    "aa. aa. aa aa. a. a.a. a",
    "Wait... what?! Really?? Yes!!! (It is.) \"Quoted.\" 'Single.' Fine.",
    "ſt. Kelvin \u212a. İ said no.\u00a0No.\u2003fig. 3 and approx. 4 etc. Then more.",
    "1. First item\n2. Second item\n3. Third item",
    "Line one.\nLine two.\r\nLine three.\u2028Line four.",
    "The rev. Mr. St. John vs. Capt. Hook (ch. 4), p. 12; cf. ibid. op. cit. Sr. Jr. Ph.D. holders.",
    " leading space. trailing space. ",
    "Ich sah Dr. Müller am 3. Mai. Er kam z.B. spät. Das war's.",
    "「本当？」「うん！」それで終わり。『本。まだ本。』それで。",
    _unpunctuated(600) + " no. p. " + _unpunctuated(300),
]


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "ja", "pt"])
@pytest.mark.parametrize("text", _TRICKY_TEXTS)
def test_segment_equals_pysbd(text: str, language: str) -> None:
    # pysbd's segmenter with the language's rules as we give them (our abbreviations added).
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    segmenter.language_module = sentences.LANGUAGES[language]
    assert sentences._segment(text, language) == segmenter.segment(text)


def test_segment_equals_pysbd_on_long_glued_paragraphs() -> None:
    rng = random.Random(11)
    pieces = [t for t in _TRICKY_TEXTS if not t.startswith("「")]
    for _ in range(12):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(3, 15)))
        expected = pysbd.Segmenter(language="en", clean=False, char_span=False).segment(text)
        assert sentences._segment(text, "en") == expected


def _pysbd_spans(found: list[str], text: str) -> list[str]:
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    segmenter.original_text = text
    return [span.sent for span in segmenter.sentences_with_char_spans(found)]


@pytest.mark.parametrize(
    ("found", "text"),
    [
        (["a", "a", "a"], "a a  a\t\n"),
        (["ab", "b", "ab"], "abab ab"),
        (["x", "missing", "y"], "x  y "),
        (["aa", "a"], "aaa"),
        (["", "a", ""], " a  "),
        (["a.", "a."], "a. a.\u00a0a.\u2003"),
        (["same", "same", "same"], "same same"),
    ],
)
def test_sentence_spans_equal_pysbd(found: list[str], text: str) -> None:
    assert sentences._sentence_spans(found, text) == _pysbd_spans(found, text)


def test_fold_table_is_how_ignorecase_and_whitespace_compare() -> None:
    every = "".join(map(chr, range(0x110000)))
    expected = dict.fromkeys(re.findall(r"\s", every), " ")
    for letter in string.ascii_lowercase:
        expected.update(dict.fromkeys(re.findall("(?i)" + letter, every), letter))
    folded = every.translate(sentences._FOLD)
    targets = set(string.ascii_lowercase + " ")
    for char, fold in zip(every, folded, strict=True):
        assert fold == expected[char] if char in expected else fold not in targets, hex(ord(char))
    # _sentence_spans reads \s as str.isspace
    assert all(char.isspace() for char in re.findall(r"\s", every))
    assert len(re.findall(r"\s", every)) == sum(char.isspace() for char in every)


def test_pysbd_pattern_cache_behaves_like_re() -> None:
    cached = sentences.PYSBD_RE
    assert "pysbd.abbreviation_replacer" in sentences.PATCHED_MODULES
    assert cached.sub("a", "b", "aAa", 1) == re.sub("a", "b", "aAa", 1)
    assert cached.sub("a", "b", "aAa", flags=re.IGNORECASE) == "bbb"
    assert cached.findall(r"(\w)\d", "a1b2") == ["a", "b"]
    assert cached.split(r"\s", "a b c", 1) == ["a", "b c"]
    assert cached.escape("a.b") == re.escape("a.b")
    assert cached.search("x", "y") is None and cached.match("y", "y") and cached.fullmatch("y", "y")
    with pytest.raises(ValueError):
        cached.sub(re.compile("a"), "b", "a", flags=re.IGNORECASE)
    with pytest.raises(re.error):
        cached.compile("(")


# -- normalisation shortcuts: each rests on a fact about the rule's patterns ---------------------

_FUZZ_ALPHABET = list("aAbcdeEgiIlMnNoOpPrsStvVXxyz .,;:!?'\"()-/#&%+=@$£€¥×°§½¼“”’\u00a0\u2009") + [
    "Mr.", "Mrs.", "Dr.", "St.", "No.", "no.", "pp.", "p.", "Vol.", "ch.", "c.", "ca.", "e.g.", "i. e.", "etc.",
    "vs", "vs.", "cf.", "approx.", "Nos.", "Mt.", "Ft.", "Elm ", "Chapter", "CHAPTER", "Vol.", "World War",
    "Henry", "Louis", "Pius", "IV", "VIII", "I", "II", "XL", "km", "lb", "mph", "°C", "pm", "a.m.",
    "0", "1", "5", "12", "1984", "1,234", "3.50", "٣", "²", "①", "\uff15", "<b>", "](x)", "*", "\u200b",
]


def _fuzz_texts(count: int, seed: int = 13) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(_FUZZ_ALPHABET) + rng.choice(["", " ", " ", "  "]) for _ in range(rng.randint(1, 40)))


def test_abbreviation_patterns_only_match_text_with_their_literal() -> None:
    rules = list(zip(normalize_module._ABBREVIATION_RULES, normalize_module._ABBREVIATION_LITERALS, strict=True))
    assert all(literal for _, literal in rules)
    for text in _fuzz_texts(3000):
        for (pattern, _), literal in rules:
            for match in pattern.finditer(text):
                assert literal in match.group(0), (pattern.pattern, literal, text)


def test_required_literal() -> None:
    assert normalize_module.required_literal(r"\bMr\.") == "Mr."
    assert normalize_module.required_literal(r"\bvs\.?(?=\s)") == "vs"
    assert normalize_module.required_literal(r"\bca?\.(?=\s*\d)") == "c"
    assert normalize_module.required_literal(r"\be\.\s?g\.") == "e."
    assert normalize_module.required_literal(r"\b([A-Z][a-z]+ )Dr\.") == ""


_DIGIT_RULE_PATTERNS = [
    normalize_module._UNIT, normalize_module._PHONE, normalize_module._RANGE, normalize_module._CURRENCY,
    normalize_module._CURRENCY_AFTER, normalize_module._PERCENT, normalize_module._CLOCK, normalize_module._HOUR,
    normalize_module._DECADE, normalize_module._SHORT_DECADE, normalize_module._ORDINAL, normalize_module._YEAR,
    normalize_module._NUMBER_TOKEN,
]  # fmt: skip


def test_digit_rules_need_a_digit_and_the_other_guards_hold() -> None:
    n = normalize_module
    for text in _fuzz_texts(3000, seed=17):
        if not n._DIGIT(text):
            assert not any(p.search(text) for p in _DIGIT_RULE_PATTERNS), text
        for pattern, _ in n._SYMBOLS:
            assert all(n._SYMBOL_CHARS(m.group(0)) for m in pattern.finditer(text))
        assert all(n._SECTION_KEYWORD.search(m.group(0)) for m in n._SECTION_ROMAN.finditer(text))
        assert all(n._REGNAL_NAME.search(m.group(0)) for m in n._REGNAL.finditer(text))
        assert all(n._REGNAL_NAME.search(m.group(0)) for m in n._REGNAL_FIRST.finditer(text))
        assert all("World War" in m.group(0) for m in n._WORLD_WAR.finditer(text))
        if "<" not in text:
            assert not n._TAG.search(text)
        if "](" not in text:
            assert not n._MD_LINK.search(text)


def test_ascii_text_is_left_alone_by_unify_characters() -> None:
    ascii_text = "".join(map(chr, range(128)))
    assert unicodedata.normalize("NFKC", ascii_text) == ascii_text
    assert not normalize_module._FRACTION.search(ascii_text)
    assert ascii_text.translate(normalize_module._QUOTES) == ascii_text


def test_strip_unreadable_table_is_the_per_character_rule() -> None:
    every = "".join(map(chr, range(0x30000)))
    expected = "".join(
        c if c in normalize_module._PROSODY_PUNCTUATION or unicodedata.category(c)[0] in "LNMZ" or c == "\n" else " "
        for c in every
    )
    assert normalize_module.strip_unreadable(every) == expected


# -- the chunker's greedy cut, as it was written before it was made linear ------------------------


def _reference_fit(
    source: str, language: str, max_chars: int, levels: Sequence[chunking.CutFinder] | None = None,
    lexicon: Lexicon | None = None,
) -> list[Piece]:  # fmt: skip
    """fit_sentence before: every level normalises from scratch, candidates listed each time."""
    levels = _cut_levels(chunking.primary_language(language)) if levels is None else levels
    text = normalize(source, language, lexicon)
    if len(text) <= max_chars:
        return [Piece(source, text)] if text else []
    if not levels:
        return _split_spoken(source, text, max_chars)
    cuts = levels[0](source)
    if not cuts:
        return _reference_fit(source, language, max_chars, levels[1:], lexicon)
    pieces: list[Piece] = []
    bounds = [*cuts, len(source)]
    start = 0
    while start < len(source):
        candidates = [b for b in bounds if b > start]
        best: Piece | None = None
        end = candidates[0]
        for bound in candidates:
            span = source[start:bound].strip()
            spoken = normalize(span, language, lexicon)
            if len(spoken) > max_chars:
                break
            best, end = Piece(span, spoken), bound
        if best is None:
            pieces.extend(_reference_fit(source[start:end].strip(), language, max_chars, levels[1:], lexicon))
        elif best.text:
            pieces.append(best)
        start = end
    return pieces


_TRICKY_SENTENCES = [
    ("en", ("Mr. Smith, who paid $3.50 in 1984, met Dr. Jones at St. Louis; they spoke of Henry VIII, "
            "World War II and 1,234,567 other things — e.g. 22nd-century plans, at 3:30 pm.")),
    ("en", "one two three four five six seven eight nine ten " * 30),
    ("en", "a" * 500 + " short " + "9" * 80 + " end"),
    ("en", "No. 5, No. 6, No. 7, pp. 10-20, Vol. IV, ch. 3, c. 1850, approx. 5 km, 50%, #1 & #2"),
    ("en", "He/she said, \"Yes,\" then: \"No;\" and — finally — 'maybe', 1,000,000,000,000,000,000."),
    ("ja", "二〇二四年の4月20日に、彼は20日間、3本のペンと1万円を持って、東京へ行った" * 6),
    ("ja", "｜漢字《かんじ》を読む、" * 40),
    ("ja", "ABCDEFGHIJKLMNOPQRSTUVWXYZ、12345678901234567890、" * 8),
    ("fr", "Le roi Louis XIV, dit le Roi-Soleil, régna de 1643 à 1715; " * 10),
]


@pytest.mark.parametrize(("language", "sentence"), _TRICKY_SENTENCES)
@pytest.mark.parametrize("max_chars", [12, 20, 40, 75, 150, 300])
def test_fit_sentence_equals_the_greedy_reference(language: str, sentence: str, max_chars: int) -> None:
    assert fit_sentence(sentence, language, max_chars) == _reference_fit(sentence, language, max_chars)


def test_fit_sentence_equals_the_reference_with_a_lexicon() -> None:
    lexicon = Lexicon({"Smith": "Smithereens of a long name", "No.": "numero", "fox": "f"})
    for (language, sentence), max_chars in itertools.product(_TRICKY_SENTENCES[:5], (20, 60)):
        expected = _reference_fit(sentence, language, max_chars, lexicon=lexicon)
        assert fit_sentence(sentence, language, max_chars, lexicon=lexicon) == expected


def test_fit_sentence_equals_the_reference_on_fuzzed_sentences() -> None:
    for text, max_chars in zip(_fuzz_texts(300, seed=23), itertools.cycle([15, 30, 60, 120]), strict=False):
        assert fit_sentence(text, "en", max_chars) == _reference_fit(text, "en", max_chars), (text, max_chars)
