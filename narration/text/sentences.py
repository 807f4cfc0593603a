"""Sentence segmentation with pysbd, made lossless and corrected for Japanese quotes.

Each language is split with pysbd's rules for it, with the titles and abbreviations pysbd's
lists lack (``LANGUAGES``); Portuguese, which pysbd lacks, with Spanish's and its own
abbreviations; a language with no rules as English.

pysbd decides where sentences end; we only use its output to find cut points and always
slice the original text, so no character is lost, added or duplicated (pysbd may alter text
in edge cases). For Japanese, pysbd keeps 「」 quotes whole but cuts inside 『』 and
never cuts after a closing quote ("「本当？」「うん！」それで。" stays one sentence), so
the cut points are corrected: none inside brackets, and one after a closing bracket that
ends a quoted sentence unless a particle continues it (「はい。」と言った。).
"""

from __future__ import annotations

import copy
import re
import sys
import types
from itertools import pairwise
from typing import Any

import pysbd
import pysbd.processor
from pysbd.abbreviation_replacer import AbbreviationReplacer
from pysbd.languages import LANGUAGE_CODES

from narration.language import primary_language
from narration.model import Book

FALLBACK_LANGUAGE = "en"


# -- pysbd's regular expressions, compiled once ------------------------------------------------
#
# pysbd calls ``re.sub(pattern_string, ...)``, ``re.findall(...)`` and so on with pattern
# *strings*, several of them built per abbreviation (~3 x 200 for English) on every call.
# Python's ``re`` caches only 512 compiled patterns, so on a book those evict each other and
# about half of pysbd's time went into ``re.compile`` (57k compiles for War and Peace). The
# module-level name ``re`` inside pysbd's own modules is pointed at ``_CompiledPatterns``, which
# does exactly what ``re``'s functions do with a compiled pattern from its own, larger cache.
# Behaviour is unchanged by construction (same pattern, same flags, same ``Pattern`` method);
# only pysbd's modules see it, never the rest of the program's ``re``. (Checked in
# tests/test_planning_speed.py.) ``pysbd.segmenter`` is left alone: we do its one job ourselves
# (``_sentence_spans``), and its per-sentence patterns would only churn a cache.


# pysbd's patterns that backtrack over a long run, each with a linear one that matches the same
# text (tests/test_hostile_text.py compares them). CONTINUOUS_PUNCTUATION_REGEX tried every
# start inside a run of "?" or "!" and every length from each: 10,000 then a letter took 6 s,
# 20,000 took 19 s. A match can only start where a run starts (or one in, when nothing or a
# space comes before the run), and only end where it ends.
LINEAR_PATTERNS = {
    r"(?<=\S)(!|\?){3,}(?=(\s|\Z|$))": r"(?:(?<=\S)(?<![!?])|(?<=(?<!\S)[!?]))(!|\?){3,}+(?=(\s|\Z|$))",
}


# pysbd's "between punctuation" patterns, OPEN(?=(?P<tmp>[^CLOSE\\]+|\\{2}|\\.)*)(?P=tmp)CLOSE,
# whose class holds OPEN: at each OPEN of a run the lookahead scans on to the next CLOSE or the
# end, so 20,000 "[" took 0.9-1.2 s and 100,000 20.6 s. In a text with no backslash (the \\ forms
# cannot occur) each is exactly OPEN[^CLOSE\\]++CLOSE, and no match starts after the last CLOSE:
# that pattern on the text up to it is linear. (tests/test_hostile_text.py compares them.)
BETWEEN_PATTERNS = {
    original: (re.compile(rf"{re.escape(opening)}[^{re.escape(closing)}\\]++{re.escape(closing)}"), closing)
    for original, opening, closing in (
        (r"\[(?=(?P<tmp>[^\]\\]+|\\{2}|\\.)*)(?P=tmp)\]", "[", "]"),
        (r"\«(?=(?P<tmp>[^»\\]+|\\{2}|\\.)*)(?P=tmp)\»", "«", "»"),
        (r"\“(?=(?P<tmp>[^”\\]+|\\{2}|\\.)*)(?P=tmp)\”", "“", "”"),
        (r"《(?=(?P<tmp>[^》\\]+|\\{2}|\\.)*)(?P=tmp)》", "《", "》"),
        (r"「(?=(?P<tmp>[^」\\]+|\\{2}|\\.)*)(?P=tmp)」", "「", "」"),
        (r"„(?=(?P<tmp>[^“\\]+|\\{2}|\\.)*)(?P=tmp)“", "„", "“"),
        (r"\„(?=(?P<tmp>[^“\\]+|\\{2}|\\.)*)(?P=tmp)\“", "„", "“"),
        (r",,(?=(?P<tmp>[^“\\]+|\\{2}|\\.)*)(?P=tmp)“", ",,", "“"),
    )
}


class _CompiledPatterns(types.ModuleType):
    """``re``'s pattern functions, with an unbounded-in-practice cache of compiled patterns
    (cleared when it reaches ``LIMIT``: pysbd builds a few thousand distinct patterns at most)."""

    LIMIT = 20_000

    def __init__(self) -> None:
        super().__init__("narration_pysbd_re", "re for pysbd, with a larger pattern cache")
        self._patterns: dict[tuple[type, Any, int], re.Pattern[Any]] = {}

    def __getattr__(self, name: str) -> Any:  # escape, IGNORECASE, error... as in re
        return getattr(re, name)

    def compile(self, pattern: Any, flags: int = 0) -> re.Pattern[Any]:
        key = (type(pattern), pattern, flags)
        compiled = self._patterns.get(key)
        if compiled is None:
            compiled = re.compile(LINEAR_PATTERNS.get(pattern, pattern), flags)  # raises as re would
            if len(self._patterns) >= self.LIMIT:
                self._patterns.clear()
            self._patterns[key] = compiled
        return compiled

    def sub(self, pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
        between = BETWEEN_PATTERNS.get(pattern)
        if between is not None and not flags and isinstance(string, str) and "\\" not in string:
            linear, closing = between
            end = string.rfind(closing) + len(closing) if closing in string else 0
            return linear.sub(repl, string[:end], count) + string[end:]
        return self.compile(pattern, flags).sub(repl, string, count)

    def subn(self, pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
        return self.compile(pattern, flags).subn(repl, string, count)

    def split(self, pattern: Any, string: Any, maxsplit: int = 0, flags: int = 0) -> Any:
        return self.compile(pattern, flags).split(string, maxsplit)

    def findall(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return self.compile(pattern, flags).findall(string)

    def finditer(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return self.compile(pattern, flags).finditer(string)

    def search(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return self.compile(pattern, flags).search(string)

    def match(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return self.compile(pattern, flags).match(string)

    def fullmatch(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return self.compile(pattern, flags).fullmatch(string)


PYSBD_RE = _CompiledPatterns()


def _install_pattern_cache() -> list[str]:
    """Point ``re`` in pysbd's modules (all imported by now: ``pysbd.languages`` imports every
    language) at ``PYSBD_RE``; returns the modules' names."""
    patched = []
    for name, module in list(sys.modules.items()):
        in_pysbd = (name == "pysbd" or name.startswith("pysbd.")) and name != "pysbd.segmenter"
        if in_pysbd and getattr(module, "re", None) is re:
            module.re = PYSBD_RE  # type: ignore[attr-defined]
            patched.append(name)
    return patched


PATCHED_MODULES = _install_pattern_cache()


# -- pysbd's abbreviation pass, without repeating itself -------------------------------------
#
# pysbd 0.3.4's ``AbbreviationReplacer.search_for_abbreviations_in_string`` takes each of its
# ~190 abbreviations that occurs in the paragraph as a substring ("no" in "know", "p" in "up"),
# looks for it after a space with ``re.findall`` and, for every occurrence, runs a ``re.sub``
# over the *whole* paragraph in ``scan_for_replacements``: the same substitution again and
# again, quadratic in the paragraph's length (a 400,000-character paragraph took minutes).
# ``_QuickAbbreviations`` does the same with shortcuts that cannot change a result:
#
# - each substitution replaces the period right after the abbreviation: without the
#   abbreviation and a period in the text, it is not run (the text is returned as it is);
# - a substitution's result depends only on the text, the abbreviation as matched
#   (``am.strip()``) and the character pysbd looked up after it; once it has left a text
#   unchanged, running it on that same text again would too, so it is not run again;
# - ``findall(r"(?:^|\s|\r|\n)" + abbreviation, text, IGNORECASE)`` finds nothing unless the
#   abbreviation (plain letters) follows a space or the start in the text with each character
#   folded the way IGNORECASE compares it (``_FOLD``), which ``in`` checks much faster; two out
#   of three such searches found nothing.
#
# Only for pysbd 0.3.4, whose method this copies, and languages that do not replace it.

# What ``\s`` matches, to a space; what an IGNORECASE letter a-z matches (besides A-Z: dotted
# and dotless I, the long s, the Kelvin sign), to that letter. Every other character stays
# itself, so it is no letter a-z and no space. Checked against ``re`` in the tests.


class _Table(dict[int, str]):
    """A ``str.translate`` table that maps characters it lacks to themselves, remembering them
    (a plain dict's misses make ``translate`` raise and catch KeyError for each character)."""

    def __missing__(self, code: int) -> str:
        self[code] = char = chr(code)
        return char


_FOLD = _Table({
    **{ord(c): " " for c in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"},
    **{code: " " for code in range(0x2000, 0x200B)},
    **{ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k",
})


_ABBREVIATIONS: dict[int, list[tuple[str, bool]]] = {}


def _abbreviations(lang: Any) -> list[tuple[str, bool]]:
    """A language's abbreviations, stripped, each with whether it is plain ASCII letters."""
    listed = lang.Abbreviation.ABBREVIATIONS
    if id(listed) not in _ABBREVIATIONS:
        stripped = [abbr.strip() for abbr in listed]
        _ABBREVIATIONS[id(listed)] = [(a, a.isascii() and a.isalpha()) for a in stripped]
    return _ABBREVIATIONS[id(listed)]


class _QuickAbbreviations:
    """Mixed in before a language's ``AbbreviationReplacer``."""

    lang: Any

    def search_for_abbreviations_in_string(self, text: str) -> str:
        # pysbd 0.3.4's method (same statements, same order), with the ``_FOLD`` check added.
        lowered = text.lower()
        folded, folded_from = "", None
        for stripped, letters in _abbreviations(self.lang):
            if stripped not in lowered:
                continue
            if letters:
                if folded_from is not text:
                    folded, folded_from = " " + text.translate(_FOLD), text
                if " " + stripped.lower() not in folded:
                    continue  # findall below would find nothing
            abbrev_match = re.findall(rf"(?:^|\s|\r|\n){stripped}", text, flags=re.IGNORECASE)
            if not abbrev_match:
                continue
            next_word_start = r"(?<={" + str(re.escape(stripped)) + "} ).{1}"
            char_array = re.findall(next_word_start, text)
            for ind, match in enumerate(abbrev_match):
                text = self.scan_for_replacements(text, match, ind, char_array)
        return text

    def scan_for_replacements(self, txt: str, am: str, ind: int, char_array: list[str]) -> str:
        abbreviation = am.strip()
        key = (abbreviation, char_array[ind] if ind < len(char_array) else "")
        fixpoints: dict[tuple[str, str], str] = self.__dict__.setdefault("_fixpoints", {})
        if fixpoints.get(key) is txt:
            return txt
        if abbreviation + "." not in txt and re.escape(abbreviation) == abbreviation:
            result = txt  # each substitution replaces the period right after the abbreviation
        else:
            result = super().scan_for_replacements(txt, am, ind, char_array)  # type: ignore[misc]
            if result == txt:
                result = txt  # the same object, so that the next call knows it at once
        if result is txt:
            fixpoints[key] = txt
        return result


# -- each language's rules: pysbd's, with the abbreviations it lacks ----------------------------
#
# pysbd cuts after a known abbreviation when a capital follows, unless the abbreviation is
# "prepositive" (a title before a name). Its Spanish, French, Italian and Dutch lists lack most
# titles, so "El Sr. | García", "MM. | Dubois", "Dhr. | Jansen" were cut, as were "p. | ex." and
# "p. | ej." (before lower case: "p" alone is not listed); it has no Portuguese, which fell back
# to English ("O Sr. | Silva", "Ilmo. | Sr. | Diretor"). Portuguese takes Spanish's rules, the
# nearest pysbd has, with its own abbreviations. Measured on paragraphs written for it in six
# languages (bench/sentence_languages.py, bench/results/sentence_languages.md).
# Titles, and words before a street's name ("Av. Paulista"), that a name follows.
_TITLES = {
    "es": "sr sra srta sres dr dra lic ud uds d dña av avda",
    "fr": "m mm mme mmes mlle mlles dr me mgr",
    "it": "sig sigg sig.ra sig.na dott dott.ssa prof prof.ssa avv ing on",
    "nl": "dhr mevr mr dr drs ir ing prof ds",
    "pt": "sr sra srta srs sras dr dra drs prof profa d dna ilmo ilma exmo exma v vv exa exas revmo sto sta av r pça trav",
}
_MORE_ABBREVIATIONS = {
    "es": "p. ej ej p. e pág págs",
    "fr": "p. ex ex cf p pp éd vol chap",
    "it": "p. es es cfr pag pagg ecc",
    "nl": "bijv enz o.a i.p.v m.a.w d.w.z",
    "pt": (
        "p. ex ex etc cf pág págs p pp n nº núm cap caps vol vols ed apto tel fl fls obs "
        "sec séc a.c d.c jan fev mar abr mai jun jul ago set out nov dez"
    ),
}
# pysbd keeps a "number abbreviation"'s period only before a digit, though an abbreviation it
# lists anyway keeps it before a digit or a lower-case word: "p" is both "p. 12" and "p. ej.".
_NOT_ONLY_BEFORE_NUMBERS = {"p"}
_BASE = {"es": "es", "fr": "fr", "it": "it", "nl": "nl", "pt": "es"}


def _with_abbreviations(code: str) -> type:
    """pysbd's language class for ``_BASE[code]`` with ``code``'s titles and abbreviations added."""
    base = LANGUAGE_CODES[_BASE[code]]
    listed = base.Abbreviation
    titles = _TITLES[code].split()
    added = titles + _MORE_ABBREVIATIONS[code].split()
    abbreviation = type("Abbreviation", (listed,), {
        "ABBREVIATIONS": list(dict.fromkeys([*listed.ABBREVIATIONS, *added])),
        "PREPOSITIVE_ABBREVIATIONS": list(dict.fromkeys([*listed.PREPOSITIVE_ABBREVIATIONS, *titles])),
        "NUMBER_ABBREVIATIONS": [a for a in listed.NUMBER_ABBREVIATIONS if a not in _NOT_ONLY_BEFORE_NUMBERS],
    })
    return type(f"{base.__name__}For{code.capitalize()}", (base,), {"iso_code": code, "Abbreviation": abbreviation})


# The language class each language is split with (pysbd's own where it has nothing to add).
LANGUAGES: dict[str, Any] = {**LANGUAGE_CODES, **{code: _with_abbreviations(code) for code in _BASE}}


_PROCESSORS: dict[str, type] = {}


def _processor_class(language: str) -> type:
    """The processor ``pysbd.Segmenter`` uses for ``language``, with ``_QuickAbbreviations``
    where it applies (pysbd 0.3.4, a language that keeps the base class's two methods)."""
    if language not in _PROCESSORS:
        module = LANGUAGES[language]
        processor = getattr(module, "Processor", pysbd.processor.Processor)
        replacer = getattr(module, "AbbreviationReplacer", AbbreviationReplacer)
        if pysbd.__version__ == "0.3.4" and all(
            getattr(replacer, name) is getattr(AbbreviationReplacer, name)
            for name in ("search_for_abbreviations_in_string", "scan_for_replacements")
        ):
            quick = type(f"Quick{replacer.__name__}", (_QuickAbbreviations, replacer), {})
            processor = type(
                f"Quick{processor.__name__}", (processor,), {"abbreviations_replacer": lambda self: quick(self.text, self.lang)}
            )
        _PROCESSORS[language] = processor
    return _PROCESSORS[language]


def _sentence_spans(sentences: list[str], text: str) -> list[str]:
    r"""What ``pysbd.Segmenter.segment`` returns for ``text`` (clean=False, char_span=False)
    given the processor's ``sentences``: each one found in ``text`` with the whitespace after
    it, at its first non-overlapping occurrence that ends past the previous one's end.

    pysbd does this with ``re.finditer(re.escape(sentence) + r"\s*", text)``, one new pattern
    per sentence; ``str.find`` finds the same matches (a literal, then ``\s*``, whose ``\s`` is
    ``str.isspace`` for str patterns) without compiling any. An empty sentence, whose empty
    matches finditer steps over differently, still goes through the regular expression.

    A sentence's occurrences are looked at once each: one that ended at or before the previous
    span's end is passed over again and again by every later copy of that sentence, so each
    sentence's search goes on where its last one stopped (a paragraph of one sentence repeated
    3,800 times took 12 s, most of a 1 MB paragraph's 66 s to plan)."""
    spans: list[str] = []
    prior_end = 0
    # Where each sentence's chain of matches goes on: a match passed over ends at or before
    # ``prior_end``, which only grows, so it is never taken later. (Walking each chain from the
    # start again was quadratic where pysbd cuts a run of "?" into thousands of equal pieces.)
    resume: dict[str, int] = {}
    for sentence in sentences:
        if not sentence:
            for match in re.finditer(r"\s*", text):
                if match.end() > prior_end:
                    spans.append(match.group())
                    prior_end = match.end()
                    break
            continue
        position = resume.get(sentence, 0)
        while (found := text.find(sentence, position)) >= 0:
            end = found + len(sentence)
            while end < len(text) and text[end].isspace():
                end += 1
            position = end
            if end > prior_end:
                spans.append(text[found:end])
                prior_end = end
                break
        resume[sentence] = position
    return spans


def _segment(text: str, language: str) -> list[str]:
    """``pysbd.Segmenter(language, clean=False, char_span=False).segment(text)``: its processor
    (with ``_processor_class``'s abbreviation pass), then ``_sentence_spans``."""
    if not text:
        return []
    # A fresh processor per call: it keeps state on the instance, so sharing one across threads
    # (Prefect's default task runner) would mix texts up; construction costs ~1 us.
    processor = _processor_class(language)(text, LANGUAGES[language], char_span=False)
    return _sentence_spans(processor.process(), text)


def _pysbd_language(language: str) -> str:
    primary = primary_language(language)
    return primary if primary in LANGUAGES else FALLBACK_LANGUAGE


def _pysbd_starts(text: str, language: str) -> list[int]:
    """Offsets in ``text`` where pysbd starts a sentence (after the first)."""
    starts, cursor = [], 0
    for segment in _segment(text, language):
        piece = segment.strip()
        if not piece:
            continue
        position = text.find(piece, cursor)
        if position < 0:  # pysbd changed the text here: drop this cut, keep the text
            continue
        if position > 0:
            starts.append(position)
        cursor = position + len(piece)
    return starts


# -- Japanese corrections --------------------------------------------------------------------

_OPEN = "「『（(【〈《"
_CLOSE = "」』）)】〉》"
_QUOTE_CLOSE = "」』"
_TERMINAL = "。！？!?…‥"
# What may follow a closing quote and still be the same sentence: quotative and case
# particles (と, って, など...). Anything else after a quote that ended a sentence starts a new one.
_CONTINUATION = re.compile(
    r"[\s\u3000]*(?:と|って|っ|など|なんて|とか|の|が|を|に|は|も|で|や|へ|から|まで|より|か|[、。」』）)】〉》])"
)


def _depths(text: str) -> list[int]:
    """Bracket nesting depth before each offset (and at the end)."""
    depths, depth = [0], 0
    for char in text:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE and depth > 0:
            depth -= 1
        depths.append(depth)
    return depths


def _quote_ends(text: str, depths: list[int]) -> list[int]:
    """Offsets just after a closing quote that ends a sentence ("「本当？」" + "「うん！」")."""
    ends = []
    for i, char in enumerate(text):
        if char in _QUOTE_CLOSE and depths[i + 1] == 0 and i > 0 and text[i - 1] in _TERMINAL:
            rest = text[i + 1 :]
            if rest.strip() and not _CONTINUATION.match(rest):
                ends.append(i + 1)
    return ends


def _japanese_starts(text: str, starts: list[int]) -> list[int]:
    depths = _depths(text)
    if depths[-1] != 0:  # unbalanced brackets: depth means nothing, trust pysbd
        depths = [0] * len(depths)
    outside = [s for s in starts if depths[s] == 0]
    return sorted(set(outside) | set(_quote_ends(text, depths)))


# -- English corrections ---------------------------------------------------------------------

# pysbd ends a sentence at a period it does not know as an abbreviation, old money among them:
# "Oats to 16s. | the quarter", "paid £3 10s. | 6d. | for it", "in his 20s. | when", "five per
# cent. | is". After a period on the same line, an English sentence does not start in lower case
# or with a comma, and pence after shillings belong to them. Cuts at line breaks (verse) and
# after "?" or "!" stay.
_NOT_A_START = re.compile(r"[a-z,;:]|\d{1,2}\s?d\.")
_PERIOD_BEFORE = re.compile(r"\.[ \t]*$")
_MONEY_END = re.compile(r"\d\s?[sd]\.[ \t]*$")


def _english_starts(text: str, starts: list[int]) -> list[int]:
    kept = []
    for start in starts:
        before, follows = text[max(0, start - 40) : start], text[start : start + 8]  # the patterns are short
        joined = _NOT_A_START.match(follows) and (
            _MONEY_END.search(before) if follows[0].isdigit() else _PERIOD_BEFORE.search(before)
        )
        if not joined:
            kept.append(start)
    return kept


# -- public API --------------------------------------------------------------------------------


def split_sentences(text: str, language: str) -> list[str]:
    """Split ``text`` into sentences: stripped, non-empty slices of ``text`` that together hold
    every non-space character of it, in order. Languages pysbd lacks fall back to English."""
    segmenter_language = _pysbd_language(language)
    starts = _pysbd_starts(text, segmenter_language)
    if segmenter_language == "ja":
        starts = _japanese_starts(text, starts)
    elif segmenter_language == "en":
        starts = _english_starts(text, starts)
    bounds = [0, *starts, len(text)]
    pieces = (text[a:b].strip() for a, b in pairwise(bounds))
    return [piece for piece in pieces if piece]


def segment_book(book: Book) -> Book:
    """A copy of ``book`` whose paragraphs have ``sentences`` filled; ``book`` is untouched.
    Paragraphs that already have sentences (e.g. hand-corrected ones) keep them."""
    segmented = copy.deepcopy(book)
    for chapter in segmented.chapters:
        for paragraph in chapter.paragraphs:
            if not paragraph.sentences:
                paragraph.sentences = split_sentences(paragraph.text, chapter.language or book.language)
    return segmented
