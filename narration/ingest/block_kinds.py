"""What a block of a book is, from its content, whoever produced the file.

The readers know the shapes of the producers they were written against (Project Gutenberg's
markers, Standard Ebooks' ``epub:type``s, ``<pre>``, TOC titles). Books from anywhere else put a
licence in an "About" section, a listing in ``<p>``, a bibliography under a heading in any
language. This pass runs after every reader, over every paragraph of every chapter, and leaves
out what the content itself shows is not narration:

- ``licence``: legal text (licence grants, warranty disclaimers, "all rights reserved", SPDX and
  Creative Commons names) in the languages we read; a chapter titled as a licence, or mostly
  legal text, is left out whole;
- ``code``: listings and markup set as paragraphs (symbols and identifier-shaped tokens instead
  of words; shebangs; ASCII grid tables);
- ``references``: runs of bibliography entries (author, year, pages, DOI, ISBN, journal), or a
  chapter titled as one;
- ``title-page``: letter-spaced display lines ("K U R T  W O L F F  V E R L A G").

Rules with scores, not a trained model: they were fitted on blocks of our own fixtures and then
checked on real editions (the README lists which); each rule asks for strong evidence so that
prose quoting a licence or a number stays narration. Each left-out run is an ``Omission`` the
dry-run lists, and ``--keep KIND`` reads it after all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from narration.ingest.omissions import (
    CODE,
    COLOPHON,
    CONTENTS,
    LICENCE,
    REFERENCES,
    TITLE_PAGE,
    TRANSCRIBER_NOTES,
    omission,
)
from narration.model import PARA_TEXT, Book, Chapter, Omission, Paragraph

# --- licence and legal text ----------------------------------------------------------------------

# Phrases that grant, reserve or disclaim rights: legal text wherever they stand (one is enough
# in a short block). A licence's name alone is not one: a book may be *about* Creative Commons.
_LEGAL_STRONG = re.compile(
    r"(?:licen[cs]ed|released|distributed|available|published|made\s+available)\s+under\s+(?:the\s+|a\s+)?"
    r"(?:terms|gnu|creative|cc\b|mit\b|apache|bsd|gpl|lgpl|agpl|open|public|same|following|\w+\s+licen[cs]e)"
    r"|under\s+the\s+terms\s+of\s+the\b|as\s+published\s+by\s+the\s+free\s+software"
    r"|\bcc[\s-]by(?:[\s-](?:nc|sa|nd))*(?:[\s-]\d\.\d)?\b|attribution[\s-]+(?:non-?commercial|share-?alike|no-?deriv)"
    r"|spdx-license-identifier|permission\s+is\s+(?:hereby\s+)?granted|redistribution\s+and\s+use\s+in\s+source"
    r"|without\s+(?:any\s+)?warranty|provided\s+[\"“]?as\s+is[\"”]?|all\s+rights\s+reserved"
    r"|invariant\s+sections|front-cover\s+texts|public\s+domain\s+dedication|you\s+(?:can|may)\s+redistribute"
    r"|tous\s+droits\s+(?:de\s+\w+\s+)?réservés|conservez\s+cette\s+licence|licence\s+abu|fin\s+du\s+fichier"
    r"|alle\s+rechte\s+vorbehalten|todos\s+los\s+derechos\s+reservados|tutti\s+i\s+diritti\s+riservati"
    r"|todos\s+os\s+direitos\s+reservados|alle\s+rechten\s+voorbehouden|kaikki\s+oikeudet\s+pidätetään",
    re.IGNORECASE,
)
# Words legal text is made of; many of them per word of text is a licence, one is not.
_LEGAL_WORD = re.compile(
    r"\b(?:licen[cs]\w*|copyright\w*|warrant\w*|liabilit\w*|liable|redistribut\w*|trademark\w*|royalt\w*"
    r"|permission|permitted|notice|verbatim|modif(?:y|ied|ication)s?|distribut\w*|sublicen\w*|infring\w*"
    r"|merchantability|fitness|creative\s+commons|gnu|gpl|lizenz\w*|licencia\w*|licenza\w*|licença\w*|droits?|auteur|urheber\w*"
    r"|derechos|diritti|direitos|tekijänoikeu\w*)\b",
    re.IGNORECASE,
)
# How licences talk: obligations and self-reference, which prose about licences seldom uses.
_LEGAL_MODAL = re.compile(
    r"\b(?:shall|must|may\s+not|provided\s+that|subject\s+to|this\s+licen[cs]e|hereby|herein|thereof"
    r"|notwithstanding|licensee|licensor|you\s+may)\b",
    re.IGNORECASE,
)
_COPYRIGHT_LINE = re.compile(r"^\W{0,3}(?:copyright\b|©|\(c\)\s*\d{4}|℗)", re.IGNORECASE)
# Chapter titles that name the legal matter itself (a GFDL appendix, "Licence", "Mentions légales").
_LEGAL_TITLE = re.compile(
    r"^\W*(?:(?:the\s+)?(?:gnu\s+)?(?:free\s+documentation\s+|general\s+public\s+)?licen[cs]e\w*"
    r"|gnu\s+\w+(?:\s+\w+)*\s+licen[cs]e|copyright(?:\s+(?:page|notice|and\s+licen[cs]e))?|legal(?:\s+notices?)?"
    r"|colophon\s+and\s+licen[cs]e|mentions\s+légales|lizenz|licencia|licenza|licença|impressum|tekijänoikeudet)\W*$",
    re.IGNORECASE,
)
_LEGAL_DENSITY = 1 / 12  # legal words per word in a block that is mostly legal text


def _words(text: str) -> list[str]:
    return text.split()


def legal_score(text: str) -> tuple[int, float]:
    """(strong phrases, legal words per word) of a block."""
    words = max(1, len(_words(text)))
    return len(_LEGAL_STRONG.findall(text)), len(_LEGAL_WORD.findall(text)) / words


def is_legal(text: str) -> bool:
    """A block of licence or legal text: a strong phrase in a block that is not long prose, or a
    copyright line, or legal words at a density prose never has, worded as licences are."""
    strong, density = legal_score(text)
    words = len(_words(text))
    if strong and (words <= 80 or density >= _LEGAL_DENSITY / 2 or strong >= 2):
        return True
    if _COPYRIGHT_LINE.match(text) and words <= 60:
        return True
    return words >= 12 and density >= _LEGAL_DENSITY * 1.5 and bool(_LEGAL_MODAL.search(text))


def legal_title(title: str) -> bool:
    return bool(_LEGAL_TITLE.match(title.strip()))


# --- code and markup -------------------------------------------------------------------------------

_CODE_SYMBOLS = frozenset("{}[]()<>;=*/\\|_#$@^~`&%+")
# A token that is a word of prose: letters (any script), inner apostrophes/hyphens/periods, and
# the punctuation prose puts around words.
_PROSE_TOKEN = re.compile(r"^[\"'“‘(«¿¡]*[^\W\d_]+(?:['’.\-][^\W\d_]+)*[\"'”’)»,.;:!?…]*$")
_CODE_START = re.compile(r"^\s*(?:#!/|#include\b|<\?php|<!DOCTYPE|<\w+[^>]*>\s*$|\$\s+[a-z][\w.-]*\s+\S*[./=]|>>>\s|\(define\b|\(lambda\b)")
# A shell command: a lower-case program name, then an option within its first words
# ("pandoc -o out.html in.txt", "git log --oneline").
_COMMAND = re.compile(r"^\s*(?:\$\s+)?[a-z][\w.+-]*(?:\s+\S+){0,2}?\s+--?[A-Za-z]")
_GRID_LINE = re.compile(r"^\s*[+|](?:[-=:]+[+|])+\s*$")
_KEY_TOKEN = re.compile(r"^[a-z][a-z0-9_-]*:$")  # "title:", "type:": YAML keys (a play's "HAMLET:" is not one)
_CODE_TOKENS = re.compile(r"[=!<>]=|->|=>|::|\+\+|&&|\|\||;\s*$|\)\s*[{;:]\s*$|\w\(\w*\)|\w\.\w+\(", re.MULTILINE)


def _cjk_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum("\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in letters) / max(1, len(letters))


def code_score(text: str) -> tuple[float, float]:
    """(share of code symbols among visible characters, share of tokens that are prose words)."""
    visible = [c for c in text if not c.isspace()]
    tokens = _words(text)
    if not visible or not tokens:
        return 0.0, 1.0
    symbols = sum(c in _CODE_SYMBOLS for c in visible) / len(visible)
    prose = sum(bool(_PROSE_TOKEN.match(t)) for t in tokens) / len(tokens)
    return symbols, prose


def is_code(text: str) -> bool:
    """A listing or markup set as a paragraph: code's first line, an ASCII grid table, or symbols
    and non-word tokens in proportions prose does not reach (verse and dialogue stay prose)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if _CODE_START.match(lines[0]) or sum(bool(_GRID_LINE.match(line)) for line in lines) >= 2:
        return True
    if sum(bool(_COMMAND.match(line)) for line in lines) * 2 >= len(lines):
        return True
    if _cjk_share(text) >= 0.3:  # Japanese or Chinese prose quoting an ASCII name is not code
        return False
    tokens = _words(text)
    keys = sum(bool(_KEY_TOKEN.match(t)) for t in tokens)
    if keys >= 5 and keys >= 0.25 * len(tokens):
        return True
    symbols, prose = code_score(text)
    if len(tokens) < 3:
        return symbols >= 0.3 and prose < 0.5
    return (symbols >= 0.08 and prose < 0.55 and bool(_CODE_TOKENS.search(text))) or (symbols >= 0.15 and prose < 0.4)


# --- references and bibliographies ------------------------------------------------------------------

_YEAR = re.compile(r"(?:^|[\s(\[,])(?:1[5-9]|20)\d\d[a-z]?(?:[)\].,;:]|$)")
_CITATION_MARK = re.compile(
    r"\bpp?\.\s*\d|\bvol\.\s*\d|\bdoi\b|\bisbn\b|\bet\s+al\.|\bed(?:s|ited)?\.\s|\bin:\s|\bjournal\b|\bproceedings\b"
    r"|\bpress\b|\bverlag\b|\béditions?\b|\beditorial\b|https?://|\bno\.\s*\d|\b\d+\s*[-–]\s*\d+\b|\bHrsg\.|\bS\.\s*\d",
    re.IGNORECASE,
)
# "Surname, A." / "Surname, Firstname" / "[12]" / "12." at the start of an entry.
_ENTRY_START = re.compile(r"^\W{0,2}(?:\[\d+\]|\d{1,3}\.\s|[^\W\d_][\w'’-]+,\s+(?:[A-Z]\.|[^\W\d_]+))")
# "Adams, R. (1972)." / "Adams, Richard (1972):": author-date style, a mark in itself.
_AUTHOR_YEAR = re.compile(r"^\W{0,2}[^\W\d_][\w'’-]+,\s+[^()\n]{1,60}?\(\s*(?:1[5-9]|20)\d\d[a-z]?\s*\)")
_REFERENCES_TITLE = re.compile(
    r"^\W*(?:references|bibliography|works\s+cited|literature\s+cited|further\s+reading|sources|bibliographie"
    r"|références|literatur(?:verzeichnis)?|quellen(?:verzeichnis)?|bibliografía|referencias|bibliografia"
    r"|referências|riferimenti|literatuur(?:lijst)?|kirjallisuus|lähteet|参考文献)\W*$",
    re.IGNORECASE,
)
_REFERENCE_RUN = 3  # entries in a row before a run is a bibliography, not a sentence citing one


# A Japanese or Chinese entry: a work's title in 『』 (or 《》), then who wrote or translated it,
# its publisher or series and its year ("『日本神話の源流』(吉田 敦彦 著, 講談社学術文庫, 2007年5月)").
_CJK_WORK = re.compile(r"^\W{0,2}[『《]")
_CJK_CITATION = re.compile(r"(?:1[5-9]|20)\d\d\s*年|[著訳編]\s*[,，、)）]|出版|書店|書房|文庫|新書|社\s*[,，、)）]|大学出版")
_CJK_ENTRY_CHARS = 300


def _is_cjk_reference(text: str) -> bool:
    return len(text) <= _CJK_ENTRY_CHARS and bool(_CJK_WORK.match(text)) and len(_CJK_CITATION.findall(text)) >= 2


def is_reference(text: str) -> bool:
    """A bibliography entry: an entry's opening, a year, and an author-date form or another citation
    mark (pages, volume, DOI, publisher...), in a short block; in Japanese or Chinese, a work in
    『』 with two marks of a citation (author or translator, publisher, year)."""
    if _is_cjk_reference(text):
        return True
    words = len(_words(text))
    if not (3 <= words <= 90 and _ENTRY_START.match(text) and _YEAR.search(text)):
        return False
    return bool(_AUTHOR_YEAR.match(text) or _CITATION_MARK.search(text))


def references_title(title: str) -> bool:
    return bool(_REFERENCES_TITLE.match(title.strip()))


# --- letter-spaced display lines ------------------------------------------------------------------


def is_letter_spaced(text: str) -> bool:
    """Display type set with a space between letters ("G E D R U C K T  B E I"): most tokens are
    single letters, and there are many of them in a short block."""
    tokens = _words(text)
    singles = sum(len(t.strip(".,;:·")) == 1 and t.strip(".,;:·").isalpha() for t in tokens)
    operators = sum(not any(c.isalnum() for c in t) and t not in ("·", "•", "|", "—", "–", "-") for t in tokens)
    return len(tokens) <= 60 and singles >= 6 and singles >= 0.7 * len(tokens) and not operators  # not "A = B + c"


# --- transcribers' and editors' notes ---------------------------------------------------------------

# An address starts only where its run of name characters does, taken whole (possessive): tried
# from every character of a run it rescanned the rest of the run (20,000 "_" took 2.5 s).
_ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+\.[\w.-]+|https?://\S|www\.\w")
# About the electronic edition itself: how it was made, corrected, set.
_EDITION_WORDS = re.compile(
    r"\b(?:e-?books?|e-?texts?|electronic\s+(?:edition|version|text)|digital\s+edition|this\s+(?:edition|transcription)"
    r"|édition\s+(?:électronique|numérique)|edición\s+(?:electrónica|digital)|edizione\s+(?:elettronica|digitale)"
    r"|edição\s+(?:eletrônica|electrónica|digital)|elektronische\s+ausgabe|digitale\s+(?:ausgabe|uitgave)"
    r"|transcri\w+|proof-?read\w*|scann\w+|typos?|typographical|errata|misprints?)\b",
    re.IGNORECASE,
)
# "in the original" + how it was set: a transcriber's account of the printed book.
_THE_ORIGINAL = re.compile(
    r"\b(?:in\s+the\s+original|dans\s+l['’]original|im\s+original|en\s+el\s+original|nell['’]originale"
    r"|no\s+original|in\s+het\s+origineel|alkuteoksessa)\b",
    re.IGNORECASE,
)
_TYPOGRAPHY = re.compile(
    r"\b(?:italics?|bold|small\s+caps|spelling|hyphenat\w*|italiques?|gras|orthographe|kursiv|gesperrt|fett"
    r"|rechtschreibung|cursiva|negrita|ortografía|corsivo|grassetto|ortografia|itálico|negrito|cursief|vet|spelling"
    r"|kursiivi|lihavoitu)\b",
    re.IGNORECASE,
)


def is_edition_note(text: str) -> bool:
    """A note about the electronic edition or the transcription, not the book: an address with
    edition words ("... please report errors in this ebook to editor@...") or a transcriber's
    account of the original's typography ("italics in the original are shown as _italics_")."""
    if len(_words(text)) > 150:
        return False
    return bool((_ADDRESS.search(text) and _EDITION_WORDS.search(text))
                or (_THE_ORIGINAL.search(text) and (_TYPOGRAPHY.search(text) or _EDITION_WORDS.search(text))))


# --- ornaments -----------------------------------------------------------------------------------

# An ornament closing a chapter or a section (a fleuron, a dingbat font's letter: "q", "❧") set
# as a paragraph of its own. One or two characters that are no word of the book: the words
# of one or two letters its running text uses ("a", "à", "y", "I", "O") stay text.
_ORNAMENT_MAX = 2
_ROMAN_NUMERAL = re.compile(r"[IVXLCivxlc]+")
_SHORT_WORD = re.compile(r"(?<!\w)[^\W\d_]{1,2}(?!\w)")


def short_words(book: Book) -> frozenset[str]:
    """The words of one or two letters inside the book's running text (paragraphs of a few words)."""
    found: set[str] = set()
    for chapter in book.chapters:
        for paragraph in chapter.paragraphs:
            if len(paragraph.text) > 2 * _ORNAMENT_MAX + 1:
                found.update(w.casefold() for w in _SHORT_WORD.findall(paragraph.text))
    return frozenset(found)


def is_ornament(text: str, words: frozenset[str]) -> bool:
    """A paragraph of one or two characters that are no word of the book: no digit (a note's or
    a section's number), no letter the book writes as a word elsewhere."""
    core = "".join(text.split())
    if not core or len(core) > _ORNAMENT_MAX or any(c.isdigit() for c in core) or _cjk_share(core) > 0:
        return False  # "一", "完": a section's numeral, "the end"
    if _ROMAN_NUMERAL.fullmatch(core.rstrip(".")):
        return False  # "II": a poem's section
    letters = "".join(c for c in core if c.isalpha())
    if letters and (not words or "." in core):
        return False  # "A.": an initial, a list's letter; a book with no running text tells nothing
    return not letters or letters.casefold() not in words


def _without_ornaments(chapter: Chapter, words: frozenset[str]) -> Chapter:
    """The chapter with its ornament paragraphs read as scene breaks (a pause, as "* * *" is)."""
    kept: list[Paragraph] = []
    for paragraph in chapter.paragraphs:
        if paragraph.kind == PARA_TEXT and is_ornament(paragraph.text, words):
            if kept:
                kept[-1] = replace(kept[-1], scene_break=True)
            continue
        kept.append(paragraph)
    return replace(chapter, paragraphs=kept) if len(kept) < len(chapter.paragraphs) else chapter


# --- cross-references (an encyclopedia's hatnotes) ---------------------------------------------------

# "Main article: X" above a section of a Wikipedia or Wikisource export, in the languages of its
# editions: a pointer to another page, not text of this one.
_HATNOTE = re.compile(
    r"^\W{0,2}(?:main\s+articles?|see\s+also|further\s+information|articles?\s+détaillés?|voir\s+aussi"
    r"|hauptartikel|siehe\s+auch|artículos?\s+principal(?:es)?|véase\s+también|voce\s+principale"
    r"|artigos?\s+principa(?:l|is)|ver\s+também|hoofdartikel|zie\s+ook|основная\s+статья|см\.\s+также"
    r"|pääartikkeli|huvudartikel|hovedartikkel|主条目|主條目|参见|參見|मुख्य\s+लेख|مقالة\s+مفصلة|ערך\s+מורחב)\s*[:：]"
    r"|^詳細は「[^」\n]{1,60}」(?:を|も)参照",
    re.IGNORECASE,
)
_HATNOTE_WORDS = 15
_HATNOTE_CHARS = 80


def is_cross_reference(text: str) -> bool:
    """A hatnote: a short line pointing to another article ("Main article: Devanagari",
    "主条目：標準漢語", "詳細は「日本語の音韻」を参照")."""
    return len(_words(text)) <= _HATNOTE_WORDS and len(text) <= _HATNOTE_CHARS and _HATNOTE.match(text) is not None


# --- colophons and production credits ----------------------------------------------------------------

# The printer's and producer's lines closing or opening an edition: "Achevé d'imprimer en France le
# 5 novembre 2016", "Dépôt légal", "Printed in Great Britain", "Ont contribué à cette édition".
_COLOPHON_LINE = re.compile(
    r"^\W*+(?:\S++\s++){0,2}?(?:\bachevé\s+d['’]imprimer|\bdépôt\s+légal|\bimprimé\s+en\s+[A-ZÉ]|\bprinted\s+(?:and\s+bound\s+)?in\s+(?:the\s+)?[A-Z]"
    r"|\bgedruckt\s+in\b|\bdruck\s+und\s+bindung|\bimpreso\s+en\s+[A-Z]|\bstampato\s+in\b|\bfinito\s+di\s+stampare"
    r"|\bimpresso\s+(?:em|no)\s+[A-Z]|\bont\s+contribué\s+à\s+cette\s+édition|\bcontributors\s+to\s+this\s+edition"
    r"|\bebook\s+(?:produced|created|prepared)\s+by\b|\blivre\s+numérique\s+(?:réalisé|produit)\s+par)",
    re.IGNORECASE,
)
# A page of credits by its title: "Crédits", "Credits", "Colophon" (a chapter of a few hundred words).
_CREDITS_TITLE = re.compile(r"^\W*(?:credits|crédits|créditos|crediti|credit[io]s|colophon|colofón|colofon|colofone|kolofon)\W*$",
                            re.IGNORECASE)
_COLOPHON_WORDS = 30  # a colophon's line is short
_COLOPHON_CHARS = 120  # the opening words looked at, however long a "word" runs
_COLOPHON_LEAD = 2  # words before its phrase ("Ebook réalisé...", "— Achevé d'imprimer")
_CREDITS_PAGE_WORDS = 400


def is_colophon(text: str) -> bool:
    """A printer's or producer's line: short, opening on where and when it was printed or who
    made it (prose that says a book "was printed in London" stays: the words open no line)."""
    words = _words(text)
    return len(words) <= _COLOPHON_WORDS and _COLOPHON_LINE.match(" ".join(words[:_COLOPHON_LEAD + 4])[:_COLOPHON_CHARS]) is not None


_LABEL_LINE = re.compile(r":\s*$")  # "Sources :", "Fontes :"
_LIST_ITEM = re.compile(r"^\s*[-–•·*]\s")  # "- Bibliothèque Électronique du Québec"
_CREDIT_VALUE_WORDS = 20


def _credits_run(chapter: Chapter, kinds: Sequence[str | None]) -> int:
    """How many of a credits page's first paragraphs are its credits: labels ("Sources :"), list
    items, legal or colophon lines, and a short line right after a label or one of those; what
    follows (a dedication the TOC put on the same page) is the book's."""
    run, after_label = 0, False
    for paragraph, kind in zip(chapter.paragraphs, kinds, strict=True):
        text = paragraph.text
        label = bool(_LABEL_LINE.search(text)) and len(_words(text)) <= 6
        if not (label or kind is not None or _LIST_ITEM.match(text)
                or (after_label and len(_words(text)) <= _CREDIT_VALUE_WORDS)):
            break
        run += 1
        after_label = label or kind is not None
    return run


def _colophon_chapter(chapter: Chapter, kinds: Sequence[str | None]) -> bool:
    """A chapter of credits: titled so, short, and nothing but credits, or holding a colophon line
    and otherwise only short lines (a publisher's name, its address: Bibebook's closing "Fin" page)."""
    if _CREDITS_TITLE.match(chapter.title.strip()) and chapter.words <= _CREDITS_PAGE_WORDS:
        return _credits_run(chapter, kinds) == len(chapter.paragraphs)
    if COLOPHON not in kinds:
        return False
    rest = [p.text for p, k in zip(chapter.paragraphs, kinds, strict=True) if k is None and p.kind == PARA_TEXT]
    return all(len(_words(t)) <= 5 for t in rest)


# --- the publisher's advertisements closing a book ----------------------------------------------------

# "New Picture Books for Little Children ... ten cents each", "BOOKS WITH DRAWINGS By LESLIE BROOKE
# ... Published by FREDERICK WARNE & Co.": a list of the publisher's other books, with prices and
# formats, after the last page of a (picture) book.
_ADVERT = re.compile(
    r"\b(?:price[sd]?\b|\d+\s*cents|cents\s+each|post-?paid|per\s+(?:volume|copy|set)|uniform\s+with"
    r"|(?:sixteen|twelve|eight)\s*-?mo\b|\b(?:16|12|8)mo\b|\b8vo\b|\bquarto\b|full-page\s+pictures|cloth,|boards,|published\s+by\b"
    r"|(?:new|other|uniform)\s+(?:\w+\s+)?books\b|books\s+(?:with|for|by)\b|in\s+the\s+same\s+series)",
    re.IGNORECASE,
)
_ADVERT_LINE_WORDS = 12  # a line of the list: a title, a series' name
_ADVERT_PARAGRAPH_WORDS = 60


def _advert_line(text: str) -> bool:
    return _ADVERT.search(text) is not None and len(_words(text)) <= _ADVERT_PARAGRAPH_WORDS


def _listing(text: str) -> bool:
    """Short lines or lines in capitals (titles, names), or a short paragraph naming prices or
    formats; not verse (a line running on with a comma or semicolon)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines or any(line[-1] in ",;" for line in lines):
        return False
    return _advert_line(text) or all(len(_words(line)) <= _ADVERT_LINE_WORDS or _in_capitals(line) for line in lines)


def _in_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def trailing_adverts(texts: Sequence[str]) -> int:
    """How many of the book's last paragraphs are the publisher's list of its other books: short
    lines and price or format lines, two of them or more naming books, prices or the publisher,
    never all of the chapter."""
    run = 0
    while run < len(texts) - 1 and _listing(texts[len(texts) - 1 - run]):
        run += 1
    adverts = sum(map(_advert_line, texts[len(texts) - run:]))
    return run if adverts >= 2 and adverts * 3 >= run else 0


# --- the pass over a book -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockRules:
    """Which kinds the content pass may leave out (``--keep`` brings any of them back)."""

    keep: frozenset[str] = frozenset()


def block_kind(text: str) -> str | None:
    """The kind of a paragraph that is not narration, or None for narration."""
    if is_letter_spaced(text):
        return TITLE_PAGE
    if is_code(text):  # before legal text: a listing's licence header is part of the listing
        return CODE
    if is_legal(text):
        return LICENCE
    if is_edition_note(text):
        return TRANSCRIBER_NOTES
    if is_colophon(text):
        return COLOPHON
    if is_cross_reference(text):
        return CONTENTS
    return None


def _paragraph_kinds(chapter: Chapter) -> list[str | None]:
    """Each paragraph's kind (``block_kind``); a bibliography entry counts only inside a run of
    them, and a short title right before a left-out run goes with it."""
    texts = [p.text for p in chapter.paragraphs]
    kinds = [block_kind(t) if p.kind == PARA_TEXT else None for p, t in zip(chapter.paragraphs, texts, strict=True)]
    refs = [is_reference(t) for t in texts]
    run_start = None
    for i in range(len(texts) + 1):
        if i < len(texts) and refs[i] and kinds[i] is None:
            run_start = i if run_start is None else run_start
            continue
        if run_start is not None and i - run_start >= _REFERENCE_RUN:
            kinds[run_start:i] = [REFERENCES] * (i - run_start)
        run_start = None
    return _with_run_titles(texts, kinds)


_RUN_TITLE_WORDS = 5  # "Au lecteur.", "Licence", "Note on the text": a run's own short title


def _with_run_titles(texts: Sequence[str], kinds: list[str | None]) -> list[str | None]:
    """A short line right before a left-out run (its title) is left out with it."""
    for i in range(len(kinds) - 1):
        if kinds[i] is None and kinds[i + 1] in (LICENCE, TRANSCRIBER_NOTES, REFERENCES, COLOPHON) \
                and _title_like(texts[i]):
            kinds[i] = kinds[i + 1]
    return kinds


def _title_like(text: str) -> bool:
    """A short line that can title what follows: no sentence of prose ("Au lecteur.", "Licence")."""
    words = _words(text)
    return len(words) <= _RUN_TITLE_WORDS and (text.rstrip()[-1:] not in ".!?…" or len(words) <= 3)


# Front matter that sells or lists the book, by its title in any reader: "Praise for ...",
# "Also by ...", "By the same author", and their French, German, Spanish and Italian forms.
_PUBLISHERS_PAGE = re.compile(
    r"^\W*(?:(?:advance\s+)?praise\s+for\b|(?:advance\s+)?praise$|also\s+by\b|other\s+(?:books|titles)\s+by\b"
    r"|(?:books\s+)?by\s+the\s+same\s+author|du\s+même\s+auteur|vom\s+selben\s+autor|von\s+demselben\s+autor"
    r"|del\s+mismo\s+autor|dello\s+stesso\s+autore|do\s+mesmo\s+autor)",
    re.IGNORECASE,
)


def _chapter_kind(chapter: Chapter, kinds: Sequence[str | None]) -> str | None:
    """A chapter left out whole: titled as a licence, references or a publisher's page, or
    mostly legal text."""
    if legal_title(chapter.title):
        return LICENCE
    if _PUBLISHERS_PAGE.match(chapter.title.strip()):
        return TITLE_PAGE
    if references_title(chapter.title) and sum(k == REFERENCES for k in kinds) * 2 >= len(kinds):
        return REFERENCES
    if _colophon_chapter(chapter, kinds):
        return COLOPHON
    words = max(1, chapter.words)
    legal_words = sum(len(_words(p.text)) for p, k in zip(chapter.paragraphs, kinds, strict=True) if k == LICENCE)
    return LICENCE if legal_words * 2 > words else None


def _where(chapter: Chapter, index: int) -> str:
    return f"{chapter.source or chapter.title} paragraph {index + 1}"


def _split(chapter: Chapter, kinds: Sequence[str | None], keep: frozenset[str]) -> tuple[list[Paragraph], list[Omission]]:
    """The chapter's narrated paragraphs, and an omission per run of left-out ones of one kind."""
    kept: list[Paragraph] = []
    omitted: list[Omission] = []
    run: list[int] = []
    for i, (paragraph, kind) in enumerate(zip([*chapter.paragraphs, None], [*kinds, None], strict=True)):
        if run and (kind != kinds[run[0]]):
            omitted.append(omission(str(kinds[run[0]]), _where(chapter, run[0]), (chapter.paragraphs[j].text for j in run)))
            run = []
        if paragraph is None:
            break
        if kind is None or kind in keep:
            kept.append(paragraph)
        else:
            run.append(i)
    return kept, omitted


def _key(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _is_contents_fragment(chapter: Chapter, titles: Counter[str]) -> bool:
    """A chapter whose only text repeats other chapters' titles (``titles``: every chapter's, by
    key): a leftover of the contents."""
    own = _key(chapter.title)
    texts = [p.text for p in chapter.paragraphs if p.kind == PARA_TEXT]
    return bool(texts) and all(len(_words(t)) <= 12 and titles[_key(t)] - (_key(t) == own) > 0 for t in texts)


def leave_out_by_content(book: Book, rules: BlockRules = BlockRules()) -> Book:
    """The book without the paragraphs (and whole chapters) whose content is not narration; each
    left-out run is added to ``book.omitted``. Chapters left empty are dropped; a book left with no
    chapters keeps its text (the reader's own "no readable text" check then applies)."""
    chapters: list[Chapter] = []
    omitted: list[Omission] = []
    titles = Counter(key for c in book.chapters if (key := _key(c.title)))
    words = short_words(book)
    for original in book.chapters:
        chapter = _without_ornaments(original, words)
        kinds = _paragraph_kinds(chapter)
        title = chapter.title
        if _CREDITS_TITLE.match(title.strip()) and (run := _credits_run(chapter, kinds)):
            # The credits opening a page go; the rest (a dedication) is read under the book's title.
            kinds[:run] = [kind or COLOPHON for kind in kinds[:run]]
            title = title if COLOPHON in rules.keep else book.title
        whole = CONTENTS if _is_contents_fragment(chapter, titles) else _chapter_kind(chapter, kinds)
        if whole and whole not in rules.keep:
            omitted.append(omission(whole, chapter.source or chapter.title, [chapter.title, *(p.text for p in chapter.paragraphs)]))
            continue
        kept, parts = _split(chapter, kinds, rules.keep)
        omitted += parts
        if any(p.kind == PARA_TEXT for p in kept):
            chapters.append(replace(chapter, paragraphs=kept, title=title))
        elif original.paragraphs:  # (a part's page whose only text was an ornament among them)
            omitted.append(omission(parts[0].kind if parts else TITLE_PAGE, chapter.source or chapter.title, [chapter.title]))
    if not chapters:
        return book
    if TITLE_PAGE not in rules.keep and (count := trailing_adverts([p.text for p in chapters[-1].paragraphs])):
        last = chapters[-1]
        omitted.append(omission(TITLE_PAGE, _where(last, len(last.paragraphs) - count),
                                (p.text for p in last.paragraphs[-count:])))
        chapters[-1] = replace(last, paragraphs=last.paragraphs[:-count])
    return replace(book, chapters=chapters, omitted=[*book.omitted, *omitted])
