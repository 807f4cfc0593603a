"""The book's language from its text, beside what its metadata declares.

A book's metadata is often missing (plain text, Markdown without front matter) or wrong (an
EPUB template's ``en`` on a French book), so every book's text is read by ``lingua``
(``lingua-language-detector``) in its low-accuracy mode: trigrams only, ~85 MB of memory
instead of ~1 GB, a few milliseconds a chapter, and on paragraph-sized samples as right as
the high-accuracy mode (measured on our samples in eleven languages: 70 of 71 paragraphs and
sentences, the miss an Italian sentence of eight words; every paragraph right).

Each chapter with enough letters is detected on its own; the book's language is the one that
most of its detected letters are in. The metadata wins where the text cannot tell (too few
letters, no clear winner); the text wins where it clearly says another language, with a
warning. A chapter clearly in another language than the book keeps its own (``Chapter.language``),
so a mixed book reads each chapter in its language.
"""

from __future__ import annotations

import dataclasses
import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

from narration.ingest.textfile import is_cjk
from narration.language import primary_language
from narration.model import Book, Chapter

log = logging.getLogger(__name__)

# A chapter is detected from at most this many characters of its paragraphs, taken from its
# start, middle and end (a long chapter's sample costs what a short one's does).
SAMPLE_CHARS = 3000
# Fewer letters than this and a text says nothing: short texts are where detectors err.
MIN_LETTERS = 60
# A chapter reads in another language than the book's, and the text outvotes the metadata, only
# on more evidence than that: a dedication or an epigraph in Latin is not a chapter in Latin.
CHAPTER_LETTERS = 400
# The detector's relative confidence (0-1, summing to 1 over all languages) that counts as clear.
CLEAR = 0.8

METADATA = "metadata"
TEXT = "text"
AGREE = "metadata and text agree"
DEFAULT = "default"


@dataclasses.dataclass(frozen=True)
class Detected:
    language: str  # ISO 639-1, lower case
    letters: int  # how many letters the sample had: the weight of this vote


@cache
def _detector() -> Any:
    from lingua import LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def _letters(text: str) -> int:
    """Letters of evidence: a kana or a Han character counts three, about a short word's letters
    (a paragraph of Mandarin is 100 characters, and its script alone says much); the vowel signs
    of Indic scripts (marks, not letters to Python) count as letters."""
    return sum(3 if is_cjk(ch) else 1 for ch in text if ch.isalpha() or unicodedata.category(ch) in ("Mn", "Mc"))


def detect(text: str) -> Detected | None:
    """The language ``text`` is clearly in, or None (too few letters, or no clear winner)."""
    letters = _letters(text)
    if letters < MIN_LETTERS:
        return None
    values = _detector().compute_language_confidence_values(text)
    if not values or values[0].value < CLEAR:
        return None
    code = values[0].language.iso_code_639_1.name.lower()
    return Detected(code, letters)


def sample(paragraphs: Iterable[str], limit: int = SAMPLE_CHARS) -> str:
    """Up to ``limit`` characters of the paragraphs, a third each from the start, the middle
    and the end, so a long preface or a closing letter does not decide alone."""
    texts = [t for t in paragraphs if t.strip()]
    if sum(len(t) for t in texts) <= limit:
        return "\n".join(texts)
    third = limit // 3
    picked: list[str] = []
    for start in (0, len(texts) // 2, max(0, len(texts) - 1)):
        size = 0
        for text in texts[start:]:
            picked.append(text[: third - size])
            size += len(picked[-1])
            if size >= third:
                break
    return "\n".join(picked)


def chapter_language(chapter: Chapter) -> Detected | None:
    return detect(sample(p.text for p in chapter.paragraphs))


def decide(declared: str, detected: Detected | None, fallback: str) -> tuple[str, str]:
    """The book's language and where it came from, from what the metadata declares ("" for
    nothing) and what the text clearly is (None: it cannot tell); ``fallback`` when neither."""
    declared = primary_language(declared)
    if detected is None:
        return (declared, METADATA) if declared else (primary_language(fallback) or "en", DEFAULT)
    if not declared:
        return detected.language, TEXT
    if detected.language == declared:
        return declared, AGREE
    if detected.letters < CHAPTER_LETTERS:  # a few lines do not outvote what the file declares
        return declared, METADATA
    return detected.language, f"{TEXT}, not the metadata's {declared!r}"


def with_language(book: Book, declared: str) -> Book:
    """``book`` with its language decided from its text and ``declared`` (the metadata's tag, ""
    when it has none), the source recorded, and each chapter that is clearly in another
    language marked with it."""
    found = [chapter_language(ch) for ch in book.chapters]
    votes: Counter[str] = Counter()
    for d in found:
        if d is not None:
            votes[d.language] += d.letters
    # Chapters too short to say anything alone (a book of short poems) are heard together.
    majority = Detected(*votes.most_common(1)[0]) if votes else detect(
        sample(p.text for ch in book.chapters for p in ch.paragraphs))
    language, source = decide(declared, majority, book.language)
    if source.startswith(f"{TEXT}, "):
        log.warning("%s: the metadata says %r but the text is %r; reading it as %r", book.source,
                    primary_language(declared), language, language)
    chapters = [
        dataclasses.replace(ch, language=d.language if _own(d, language) else "")
        for ch, d in zip(book.chapters, found, strict=True)
    ]  # fmt: skip
    return dataclasses.replace(book, language=language, language_source=source, chapters=chapters)


def _own(chapter: Detected | None, book: str) -> bool:
    """Whether a chapter detected as ``chapter`` reads in its own language, not the book's."""
    return chapter is not None and chapter.language != book and chapter.letters >= CHAPTER_LETTERS


def language_name(code: str) -> str:
    """'fi' -> 'Finnish'; a code lingua does not know stays as it is."""
    from lingua import IsoCode639_1, Language

    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(primary_language(code))).name.title()
    except ValueError:
        return code


def languages_of(book: Book) -> list[str]:
    """Every language the book is read in: its own first, then its chapters' others."""
    return list(dict.fromkeys([book.language, *(ch.language for ch in book.chapters if ch.language)]))
