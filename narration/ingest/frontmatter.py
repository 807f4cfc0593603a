"""Front matter that is not narration, recognised by its text when markup does not say so.

A printed title page survives in most Project Gutenberg editions as a few short lines: the
title, "by", the author, "Illustrated by ...", the publisher, a city and a year, a copyright
line. A listener hears the title and author from the chapter announcement and the M4B tags;
the page itself is left out. Prose front matter (a preface, a dedication, an epigraph) has
sentences and stays.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from narration.ingest.block_kinds import is_reference
from narration.ingest.omissions import COLOPHON, TITLE_PAGE, omission
from narration.model import Chapter, Omission

COPYRIGHT_LINE = re.compile(
    r"^\W*(?:copyright(?:ed)?\b|\(c\)\s*\d|©|all rights reserved|printed in\b|published by\b|"
    r"entered according to act of congress|first (?:published|edition|printed)\b|isbn\b)",
    re.IGNORECASE,
)
# Who published a book, where: the words of an imprint line ("London: Smith, Elder & Co.").
_PUBLISHING = (r"publish\w*|press|company|co\.|sons|brothers|& co|limited|ltd|london|new york|boston|philadelphia|"
               r"chicago|edinburgh|paris|toronto|printed|edition")
_YEARS = r"\b1[5-9]\d\d\b|\b20\d\d\b"
_IMPRINT = re.compile(
    rf"\b(?:by|author of|illustrat\w*|with \w+ illustrations|edited|translated|{_PUBLISHING}|"
    rf"copyright|frontispiece|volume|vol\.)\b|{_YEARS}|\b[MDCLX]{{3,}}\b",
    re.IGNORECASE,
)
MAX_LINE_WORDS = 16
# "1874 was 1st edition of this translation. 1909 was the London reprinting.": a sentence, but
# an edition note of the title page's back, not prose of the book.
# A year, and after it a word of printing (or the other way round). Only the first year (word)
# is tried: a later one has no more text after it ("1850 " * 4,000 took 2.8 s from every year).
_EDITION_NOTE = re.compile(r"^(?>.*?\b1[5-9]\d\d\b).*\b(?:edition|reprint\w*|impression|printing|published)\b"
                           r"|^(?>.*?\b(?:edition|reprint\w*|impression|printing|published)\b).*\b1[5-9]\d\d\b",
                           re.IGNORECASE)
# A play's cast list is read, though it names the play and is made of short lines.
CAST_LIST = re.compile(r"^\W*(?:dramatis\s+person\w*|persons\s+(?:of\s+the\s+(?:drama|play)|represented)|"
                       r"the\s+persons|characters(?:\s+in\s+the\s+play)?|cast(?:\s+of\s+characters)?)\W*$",
                       re.IGNORECASE)
_BYLINE = re.compile(r"^\W*(?:by\b|author\s+of\b|by\s+the\s+author\s+of\b|with\b|illustrat|translated|edited)",
                     re.IGNORECASE)
_CJK_SENTENCE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff][。！？]")


def _cjk_words(line: str) -> int:
    """Japanese has no spaces: about two characters a word."""
    return sum(1 for ch in line if "\u3040" <= ch <= "\u9fff") // 2
MAX_PAGE_WORDS = 160


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


@functools.lru_cache(maxsize=1024)
def _whole_words(needle: str) -> re.Pattern[str]:
    """A name as whole words, compiled once: the same titles and authors are looked for in every
    page tried (re's own cache holds 512 patterns, fewer than a long book's lines)."""
    return re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)")


def is_copyright_line(text: str) -> bool:
    return bool(COPYRIGHT_LINE.match(text)) and len(text.split()) <= 40


def looks_like_title_page(
    lines: Sequence[str], title: str = "", authors: Sequence[str] = (), *, strict: bool = False
) -> bool:
    """Whether these paragraphs are a title page: only short lines, no running prose, and at
    least one line that names the book, its author, a publisher, a place or a year (``strict``:
    the book or its author by name, or a copyright line)."""
    lines = [part for line in lines for part in line.split("\n") if part.strip()]  # <br> lines count alone
    if not lines or CAST_LIST.match(lines[0]):
        return False
    if sum(map(is_reference, lines)) >= 3:  # a bibliography's entries name publishers, places and years too
        return False
    if any(_CJK_SENTENCE.search(line) or _cjk_words(line) > MAX_LINE_WORDS for line in lines):
        return False  # Japanese prose: sentences end with 。 and words are not spaced
    # The book's own (sub)title may be a long sentence: "For preventing the children of poor
    # people in Ireland, from being a burden ..." is still the title page's.
    book_title = _norm(title)
    titled = {line for line in lines if len(_norm(line)) >= 4 and _norm(line) in book_title}
    words = sum(len(line.split()) for line in lines if line not in titled)
    # "Author of 'Little Lord Fauntleroy', 'A Little Princess' ..." runs long on a title page.
    long_lines = [line for line in lines if len(line.split()) > MAX_LINE_WORDS and not _BYLINE.match(line)
                  and not is_copyright_line(line) and line not in titled]
    if words > MAX_PAGE_WORDS or long_lines:
        return False
    # Prose: a line of several words that ends a sentence and reads like one.
    # (Most of its words in lower case: "Nos. 19 To 39 Astor Place, New York." is an imprint.)
    prose = [line for line in lines if len(line.split()) >= 8 and re.search(r"[a-z][.!?]['\"”’]?$", line)
             and sum(w[:1].islower() for w in line.split()) >= len(line.split()) / 2
             and not is_copyright_line(line) and not _EDITION_NOTE.search(line) and line not in titled]
    if prose:
        return False
    names = [_norm(n) for n in (title, *authors) if n and _norm(n)]
    text = _norm(" ".join(lines))
    def contains(haystack: str, needle: str) -> bool:
        return len(needle) >= 4 and _whole_words(needle).search(haystack) is not None

    names_book = any(contains(text, name) for name in names) or any(
        contains(name, _norm(line)) for line in lines for name in names
    )
    if strict:
        return names_book or any(map(is_copyright_line, lines))
    imprint = sum(bool(_IMPRINT.search(line)) or is_copyright_line(line) for line in lines)
    return names_book or imprint >= max(1, len(lines) // 3)


def title_page_lines(lines: Sequence[str], title: str, authors: Sequence[str], heading: str = "") -> int:
    """How many of a chapter's first paragraphs are a title page glued to its text (a
    dedication or a chapter after it): 0 when none, never all of them. ``heading``: the
    chapter's title, which counts as a line of the page (an author's name as a TOC entry)."""
    found = 0
    for n in range(1 if heading else 2, min(len(lines), 16)):
        page = [heading, *lines[:n]] if heading else list(lines[:n])
        if _is_stanza(lines[n - 1]):
            break  # a stanza, though its first words are the book's title ("Little Bo-Peep has lost her sheep,")
        if looks_like_title_page(page, title, authors, strict=True):
            found = n
        elif not looks_like_title_page(page, title, authors):
            break
    return found


# A printer's colophon closing a scanned edition: "CHISWICK PRESS:—CHARLES WHITTINGHAM AND CO.
# TOOKS COURT, CHANCERY LANE, LONDON." Short, mostly capitals, naming a press or printer.
_PRINTER = re.compile(r"\b(?:press|printers?|printed\s+by|printing|typograph\w*|electrotyped|& co\b|and co\b|"
                      r"(?:&|and)\s+sons?\b)", re.IGNORECASE)
_PRINTED_BY = re.compile(r"^\W*printed\s+(?:and\s+bound\s+)?(?:by|at)\b|\bprinters\s+to\b"
                         r"|^\W*(?:druck\s+(?:von|vom|der)|gedruckt\s+bei|imprimerie|imprimé\s+par)\b", re.IGNORECASE)


def is_printer_colophon(text: str) -> bool:
    """A printer's line: short, naming a press or printer, in capitals or saying "Printed by"."""
    letters = [ch for ch in text if ch.isalpha()]
    capitals = sum(ch.isupper() for ch in letters) >= 0.7 * len(letters) if letters else False
    if len(text.split()) > 30:
        return False
    return (capitals and _PRINTER.search(text) is not None) or _PRINTED_BY.search(text) is not None


def trailing_colophon(lines: Sequence[str]) -> int:
    """How many of a book's last paragraphs are a printer's colophon (0 if none)."""
    count = 0
    while count < min(3, len(lines)) and is_printer_colophon(lines[len(lines) - 1 - count]):
        count += 1
    return count


def cut_printer_colophon(chapters: list[Chapter], keep: frozenset[str]) -> Omission | None:
    """Take a printer's colophon off the end of the last chapter; what was cut, or None."""
    if not chapters or COLOPHON in keep:
        return None
    last = chapters[-1]
    count = trailing_colophon([p.text for p in last.paragraphs])
    if not count or count == len(last.paragraphs):
        return None
    cut = [p.text for p in last.paragraphs[-count:]]
    del last.paragraphs[-count:]
    return omission(COLOPHON, last.source, cut)


MAX_TRAILING_PAGE = 12  # paragraphs a title page at a chapter's end may take
# A title page's imprint: a publisher, a publishing city or a year (not "by", which verse uses).
_PUBLISHED = re.compile(rf"\b(?:{_PUBLISHING}|verlag|éditions?|editorial|editore)\b|{_YEARS}", re.IGNORECASE)


def trailing_title_page(lines: Sequence[str]) -> int:
    """How many of a chapter's last paragraphs are the next work's title page, glued to its end
    (an omnibus: "THE SECOND NOVEL / BY ... / LONDON / 1899" after the first novel's last line);
    0 if none, never all of them. The page must name a publisher, place or year (its imprint):
    a poem's short closing lines do not."""
    found = 0
    for n in range(2, min(len(lines), MAX_TRAILING_PAGE + 1)):
        page = list(lines[-n:])
        if _is_verse(page):
            return 0  # a poem's last lines, closing on its place and date ("Paris, mai 1842.")
        if looks_like_title_page(page) and any(_PUBLISHED.search(line) for line in page):
            found = n
        elif not looks_like_title_page(page):
            break
    # The page follows the work's last prose: a list of short lines (contributors, addresses)
    # ending a chapter is that chapter's text, not a title page.
    # A poem's last lines and its date after the lines before them that run on are no page.
    before = lines[max(0, len(lines) - found - _VERSE_LOOKBACK):len(lines) - found]
    return found if found and _ends_prose(lines[-found - 1]) and not _is_verse(before) else 0


_VERSE_LOOKBACK = 4  # lines before a trailing page looked at for verse
_VERSE_END = re.compile(r"[,;]['\"”’»)]*\s*$")
_EXCLAIMS = re.compile(r"[!?]['\"”’»)\s]*$")


def _is_verse(paragraphs: Sequence[str]) -> bool:
    """Lines of verse: a line that runs on (ends in a comma or semicolon), or two that exclaim or
    ask, naming no publisher, place or year: a title page's title and author lines do neither
    (one title may end in "!": "Westward Ho!")."""
    lines = [line for paragraph in paragraphs for line in paragraph.split("\n") if not _PUBLISHED.search(line)]
    return any(_VERSE_END.search(line) for line in lines) or sum(bool(_EXCLAIMS.search(line)) for line in lines) >= 2


def _is_stanza(paragraph: str) -> bool:
    """A stanza: three lines or more, two of them running on (a title page's title may run on
    once: "OF TRISTRAM SHANDY,\nGENTLEMAN.")."""
    lines = [line for line in paragraph.split("\n") if line.strip()]
    return len(lines) >= 3 and sum(bool(_VERSE_END.search(line)) for line in lines) >= 2


def _ends_prose(line: str) -> bool:
    return bool(_CJK_SENTENCE.search(line)) or (len(line.split()) >= 8 and re.search(r"[.!?…\"”’)]\s*$", line) is not None)


def cut_trailing_title_pages(chapters: list[Chapter], keep: frozenset[str]) -> list[Omission]:
    """Take the title pages glued to chapters' ends off them; what was cut."""
    if TITLE_PAGE in keep:
        return []
    cut: list[Omission] = []
    for chapter in chapters:
        if count := trailing_title_page([p.text for p in chapter.paragraphs]):
            cut.append(omission(TITLE_PAGE, chapter.source, [p.text for p in chapter.paragraphs[-count:]]))
            del chapter.paragraphs[-count:]
    return cut


_LEGAL = re.compile(
    r"\b(?:rights?|reserved|trademarks?|publishers?|isbn|printed|precaution|liability|responsibility|"
    r"warrant\w*|permission|reproduc\w*|licen[cs]\w*|library of congress|catalog\w*|edition|editors?|"
    r"designations?|purchased?|inc\b|ltd\b|media)",
    re.IGNORECASE,
)
MAX_COPYRIGHT_PAGE_WORDS = 400


def looks_like_copyright_page(lines: Sequence[str]) -> bool:
    """A publisher's copyright page: a copyright line, and otherwise only names, addresses and
    legal notices (rights, trademarks, ISBN, "every precaution has been taken...")."""
    lines = [line for line in lines if line.strip()]
    if not lines or sum(len(line.split()) for line in lines) > MAX_COPYRIGHT_PAGE_WORDS:
        return False
    if not any(is_copyright_line(line) or "©" in line for line in lines):
        return False
    furniture = sum(len(line.split()) <= 8 or bool(_LEGAL.search(line)) for line in lines)
    return furniture == len(lines)
