"""Project Gutenberg's own text around a book: the header, the licence, production credits.

Every Gutenberg edition wraps the book in text no listener wants: a header ("The Project
Gutenberg eBook of ...", "This eBook is for the use of anyone anywhere ...", Title/Author/
Language fields) that ends with a ``*** START OF THE PROJECT GUTENBERG EBOOK ... ***`` line, and
a footer that starts with ``*** END OF ...`` (older files: "End of the Project Gutenberg EBook
of ...", "End of Project Gutenberg's ...") followed by the licence, about 3,000 words. Current
EPUB 3 and HTML files also mark both with ids and classes (``pg-header``, ``pg-footer``,
``pg-boilerplate``). This module recognises all of these, on text lines and on HTML elements,
and reads the header's fields as metadata.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

_PG = r"project\s+gutenberg"
_EBOOK = r"e-?(?:book|text)s?"
# Every pattern here runs on every paragraph of a book, so none may backtrack over a long run:
# ``(?>\W*\*)`` is "punctuation ending in an asterisk", decided once (``\W*\*+`` tried every
# split of a 20,000-asterisk line: 42 s), and ``\W*+`` never gives back what it took.
START_MARKER = re.compile(
    rf"^(?>\W*\*)\s*start\s+of\s+(?:the\s+|this\s+)?{_PG}(?:'s)?\s+{_EBOOK}\b"
    r"|^(?>\W*\*)end\*the small print",  # 1990s etexts: the header's small print ends here
    re.IGNORECASE,
)
END_MARKER = re.compile(
    rf"^(?>\W*\*)\s*end\s+of\s+(?:the\s+|this\s+)?{_PG}(?:'s)?\s+{_EBOOK}\b"
    rf"|^\W*+end\s+of\s+(?:the\s+|this\s+)?{_PG}(?:['’]s)?\b"
    rf"|^(?>\W*\*)\s*end\s+of\s+the\s+{_PG}\b"
    r"|^\W*+the full project gutenberg license\b"
    r"|^(?>\W*\*)\s*start:\s*full\s+license",
    re.IGNORECASE,
)
# Lines of the header when a file has no START marker (some older HTML and EPUB 2 editions).
HEADER_LINE = re.compile(
    rf"^\W*+(?:the\s+)?{_PG}(?:['’]s)?\s+(?:{_EBOOK}|edition|etext)\b"
    rf"|^this\s+{_EBOOK}\s+is\s+for\s+the\s+use\s+of\s+anyone"
    r"|^(?:title|author|editor|translator|illustrator|release date|posting date|first posted|"
    r"last updated|language|character set encoding|credits|most recently updated|original publication)\s*:",
    re.IGNORECASE,
)
# Production credits just after the START marker: who scanned and proofread the edition.
CREDIT_LINE = re.compile(
    r"^\W*+(?:produced\s+by|prepared\s+by|transcribed\s+by|scanned\s+(?:and\s+proofed\s+)?by"
    rf"|(?:this\s+)?(?:{_EBOOK}|html\s+version|e-?book\s+edition)\s+(?:was\s+)?"
    r"(?:produced|prepared|created|transcribed|scanned|updated)\s+by"
    r"|transcribed\s+from\s+the\s+.{0,80}\bby\b"
    r"|(?:an?\s+)?[\w\s]{0,40}\bedition\s+(?:was\s+)?produced\s+(?:in\s+\d{4}\s+)?by\b"
    r"|.{0,200}\bdistributed\s+proofread(?:ing|ers)\b)",
    re.IGNORECASE,
)
TRANSCRIBER_NOTE = re.compile(
    r"^\W*+(?:original\s+|etext\s+|e-text\s+)?(?:transcriber|preparer)['’]?s?\s+notes?\b"
    r"|^\W*+(?:a\s+)?note\s+on\s+the\s+(?:e-?)?text\b"
    r"|^\W*+notes?\s+(?:du|de\s+la)\s+(?:transcripteur|transcription)\b"
    r"|^\W*+(?:anmerkungen?|hinweise?)\s+(?:des|der|zur)\s+(?:transkription|bearbeit\w*|digitalisier\w*)",
    re.IGNORECASE,
)

BOILERPLATE_IDS = frozenset({"pg-header", "pg-footer", "pg-machine-header", "pg-start-separator",
                             "pg-end-separator", "pg-smallprint"})
BOILERPLATE_CLASSES = frozenset({"pg-boilerplate", "pgheader", "pgfooter"})
TRANSCRIBER_CLASSES = frozenset({"transnote", "tnote", "transcriber", "transcribernote", "trnote", "tn"})
CREDIT_SCAN = 12  # blocks after the START marker searched for production credits

# The value a word at a time ("(\S.*?)\s*$" tried the end at every character: 20,000 spaces inside
# a "Title:" line took 1.6 s, quadratic).
_FIELD = re.compile(r"^\s*(title|author|authors|translator|language)\s*+:\s*+(\S(?:[^\S\n]*+\S)*+)\s*$", re.IGNORECASE)
_LANGUAGES = {
    "english": "en", "japanese": "ja", "french": "fr", "german": "de", "spanish": "es", "italian": "it",
    "portuguese": "pt", "dutch": "nl", "latin": "la", "finnish": "fi", "swedish": "sv", "chinese": "zh",
    "russian": "ru", "danish": "da", "norwegian": "no", "greek": "el", "polish": "pl", "hungarian": "hu",
}  # fmt: skip


@dataclass
class HeaderMeta:
    """What a Gutenberg header says about the book."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""  # primary subtag, "" if not given

    def merge(self, line: str) -> None:
        match = _FIELD.match(line)
        if not match:
            return
        key, value = match.group(1).lower(), " ".join(match.group(2).split())
        if key == "title" and not self.title:
            self.title = value
        elif key in ("author", "authors") and not self.authors:
            self.authors = [a for a in re.split(r"(?:(?<!\s)\s++)?(?:;|\band\b|&)\s*+", value) if a]
        elif key == "language" and not self.language:
            first = re.split(r"[,;/]| and ", value)[0].strip().lower()
            self.language = _LANGUAGES.get(first, first if re.fullmatch(r"[a-z]{2,3}", first) else "")


def is_start(text: str) -> bool:
    return bool(START_MARKER.match(text))


def is_end(text: str) -> bool:
    return bool(END_MARKER.match(text))


def names_gutenberg(text: str) -> bool:
    """A title or heading about Project Gutenberg itself ("About Project Gutenberg", "The Full
    Project Gutenberg License")."""
    return re.search(_PG, text, re.IGNORECASE) is not None


def is_credit(text: str) -> bool:
    return bool(CREDIT_LINE.match(text))


def is_transcriber_note(text: str) -> bool:
    return bool(TRANSCRIBER_NOTE.match(text))


def body_span(texts: Sequence[str]) -> tuple[int, int]:
    """``(start, end)``: the book's own text is ``texts[start:end]``; the rest is Gutenberg's.

    ``texts`` are the book's paragraphs (or lines) in reading order. Without a START marker a
    run of header lines at the very top still counts as header; without an END marker the
    body runs to the end.
    """
    # The last START marker before any END: 1990s files have a START line, then the "small
    # print" licence, then "*END*THE SMALL PRINT!" where the book begins.
    start = next((i + 1 for i, text in enumerate(texts) if is_start(text)), None)
    if start is not None:
        first_end = next((i for i in range(start, len(texts)) if is_end(texts[i])), len(texts))
        start = max(i + 1 for i in range(start - 1, first_end) if is_start(texts[i]))
    if start is None:
        start = 0
        while start < len(texts) and HEADER_LINE.match(texts[start]):
            start += 1
        if start and not any(re.search(_PG, t, re.IGNORECASE) for t in texts[:start]):
            start = 0  # "Title: ..." lines alone are not a Gutenberg header
    end = next((i for i in range(start, len(texts)) if is_end(texts[i])), len(texts))
    return start, end


def credit_indices(texts: Sequence[str], start: int) -> list[int]:
    """Indices of production-credit paragraphs among the first few after ``start``."""
    return [i for i in range(start, min(start + CREDIT_SCAN, len(texts))) if is_credit(texts[i])]


def header_metadata(texts: Sequence[str]) -> HeaderMeta:
    """Title, authors and language from header lines ("Title: ...", "Author: ...")."""
    meta = HeaderMeta()
    for text in texts:
        previous = ""
        for line in text.splitlines():
            # An indented line under "Author:" names a second author ("Author: A\n        B").
            if line[:1].isspace() and line.strip() and _FIELD.match(previous) and not _FIELD.match(line):
                key = _FIELD.match(previous).group(1).lower()  # type: ignore[union-attr]
                if key in ("author", "authors") and meta.authors:
                    meta.authors.append(" ".join(line.split()))
                    continue
            meta.merge(line)
            previous = line if _FIELD.match(line) else previous if line[:1].isspace() else ""
    return meta


def boilerplate_element(el: etree._Element) -> bool:
    """An element that is Gutenberg's header or footer by its id or class (EPUB 3 / HTML)."""
    if (el.get("id") or "").lower() in BOILERPLATE_IDS:
        return True
    return bool(set((el.get("class") or "").lower().split()) & BOILERPLATE_CLASSES)


def transcriber_element(el: etree._Element) -> bool:
    return bool(set((el.get("class") or "").lower().split()) & TRANSCRIBER_CLASSES)
