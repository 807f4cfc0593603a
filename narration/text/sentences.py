"""Sentence segmentation with pysbd, made lossless and corrected for Japanese quotes.

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
from itertools import pairwise

import pysbd
from pysbd.languages import LANGUAGE_CODES

from narration.language import primary_language
from narration.model import Book

FALLBACK_LANGUAGE = "en"


def _segmenter(language: str) -> pysbd.Segmenter:
    # A fresh one per call: segment() keeps state on the instance, so sharing one across
    # threads (Prefect's default task runner) would mix texts up; construction costs ~1 us.
    return pysbd.Segmenter(language=language, clean=False, char_span=False)


def _pysbd_language(language: str) -> str:
    primary = primary_language(language)
    return primary if primary in LANGUAGE_CODES else FALLBACK_LANGUAGE


def _pysbd_starts(text: str, language: str) -> list[int]:
    """Offsets in ``text`` where pysbd starts a sentence (after the first)."""
    starts, cursor = [], 0
    for segment in _segmenter(language).segment(text):
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


# -- public API --------------------------------------------------------------------------------


def split_sentences(text: str, language: str) -> list[str]:
    """Split ``text`` into sentences: stripped, non-empty slices of ``text`` that together hold
    every non-space character of it, in order. Languages pysbd lacks fall back to English."""
    segmenter_language = _pysbd_language(language)
    starts = _pysbd_starts(text, segmenter_language)
    if segmenter_language == "ja":
        starts = _japanese_starts(text, starts)
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
                paragraph.sentences = split_sentences(paragraph.text, book.language)
    return segmented
