"""Reading a text book file (Markdown or plain text): bytes -> str, with one clear error line
for what is not UTF-8, and the small text helpers both readers share.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from narration.errors import InputError
from narration.ingest.safety import read_book_file
from narration.language import primary_language

SAVE_AS_UTF8 = "save it as UTF-8 (in most editors: Save As, Encoding: UTF-8)"


def read_text(path: Path, kind: str = "Markdown or text") -> str:
    """The file's text, decoded as UTF-8 (a BOM is fine), line ends made ``\\n``.

    Raises InputError naming the file for an empty, binary, UTF-16 or otherwise non-UTF-8 file;
    the message guesses the encoding and says how to fix it.
    """
    data = read_book_file(path)  # missing, directory, empty, oversized, unreadable
    if not data.strip():
        raise InputError(path, "file is empty (only whitespace)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(data):
        raise InputError(path, f"UTF-16 text, not UTF-8; {SAVE_AS_UTF8}")
    if b"\x00" in data:
        raise InputError(path, f"binary file (contains NUL bytes), not {kind}")
    try:
        text = data.decode("utf-8-sig")  # a BOM is common in files saved by Windows editors
    except UnicodeDecodeError as exc:
        guess = _guess_encoding(data)
        likely = f"; it looks like {guess}" if guess else ""
        raise InputError(
            path,
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}{likely}); {SAVE_AS_UTF8}",
        ) from exc
    # "\r\n" (Windows), "\r" (old Mac) and the "\r\r\n" of some damaged downloads: one line end each.
    return re.sub(r"\r*\n|\r", "\n", text)


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: every other byte of mostly-ASCII text is NUL."""
    sample = data[:4000]
    if len(sample) < 8:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0), odd.count(0)) > 0.4 * len(sample) / 2 and min(even.count(0), odd.count(0)) < 0.05 * len(sample) / 2


def _guess_encoding(data: bytes) -> str:
    """A likely legacy encoding for bytes that are not UTF-8 ('' when no guess)."""
    for codec, name in (("shift_jis", "Shift_JIS (Japanese)"), ("euc_jp", "EUC-JP (Japanese)")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if sum(is_cjk(ch) for ch in text) > 0.2 * len(text):
            return name
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "Latin-1 or another single-byte encoding"
    return "Windows-1252 (or Latin-1)"


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x31F0 <= code <= 0x31FF  # katakana extensions
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms and half-width katakana
        or 0x3000 <= code <= 0x303F  # CJK punctuation (。、「」)
    )


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one line: joined with a space, except between two Japanese
    characters (Japanese has no spaces between words, so a line break joins directly)."""
    out = ""
    for line in lines:
        if not line:
            continue
        sep = "" if not out or (is_cjk(out[-1]) and is_cjk(line[0])) else " "
        out += sep + line
    return out


def title_from_name(path: Path) -> str:
    """A book's title when nothing in it names it: its file name, ``-`` and ``_`` as spaces."""
    return " ".join(re.split(r"[-_\s]+", path.stem)).strip() or path.name


# --- titles in capitals -------------------------------------------------------------------

SMALL_WORDS = {
    "a", "an", "the", "and", "but", "or", "nor", "for", "of", "in", "on", "at", "to", "by", "with",
    "from", "as", "into", "upon", "via", "vs", "de", "du", "la", "le", "von", "van", "der", "d'",
}  # fmt: skip
_ROMAN_WORD = re.compile(r"^[IVXLCDM]+$")


def is_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and not any(ch.islower() for ch in letters)


# Languages whose titles capitalise the first word and names only ("L'homme et la mer", "Cien
# años de soledad", "De avonden"): a title in capitals is folded so, not in English title case.
SENTENCE_CASE = frozenset({"fr", "es", "it", "pt", "ca", "ro", "nl", "fi", "sv", "da", "no", "nb", "nn",
                           "ru", "uk", "be", "bg", "pl", "cs", "sk", "sl", "hr", "sr"})
# German capitalises every noun, and which words of a title in capitals are nouns cannot be known:
# only the words the book itself writes in lower case are folded ("DAS LEBEN IST SCHÖN" -> "Das
# Leben ist schön" where the text has "ist" and "schön"); an unknown word keeps its capital.
BOOK_CASED = frozenset({"de"})

# A word (letters, with inner apostrophes and hyphens: "d'Artagnan", "Jean-Paul"), a number, or
# one mark. A word right after a word, a number or a comma is inside a sentence: its case there
# is how the book spells it, a capital marking a name.
_CASE_TOKEN = re.compile(r"[^\W\d_]++(?:['’-][^\W\d_]++)*+|\d++|[^\w\s]")


@dataclass(frozen=True)
class Casing:
    """How a book's titles in capitals are cased: by its language's rule (``SENTENCE_CASE``,
    ``BOOK_CASED``, else English title case), with the names its own text spells with a capital
    inside a sentence ("LE CARNET DE LOUISE" -> "Le carnet de Louise")."""

    language: str = "en"
    texts: tuple[str, ...] = field(default=(), repr=False, compare=False)  # the book's running text

    @property
    def own_rule(self) -> bool:
        """Whether the language cases titles by its own rule, not English title case."""
        return self.language in SENTENCE_CASE or self.language in BOOK_CASED

    @cached_property
    def spellings(self) -> dict[str, str]:
        """Casefolded word -> the book's usual spelling of it inside a sentence (built once, on
        the first title that needs it: most books' titles are not in capitals)."""
        seen: Counter[tuple[str, str]] = Counter()
        for text in self.texts:
            previous = ""
            for match in _CASE_TOKEN.finditer(text):
                token = match.group(0)
                # A word in capitals says nothing of its case (a title page's line, a shout).
                if token[0].isalpha() and not token.isupper() and (previous[:1].isalnum() or previous == ","):
                    seen[(token.casefold(), token)] += 1
                previous = token
        best: dict[str, tuple[int, str]] = {}
        for (key, form), count in seen.items():
            if count > best.get(key, (0, ""))[0]:
                best[key] = (count, form)
        return {key: form for key, (_count, form) in best.items()}

    @cached_property
    def unaccented(self) -> dict[str, str]:
        """``spellings`` by the word without its accents: titles in capitals often drop them
        ("UN VOYAGE A CYTHERE"), and the book's spelling still tells the word's case."""
        found: dict[str, str] = {}
        for key, form in self.spellings.items():
            found.setdefault(_unaccented(key), form)
        return found

    def word(self, core: str, first: bool) -> str:
        """One word of a title in capitals (no Roman numeral, no initials), cased."""
        known = self.spellings.get(core.casefold())
        if known is None and (loose := self.unaccented.get(_unaccented(core.casefold()))) is not None:
            known = _cap_first(core.lower()) if loose[:1].isupper() else core.lower()  # its case, the title's letters
        if known is None and (cut := re.search(r"['’]", core)):
            # "L'AMÉRIQUE": the article folded, the word after it as the book spells it.
            rest = self.spellings.get(core[cut.end() :].casefold())
            known = core[: cut.end()].lower() + rest if rest else None
        if self.language in BOOK_CASED:
            form = known if known is not None and not known[:1].isupper() else "-".join(_cap(p) for p in core.split("-"))
        else:
            form = known if known is not None else core.lower()
        return _cap_first(form) if first else form


def book_casing(language: str, texts: Iterable[str]) -> Casing:
    """The casing of a book in ``language`` whose running text is ``texts``."""
    language = primary_language(language or "en")
    keep = language in SENTENCE_CASE or language in BOOK_CASED
    return Casing(language, tuple(texts) if keep else ())


def title_case(text: str, casing: Casing | None = None) -> str:
    """All-capital title text in title case; Roman numerals, initials and short words handled.
    In a language whose titles are in sentence case (``casing``), only the first word and the
    book's names keep a capital."""
    if casing is not None and casing.own_rule:
        return _cased(text, casing)
    out: list[str] = []
    first = True  # the first word, or the first after a colon, dash or full stop
    for token in re.split(r"(\s+|—|--|–|:)", text):
        if not token:
            continue
        core = token.strip(".,;:!?\"'“”‘’()[]—–-")
        if token.isspace() or not core:
            out.append(token)
            first = first or bool(re.search(r"[.:!?—–]|--|^-$", token))  # a lone "-": "CHAPTER 2 - THE SHADOW"
            continue
        if _ROMAN_WORD.match(core) and _valid_roman(core):
            out.append(token)  # "CHAPTER XII", "HENRY VIII", and the pronoun "I"
        elif re.fullmatch(r"(?:[A-Z]\.)+[A-Z]\.?", core):
            out.append(token)  # U.S.A.
        elif core.lower() in SMALL_WORDS and not first:
            out.append(token.lower())
        else:
            out.append("-".join(_cap(part) for part in token.split("-")))
        # After "I." or "XII." (a numeral) a new title starts; after "MR." or an initial it does not.
        numeral = bool(_ROMAN_WORD.match(core) and _valid_roman(core)) and core != "M"
        first = token.endswith((".", "!", "?", ":")) and (numeral or not re.fullmatch(r"[A-Z]\.|MRS?\.|DR\.|ST\.|MME\.|MLLE\.", token))
    return "".join(out)


def caps_to_title(text: str, casing: Casing | None = None) -> str:
    """All-capital text in title case ("CHAPTER I" -> "Chapter I"); mixed case kept as written."""
    return title_case(text, casing) if is_caps(text) else text


def _cased(text: str, casing: Casing) -> str:
    """``title_case`` for a language with its own rule: the first word (and the first after a
    colon, a dash or a stop) capitalised, the others as ``casing`` says; Roman numerals and
    initials kept."""
    out: list[str] = []
    first, after_capital = True, False
    for token in re.split(r"(\s+|—|--|–|:)", text):
        if not token:
            continue
        core = token.strip(".,;:!?\"'“”‘’()[]—–-«»")
        core = core.split("[")[0] or core  # a note's marker after it: "XXII[1]"
        if token.isspace() or not core:
            out.append(token)
            first = first or bool(re.search(r"[.:!?—–]|--|^-$", token))
            continue
        if _is_numeral(core, first, after_capital, casing) or re.fullmatch(r"(?:[A-Z]\.)+[A-Z]\.?|[A-Z]\.", token.strip(",;:")):
            out.append(token)  # "CHAPITRE XII", "LOUIS XIV", an initial ("A. FIRMIN")
        else:
            start = token.index(core)
            out.append(token[:start] + casing.word(core, first) + token[start + len(core) :])
        numeral = bool(_ROMAN_WORD.match(core) and _valid_roman(core))
        after_capital = out[-1].lstrip(".,;:!?\"'“”‘’()[]—–-«»")[:1].isupper()
        first = token.endswith((".", "!", "?", ":")) and (numeral or not re.fullmatch(r"[A-Z]\.|MM?\.|MME\.|MLLE\.|SR\.|SRA\.|DR\.|ST\.", token))
    return "".join(out)


def _is_numeral(core: str, first: bool, after_capital: bool, casing: Casing) -> bool:
    """Whether a word of a title in capitals is a Roman numeral: after a label or a name
    ("CHAPITRE XII", "LOUIS XIV"), or of I, V, X, L and C and no word the book writes in lower
    case (Italian "DI", "CI", "VI" are words: "IL PONTE DI VENEZIA"). Not "I" opening a title:
    the Italian article ("I PROMESSI SPOSI")."""
    if not (_ROMAN_WORD.match(core) and _valid_roman(core)) or (first and core == "I"):
        return False
    if after_capital and not first:
        return True
    known = casing.spellings.get(core.casefold())
    return set(core) <= set("IVXLC") and (known is None or known[:1].isupper())


def _unaccented(word: str) -> str:
    """``word`` without its accents ("cythère" -> "cythere")."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _cap_first(word: str) -> str:
    """``word`` with its first letter a capital, the rest as it is ("l'homme" -> "L'homme")."""
    for i, ch in enumerate(word):
        if ch.isalpha():
            return word[:i] + ch.upper() + word[i + 1 :]
    return word


def _cap(word: str) -> str:
    lower = word.lower()
    for i, ch in enumerate(lower):
        if ch.isalpha():
            capped = lower[:i] + ch.upper() + lower[i + 1 :]
            # O'Brien, D'Arcy, M'Gregor
            if re.match(r"^[^\w]*[OoDdMm]['’]\w", capped[i:]) and len(capped) - i > 3:
                j = i + 2
                capped = capped[:j] + capped[j].upper() + capped[j + 1 :]
            return capped
    return lower


def _valid_roman(text: str) -> bool:
    return bool(re.fullmatch(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", text))




# Marks of program text: brackets and operators, a call "f(", a name_with_underscores. Not ;()
# alone, which prose and verse use too.
_CODE_MARKS = re.compile(r"[{}\[\]=<>/\\#$|`]|\w\(|\w_\w")


def looks_like_code(text: str) -> bool:
    """Program text (or ASCII art), not verse or a letter set line by line."""
    letters = sum(ch.isalpha() for ch in text)
    code = len(_CODE_MARKS.findall(text))
    return letters == 0 or (code >= 1 and (letters < 40 or (code >= 2 and code > 0.04 * letters)))
