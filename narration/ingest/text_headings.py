"""Chapter headings in plain text: heading labels, title lines, and telling prose from them.

- **Chapter headings** are short paragraphs (one or two lines) that carry a label:
  ``CHAPTER I.``, ``Chapter 1``, ``CHAPTER XII. The Title``, ``BOOK ONE``, ``PART I``,
  ``VOLUME II``, ``STAVE ONE``, ``LETTER 4``, a Roman or Arabic numeral alone (``IV.``; only
  when a book has two or more of these), ``PREFACE``, ``INTRODUCTION``, ``EPILOGUE``...,
  Japanese ``第一章`` or a kanji numeral alone, and Aozora Bunko's ``［＃「一」は中見出し］``.
  A label alone may be followed by a separate short title paragraph (all capitals or in title
  case, not a sentence): the chapter title joins them, ``Chapter I. Down the Rabbit-Hole``.
  All-capital labels and titles are title-cased (``CHAPTER I. A SCANDAL IN BOHEMIA`` ->
  ``Chapter I. A Scandal in Bohemia``); mixed-case ones are kept as written.
- A short paragraph with no label that repeats an entry of the table of contents, after the
  contents and a wider gap, is a heading too (``A Scandal in Bohemia``; once only).
- An illustrated edition's label printed in a caption (``[Illustration: ... Chapter I.]``)
  is a heading as well.
- **Headings by layout**, where no word marks them (``layout_headings``): a short line standing
  alone after two blank lines or more, with prose (or a stanza, or a labelled heading) right
  after it, in a pattern that repeats through the book: three or more such lines in one style
  (all capitals, title case, or a few words in sentence case with no final stop: "THE GOLDEN
  BIRD", "Kaa's Hunting", "Seconde version") after gaps of one width. Not a date or a day
  ("Tuesday", "10th October": a letter's), not a salutation or anything ending in a comma or
  colon, not a line the book repeats (a speaker's name, a refrain). They are read where labels
  do not give the book its chapters (fewer than three worded chapter headings), with the
  labelled headings when they outnumber those.
- Numbers alone or numbered lines are no headings when they are items of a list (two or more
  in a row, a blank line apart: "I. You are rich." / "II. You hate girls."), a time ("9.45
  p.m.") or a number out of every sequence ("215 FERGUSSEN HALL", "MCMIX").

Whether a heading starts a chapter (prose follows it) is ``text_chapters``' business; the
prose tests it and the contents finder use (``is_prose``, ``reads_as_text``,
``is_list_like``) are here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from narration.ingest.layout import in_pattern, line_style
from narration.ingest.markdown import (
    CHAPTER_NAMES,
    LABEL_WORDS,
    NUMBERED_LABEL,
    heading_label,
    latin_numerals,
)
from narration.ingest.text_blocks import (
    ILLUSTRATION,
    ITALIC,
    SPECIAL,
    TEXT,
    Block,
    Reader,
    clean_text,
    next_content,
)
from narration.ingest.textfile import (
    SMALL_WORDS,
    Casing,
    caps_to_title,
    is_caps,
    is_cjk,
    title_case,
)
from narration.ruby import strip_ruby

_AOZORA_NOTE = re.compile(r"※?［＃[^］\n]*］")
_AOZORA_HEADING = re.compile(r"［＃「[^」]*」は(大|中|小)見出し］")
# A contents entry's page number ("... 12", "... xiv").
# Tried only from the start of a run of spaces (from inside one it matched the same or nothing,
# after scanning the rest of the run each time: quadratic on a long run).
PAGE_NUMBER = re.compile(r"(?:\.\s*+|(?<!\s)\s++)(?:\d{1,4}|[ivxlc]{1,6})\s*$", re.IGNORECASE)
CONTAINER_KINDS = {"part", "book", "volume", "部", "巻", "大見出し"}
_KANJI_NUMBER = re.compile(r"^[一二三四五六七八九十百〇零]+[\s　.．、]*$|^[０-９]+[\s　.．、]*$")
_JA_PART = re.compile(r"^[上中下][\s　]+\S")

MAX_HEADING_LINES = 2
MAX_HEADING_CHARS = 100


@dataclass
class Heading:
    kind: str  # heading_label's kind: "chapter", "part", "number"...
    title: str  # as it will be shown
    line: int
    blocks: list[int]  # indices of the blocks it is made of (label, title)


# --- labels and titles ----------------------------------------------------------------------------


def _label_of_text(text: str) -> str | None:
    """heading_label, plus Japanese kanji numerals alone and 上/中/下 parts."""
    text = latin_numerals(_AOZORA_NOTE.sub("", text).strip().strip("_=").strip())
    if not text:
        return None
    if _KANJI_NUMBER.match(text):
        return "number"
    if _JA_PART.match(text) and len(text) <= 20:
        return "部"
    if re.fullmatch(r"(?<![—–-])[—–-]++\s*+([IVXLC]++|\d++)\.?\s*+[—–-]++", text):
        return "number"  # "— II —"
    kind = heading_label(text)
    if kind == "number":
        # Not "M" or "C" alone (a letter, not a numeral), not "1899" (a year), and not
        # "7 Hunter Street, Liverpool": a numeral is followed by a stop, nothing, or capitals.
        match = re.match(r"(\d++|[MDCLXVI]++)\s*+([.:)]?)\s*+(.*)$", text)  # possessive: 5,000 spaces then 2 lines took 174 s
        if not match:
            return None
        number, stop, rest = match.groups()
        if number in ("M", "D", "C", "L") or (number.isdigit() and _over_999(number)):
            return None
        if rest and not stop and not is_caps(rest):
            return None
        if stop == "." and rest[:1].isdigit():
            return None  # "9.45 p.m.", "6.30, Saturday": a time, a decimal
    return kind


def _over_999(digits: str) -> bool:
    """Over three digits: a year ("1899"), not a heading's number. (Numbers over 300 head
    chapters only in a sequence, as Beethoven's letters 216-476 do: ``_listed_or_stray_numbers``.)
    Without int() on the whole run: a run of over 4,300 digits is a ValueError."""
    return len(digits.lstrip("0")) > 3


def label_of(block: Block) -> str | None:
    """The label kind of a block that can be a heading (short, one or two lines), else None."""
    if block.kind != TEXT or len(block.lines) > MAX_HEADING_LINES + 2:
        return None
    # Up to two lines; a numbered label with a long title in capitals, or set apart by a stop
    # ("Capítulo VI. Del donoso y grande escrutinio que ...": Cervantes' run to 120 characters),
    # may run to four.
    first = block.lines[0].strip()
    long_title = _NUMBERED.match(first) and (is_caps(block.text) or _numbered_then_title(first))
    if len(block.lines) > MAX_HEADING_LINES and not long_title:
        return None
    if match := _AOZORA_HEADING.search(block.raw):
        return {"大": "大見出し", "中": "number"}.get(match.group(1))  # 小見出し: a section, read as text
    text = block.text
    if len(text) > (3 * MAX_HEADING_CHARS if long_title else MAX_HEADING_CHARS):
        return None
    kind = _label_of_text(first)
    if kind is None:
        return None
    # Not a sentence that happens to begin like a label ("Part of the money was..."), unless a
    # numbered label stands apart from it: "Capítulo primero. Que trata de la condición ...".
    rest = label_rest(_AOZORA_NOTE.sub("", text).strip())
    if rest and _is_sentence(rest) and not _numbered_then_title(first) and not _roman_after_gap(block, first):
        return None
    if _EDITION.search(rest):
        return None  # "PREMIÈRE PARTIE.--DEUXIÈME ÉDITION.": a title page's line
    if kind == "chapter" and not _NUMBERED.match(first) and len(rest.split()) > 8:
        return None  # "Introduction" with a long tail is prose
    return kind


_ROMAN_STOP = re.compile(r"^[IVXLC]{1,7}\.\s+\S")
_EDITION = re.compile(r"\b(?:édition|edition|edición|edizione|edição|ausgabe|auflage|uitgave|druk|painos)\b", re.IGNORECASE)


def _roman_after_gap(block: Block, line: str) -> bool:
    """A Roman numeral, a stop and a title after a wide gap: "III. Voilà ce que c'est!" heads a
    chapter even when its title reads as a sentence (a numbered paragraph has no such gap)."""
    return block.gap >= WIDE_GAP and bool(_ROMAN_STOP.match(line))


def _numbered_then_title(line: str) -> bool:
    """A numbered label, then a stop and a title: "Capítulo primero. Que trata de ..."."""
    match = NUMBERED_LABEL.match(line)
    return bool(match and re.match(r"(?<!\s)\s*+[.:—–]\s", line[match.end():]))


def _is_sentence(text: str) -> bool:
    """Whether a heading's words after its label read as a sentence rather than a title."""
    words = text.split()
    if len(words) < 4 or is_caps(text):
        return False
    lower = sum(1 for w in words if w[:1].islower())
    return lower > len(words) / 2 and bool(re.search(r"[.!?,;]['\"”’]?$", text) or lower > 0.7 * len(words))


# A label word and any number word after it ("Chapter the Last"), or a numbered label of any
# language we read (``markdown.NUMBERED_LABEL``: "Erstes Kapitel").
_NUMBERED = re.compile(
    rf"^(?:{LABEL_WORDS})\s+(?:\d+|[MDCLXVI]+\b|(?:the\s+)?[^\W\d_]+)|{NUMBERED_LABEL.pattern}", re.IGNORECASE
)
_LABEL_HEAD = re.compile(
    rf"{_NUMBERED.pattern}|^(?:\d+\b|[MDCLXVI]+\b|第[0-9０-９一二三四五六七八九十百千]+[章部話巻節])|{CHAPTER_NAMES.pattern}",
    re.IGNORECASE,
)


def label_rest(text: str) -> str:
    """What follows a heading's label: "CHAPTER I. Down the Rabbit-Hole" -> "Down the Rabbit-Hole"."""
    match = _LABEL_HEAD.match(text)
    if not match:
        return text
    return text[match.end() :].lstrip(" .:;,-–—)").strip()


def _is_title_block(block: Block) -> bool:
    """A short title paragraph after a label: all capitals, or title case, not a sentence."""
    if block.kind != TEXT or len(block.lines) > 3:
        return False
    text = _AOZORA_NOTE.sub("", block.text).strip()
    if not text or len(text) > 120 or label_of(block) is not None:
        return False
    if text[:1] in "\"“'‘«(—-[":
        return False
    if sum(is_cjk(ch) for ch in text) > len(text) / 2:
        return len(text) <= 30 and "。" not in text
    if is_caps(text):
        return sum(ch.isalpha() for ch in text) >= 3
    if re.search(r"[!?,;:]['\"”’]?$", text) or len(text.split()) > 14:
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text)]
    if not words or not words[0][:1].isupper():
        return False
    significant = [w for w in words[1:] if w.lower() not in SMALL_WORDS]
    if not significant:
        return len(words) <= 3 and not text.endswith(".")
    return sum(w[:1].isupper() for w in significant) >= 0.75 * len(significant)


def _format_label(label: str, title: str, casing: Casing | None = None) -> str:
    """"CHAPTER I." + "DOWN THE RABBIT-HOLE" -> "Chapter I. Down the Rabbit-Hole"; ruby readings
    are not shown in titles ("二 活版所《かっぱんじょ》" -> "二 活版所")."""
    label = latin_numerals(clean_text(_AOZORA_NOTE.sub("", strip_ruby(label))).strip())
    title = strip_ruby(title)
    match = _LABEL_HEAD.match(label)
    if casing is not None and casing.own_rule and is_caps(label):
        label = title_case(label, casing)  # as one title: "PRÓLOGO AL LECTOR" -> "Prólogo al lector"
    elif match and is_caps(match.group(0)):
        head, rest = match.group(0), label[match.end() :]
        label = title_case(head, casing) + caps_to_title(rest, casing)
    elif is_caps(label):
        label = title_case(label, casing)
    label = label.strip()
    if not title:
        return label[:-1] if label.endswith(".") and not label.endswith("..") else label
    title = caps_to_title(title, casing)
    label = label.rstrip(" .:")
    if all(is_cjk(ch) or ch.isspace() for ch in label):
        return f"{label} {title}"
    return f"{label}. {title}"


# --- prose, lists and contents entries ------------------------------------------------------------


def is_prose(block: Block) -> bool:
    """Running prose: a sentence of several words, or a long paragraph; not a title page's or
    a list's short lines."""
    text = block.text
    lines = [line.strip() for line in block.lines]
    if len(lines) >= 2 and max(len(line) for line in lines) < 50:
        return False  # short lines: a title page, an imprint, a list (or verse)
    if len(lines) >= 4 and sum(is_caps(line) for line in lines) >= 0.8 * len(lines):
        return False  # a list of titles in capitals, one a line (Grimm's contents, with one line in lower case)
    if len(lines) <= 4 and all(len(line) - len(line.lstrip()) >= 10 for line in block.lines):
        return False  # centred lines: a title page's display type
    if sum(is_cjk(ch) for ch in text) >= 15:
        return "。" in text  # Japanese: a sentence ends with 。
    if is_caps(text):
        return False  # a title, a list of titles, a notice in capitals
    words = text.split()
    if len(words) >= 30:
        return True
    if len(words) < 6 or sum(ch.islower() for ch in text) <= 0.5 * sum(ch.isalpha() for ch in text):
        return False
    return any(not _ABBREVIATION.search(text[: m.start() + 2]) for m in _SENTENCE_END.finditer(text))


_SENTENCE_END = re.compile(r"[a-z\u00e0-\u00ff,;'’\")\]][.!?…]['\"”’)\]]*(?:\s|$)")
_ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Co|No|Mme|Mlle|Messrs|Jr|Sr|Rev|Capt|Col|Gen|vol|ch|pp?|[A-Z])\.$")


def reads_as_text(block: Block) -> bool:
    """Text of the book rather than an entry of a list: running prose, or a sentence ("It was
    night."), not a title, not a line with a page number."""
    if block.kind != TEXT or label_of(block) is not None:
        return False
    lines = [line.strip() for line in block.lines]
    listed = _listed(lines)
    if listed and listed >= 0.3 * len(lines):
        return False
    if is_prose(block):
        return True
    text = block.text
    words = text.split()
    sentence = bool(re.search(r"[.!?…。][\"'”’)」]*$", text)) and any(w[:1].islower() for w in words[1:])
    return sentence and not _is_title_block(block)


def is_list_like(block: Block) -> bool:
    """A block of a table of contents: short lines, page numbers, no running prose."""
    lines = [line.strip() for line in block.lines]
    listed = _listed(lines)
    if listed == len(lines) or (len(lines) >= 4 and listed >= 0.3 * len(lines)):
        return True  # "CHAPTER I ... 1", or "Chapter I." over its summary line
    return all(len(line) <= 80 for line in lines) and not is_prose(block)


def _listed(lines: list[str]) -> int:
    """How many lines read as entries of a list: a heading label, or a page number at the end."""
    return sum(_label_of_text(line) is not None or bool(PAGE_NUMBER.search(line)) for line in lines)


def entry_keys(text: str) -> set[str]:
    """How a contents entry (or a heading) is compared: without page number, case, punctuation;
    also without its label ("I. A Scandal in Bohemia" -> "a scandal in bohemia")."""
    text = PAGE_NUMBER.sub("", _AOZORA_NOTE.sub("", text)).strip()
    keys = {entry_key(text)}
    if _LABEL_HEAD.match(text):
        keys.add(entry_key(label_rest(text)))
    return {k for k in keys if len(k) >= 3}


def entry_key(text: str) -> str:
    """A contents entry or title as compared: italics, case and punctuation gone."""
    return " ".join(re.sub(r"[\W_]+", " ", ITALIC.sub(r"\1", text).casefold()).split())


# --- finding headings -----------------------------------------------------------------------------


def find_headings(reader: Reader) -> dict[int, Heading]:
    """Every block that can head a chapter, by the index of its first block."""
    blocks = reader.blocks
    found: dict[int, Heading] = {}
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if i in reader.dropped:
            i += 1
            continue
        heading = None
        if block.kind == TEXT and (kind := label_of(block)) is not None:
            heading = _heading_at(reader, i, kind)
        elif (block.kind == TEXT and i > reader.toc_end >= 0 and len(block.lines) <= MAX_HEADING_LINES and block.gap >= 2
              and len(block.text) <= MAX_HEADING_CHARS and entry_key(block.text) in reader.toc_entries
              and block.text[:1] not in "\"“‘'"):
            # A title the contents listed, with no label: "A Scandal in Bohemia" (once only).
            reader.toc_entries.discard(entry_key(block.text))
            text = clean_text(block.text)
            heading = Heading("toc", caps_to_title(text, reader.casing), block.line, [i])
        elif block.kind == SPECIAL and (caption := ILLUSTRATION.match(block.raw)):
            # An illustrated edition's chapter opening: the label is printed in the picture.
            last = caption.group("text").strip().splitlines()[-1:] if caption.group("text").strip() else []
            if last and (kind := _label_of_text(last[0])) not in (None, "number"):
                heading = Heading(kind, _format_label(last[0], "", reader.casing), block.line, [])
        if heading is not None:
            found[i] = heading
            i = max([i, *heading.blocks]) + 1
        else:
            i += 1
    for i in _listed_or_stray_numbers(reader, found):
        del found[i]
    # Numbers alone ("IV.") are headings only in a book with several of them, and sections when
    # the book's chapters carry words ("CHAPTER IV" ... "1.", "2." inside).
    numbers = [i for i, h in found.items() if h.kind == "number"]
    # Worded chapter headings that carry text of their own (BOOK ONE over CHAPTER I. does not count,
    # nor parts: "PREMIÈRE PARTIE" holds numbered chapters, it does not replace them).
    worded = [i for i, h in found.items() if _NUMBERED.match(h.title) and h.kind not in CONTAINER_KINDS
              and (nxt := next_content(reader, max([i, *h.blocks]) + 1)) is not None and nxt not in found]
    if len(numbers) < 2 or len(worded) >= 2:
        for i in numbers:
            del found[i]
    return _with_layout(reader, found, layout_headings(reader))


def _with_layout(reader: Reader, found: dict[int, Heading], layout: dict[int, Heading]) -> dict[int, Heading]:
    """Labelled headings, and those found by layout where labels do not give the chapters:
    fewer than three worded chapter headings or a handful among many by layout (Les Fleurs du
    Mal's 90 poem titles and one "Chant d'automne"), and more headings by layout than by label
    or wider gaps before them than before any labelled one (song titles over numbered verses)."""
    chapters = [h for h in found.values() if h.kind not in ("number", "toc", *CONTAINER_KINDS)]
    if not layout or (len(chapters) >= 3 and len(layout) <= LAYOUT_OVER_LABELS * len(chapters)):
        return found
    gaps = [reader.blocks[i].gap for i in found]
    if len(layout) <= len(found) and min(reader.blocks[i].gap for i in layout) <= max(gaps, default=0):
        return found
    return dict(sorted({**layout, **found}.items()))


def _listed_or_stray_numbers(reader: Reader, found: dict[int, Heading]) -> list[int]:
    """Number headings that are no headings: items of a list (a numbered block a blank line
    from another: "II. You are rich." / "III. You hate girls.", where the last item has prose
    after it), and a number out of every sequence (neither 1 nor one more than a number before
    it nor one less than a number after it: "215 FERGUSSEN HALL" among "III." and "9.", a
    title page's "MCMIX")."""
    blocks = reader.blocks
    numbered = {i for i, b in enumerate(blocks) if b.kind == TEXT and b.gap <= 1 and i not in reader.dropped
                and len(b.lines) <= MAX_HEADING_LINES and _label_of_text(b.lines[0].strip()) == "number"}
    listed = [i for i in numbered if i in found and found[i].kind == "number"
              and (_previous_content(reader, i) in numbered or next_content(reader, i + 1) in numbered)]
    order = [i for i in sorted(found) if found[i].kind == "number" and i not in listed]
    values = [_number_value(blocks[i].lines[0]) for i in order]
    # In a sequence: 1, or one more than a number before it, or one less than a number after it
    # anywhere (a story's "II." after its parts "I.", "II.", "III.").
    before: set[int | None] = set()
    after = Counter(values)
    stray = []
    for i, value in zip(order, values, strict=True):
        after[value] -= 1
        if value is not None and value != 1 and value - 1 not in before and not after[value + 1]:
            stray.append(i)
        before.add(value)
    return listed + stray


def _previous_content(reader: Reader, j: int) -> int | None:
    """The text block before ``j`` that is not left out, or None."""
    j -= 1
    while j >= 0:
        if reader.blocks[j].kind == TEXT and j not in reader.dropped:
            return j
        j -= 1
    return None


_ROMAN_DIGITS = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _number_value(line: str) -> int | None:
    """The value of a heading's leading number, Arabic or Roman ("XIV." -> 14), else None."""
    match = re.match(r"\s*+(?:(\d{1,6})|([MDCLXVI]{1,12}))(?![\w])", line)
    if not match:
        return None
    if match.group(1):
        return int(match.group(1))
    values = [_ROMAN_DIGITS[c] for c in match.group(2)]
    return sum(-v if k + 1 < len(values) and v < values[k + 1] else v for k, v in enumerate(values))


WIDE_GAP = 3  # blank lines before an unlabelled title (Gutenberg plain text leaves four)
LAYOUT_OVER_LABELS = 4  # headings by layout outnumber worded ones this many times: the labels are stray


def layout_headings(reader: Reader) -> dict[int, Heading]:
    """Unlabelled headings found by layout (the module's rule): each style's lines after
    gaps of one width, where there are three or more of them."""
    blocks = reader.blocks
    repeated = Counter(entry_key(b.text) for b in blocks if b.kind == TEXT and len(b.lines) <= MAX_HEADING_LINES)
    styles: dict[int, tuple[str, bool]] = {}
    for i, block in enumerate(blocks):
        style = _layout_style(reader, i)
        if style is not None and repeated[entry_key(block.text)] < 3:
            styles[i] = (style, block.gap >= WIDE_GAP)
    return {i: _layout_heading(blocks[i], i, reader.casing) for i in in_pattern(styles)}


def _layout_heading(block: Block, i: int, casing: Casing) -> Heading:
    text = clean_text(block.text)
    if is_caps(text) and len(text) > 2 and text[0] in "\"“" and text[-1] in "\"”":
        text = text[1:-1]  # a title in capitals set in quotes ('"BUNK CITY."'), not one opening with one
    return Heading("title", caps_to_title(text, casing) if is_caps(text) else text, block.line, [i])


def _layout_style(reader: Reader, i: int) -> str | None:
    """The style of a block that may head a chapter by layout (``layout.line_style``), or None:
    also a short line after a gap, not labelled, with prose, a stanza or a labelled heading
    right after it."""
    block = reader.blocks[i]
    if block.kind != TEXT or i in reader.dropped or block.gap < 2 or len(block.lines) > MAX_HEADING_LINES:
        return None
    style = line_style(clean_text(block.text))
    if style is None or label_of(block) is not None or not _leads_text(reader, i):
        return None
    return style


def _leads_text(reader: Reader, i: int) -> bool:
    """Whether prose, a stanza or a labelled heading follows block ``i`` (pictures between)."""
    nxt = next_content(reader, i + 1)
    if nxt is None or nxt - i > 3:
        return False
    after = reader.blocks[nxt]
    stanza = len(after.lines) >= 2 and all(len(line.strip()) <= 70 for line in after.lines) and not is_caps(after.text)
    return is_prose(after) or stanza or label_of(after) is not None


def _heading_at(reader: Reader, i: int, kind: str) -> Heading:
    blocks = reader.blocks
    block = blocks[i]
    lines = [_AOZORA_NOTE.sub("", line).strip() for line in block.lines]
    lines = [line for line in lines if line]
    used = [i]
    if len(lines) == 2 and _label_of_text(lines[1]) is None and not label_rest(lines[0]):
        label, title = lines[0], clean_text(lines[1])  # "CHAPTER XII" / "THE TITLE" in one paragraph
    else:
        label, title = " ".join(lines), ""
        if not label_rest(label):
            nxt = next_content(reader, i + 1)
            # Only a blank line (and maybe a picture) between label and title.
            if nxt is not None and nxt - i <= 3 and _is_title_block(blocks[nxt]):
                after = next_content(reader, nxt + 1)
                if after is not None:  # a title with nothing after it is the book's last words
                    title = clean_text(blocks[nxt].text)
                    used.append(nxt)
    return Heading(kind, _format_label(label, title, reader.casing), block.line, used)
