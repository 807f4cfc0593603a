"""Text normalisation for speech: turn what a reader sees into what a narrator says.

``normalize(text, language)`` runs a pipeline of small named rules (each ``str -> str``).
English is covered in depth: numbers, years, currency (old British money too: "£3 10s.",
"16s.", "1½d."), fractions, times, abbreviations, roman numerals in safe contexts (a heading's
own number among them), symbols, and words in capitals read as words. Japanese rules live in
``narration.text.japanese``: ruby readings, numbers with 万/億 grouping, dates, times,
counters with their sound changes and Latin abbreviations, read in katakana. Spanish, French,
Italian and Portuguese get their numbers in words (num2words in the language) and their titles
before a name ("M. Dupont", "Sr. García") spelled out, and nothing of the English rules; they,
German, Dutch and Finnish read a heading's roman numeral in the language ("Chapitre premier",
"Capítulo sexto", "Kapitel sechs"); the Romance languages and Dutch read a numeral after a
name as a king's ("Louis quatorze", "Carlos quinto", "Pio nono", "Willem de derde"). Hindi and
Mandarin get a heading's roman numeral in digits, which their G2Ps read (Kokoro's Hindi with
espeak-ng, its Mandarin with misaki's cn2an); other languages the language-neutral rules only.

The rules run on one sentence at a time (the chunker calls them per sentence), so a period
that ends the text is treated as the end of a sentence.

Speed: the chunker normalises every sentence and every candidate span of an over-long one, so
rules return early when their text cannot match: a rule whose patterns all need a digit skips
text without one (``_DIGIT``), a pattern that needs a literal ("Mr.") runs only where the
literal is. Each such check is one a match could not exist without, so results are unchanged.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence

from num2words import num2words

from narration.language import primary_language
from narration.text import japanese
from narration.text.lexicon import Lexicon

Rule = Callable[[str], str]

# -- number words --------------------------------------------------------------------------


def _american(words: str) -> str:
    # num2words speaks British style ("one thousand, two hundred and five"); the default voice
    # is American and the commas would add pauses inside a number.
    return words.replace(",", "").replace(" and ", " ")


# A whole number of more digits than this is read digit by digit: named powers ("ten
# duodecillion") help no listener, and int() refuses a run of over 4,300 digits, so a longer
# run of digits is never given to it.
MAX_NUMBER_DIGITS = 15
_LARGEST_NAMED = 10**MAX_NUMBER_DIGITS


def _value(digits: str) -> int | None:
    """The value of a run of digits; None past ``MAX_NUMBER_DIGITS`` (leading zeros aside)."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= MAX_NUMBER_DIGITS else None


# num2words costs ~60 µs a number and the chunker normalises a span several times while it
# looks for where to cut it: a number is spelled once (a paragraph of 4,000 years took 5 s).
@functools.lru_cache(maxsize=4096)
def _cardinal(value: int) -> str:
    return _american(num2words(value)) if value < _LARGEST_NAMED else _digits(str(value))


@functools.lru_cache(maxsize=4096)
def _ordinal(value: int) -> str:
    return _american(num2words(value, to="ordinal")) if value < _LARGEST_NAMED else _digits(str(value))


def _ordinal_digits(digits: str) -> str:
    """'22' -> 'twenty-second'; a run past ``MAX_NUMBER_DIGITS`` digit by digit."""
    value = _value(digits)
    return _digits(digits) if value is None else _ordinal(value)


@functools.lru_cache(maxsize=4096)
def _year(value: int) -> str:
    # "two thousand and five" -> "two thousand five"; "nineteen oh-five" -> "nineteen oh five"
    return _american(num2words(value, to="year")).replace("oh-", "oh ")


def _digits(digits: str) -> str:
    return " ".join(_american(num2words(int(d))) for d in digits)


def _number(token: str) -> str:
    """Speak a written number: "1,234" -> "one thousand two hundred thirty-four", "3.05" ->
    "three point zero five" (fraction digits one by one, as people read them); "007" is read
    digit by digit."""
    whole, _, fraction = token.replace(",", "").partition(".")
    value = None if len(whole) > 1 and whole.startswith("0") else _value(whole)
    words = _digits(whole) if value is None else _cardinal(value)
    return f"{words} point {_digits(fraction)}" if fraction else words


def _plural(words: str) -> str:
    """Pluralise the last word of a number phrase: "nineteen ninety" -> "nineteen nineties"."""
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _is_one(token: str) -> bool:
    return token.replace(",", "") in ("1", "1.0", "1.00")


# A written number: with thousands separators, or plain digits; an optional decimal part.
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# After these words a number with an "s" is a decade ("the 60s", "in his 20s"), not shillings.
_DECADE_WORDS = ("the", "The", "his", "her", "its", "our", "my", "their", "your", "early", "late", "mid")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
# Every pattern of a rule that starts with ``if not _DIGIT(text): return text`` needs a digit
# (``\d``, the same class as in the patterns), so such text passes through it unchanged.
_DIGIT = re.compile(r"\d").search


_CLOSING_REST = re.compile(r"[\"')\]]*\s*")


def _keep_stop(match: re.Match[str]) -> str:
    """A period consumed by an abbreviation that also ended the sentence must stay."""
    return "." if match.group(0).endswith(".") and _CLOSING_REST.fullmatch(match.string, match.end()) else ""


# -- language-neutral rules --------------------------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# A link's text holds no bracket, nor its address a "]": from every "[" of a long run the scan
# went to the end of the text (quadratic); the brackets left over are dropped as markup anyway.
_MD_LINK = re.compile(r"\[([^\[\]]*+)\]\([^)\]]*+\)")
# Emphasis, code and table markup; '#' only when it is not "number" (#5).
_MARKUP_CHARS = re.compile(r"[*_`~^|\\{}\[\]]|#(?!\d)")
# Invisible characters (zero-width joiners, soft hyphens, BOM...) and control characters.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\x00-\x08\x0e-\x1f\x7f]")


def strip_markup(text: str) -> str:
    """Drop stray HTML tags, Markdown links/emphasis and invisible characters."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    text = _INVISIBLE.sub("", text)
    # Removed, not spaced: emphasis sits against words ("**bold**"), and Japanese has no spaces.
    return _MARKUP_CHARS.sub("", text)


_CLOSING_MARKS = ",.;:!?)]」』、。！？"


def collapse_whitespace(text: str) -> str:
    """One space between words, none before closing punctuation, none at the ends."""
    text = " ".join(text.split())
    # Plain replaces, not a pattern's sub(r"\1"): its template cost ~1 µs a mark in Python, and
    # the chunker normalises every span of "! ! ! ..." (270 ms/KB of such a line in an EPUB).
    for mark in _CLOSING_MARKS:
        if " " + mark in text:
            text = text.replace(" " + mark, mark)
    return text


# -- English rules ---------------------------------------------------------------------------

_FRACTIONS = {"½": (1, 2), "¼": (1, 4), "¾": (3, 4), "⅓": (1, 3), "⅔": (2, 3)}
_FRACTION = re.compile(r"(?<!\d)(\d++)?\s?([½¼¾⅓⅔])")  # from a run's start only: linear
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "−": "-"}
)


def _fraction_words(whole: str | None, top: int, bottom: int) -> str:
    """'1 and a half', 'three quarters', 'one ninth': the whole number stays digits, to be read
    later as other numbers are."""
    name = {2: "half", 4: "quarter"}.get(bottom) or _ordinal(bottom)
    if top > 1:
        name = "halves" if name == "half" else name + "s"
    spoken = f"{'a' if top == 1 and bottom in (2, 3, 4) and whole else _cardinal(top)} {name}"
    return f"{whole} and {spoken}" if whole else spoken


def _fraction(match: re.Match[str]) -> str:
    return _fraction_words(match.group(1), *_FRACTIONS[match.group(2)])


def unify_characters(text: str) -> str:
    """Vulgar fractions to words, then NFKC (full-width forms, ligatures, '…' -> '...'),
    curly quotes to straight ones and the minus sign to '-'."""
    if text.isascii():  # no vulgar fraction or curly quote, and NFKC leaves ASCII as it is
        return text
    text = _FRACTION.sub(_fraction, text)
    return unicodedata.normalize("NFKC", text).translate(_QUOTES)


# (pattern, spoken form); the replacement may use the pattern's groups.
_ABBREVIATIONS: Sequence[tuple[str, str]] = (
    (r"\bMr\.", "Mister"),
    (r"\bMrs\.", "Missus"),
    (r"\bMs\.", "Miz"),
    (r"\bMessrs\.", "Messieurs"),
    (r"\bProf\.", "Professor"),
    (r"\bRev\.", "Reverend"),
    (r"\bCapt\.", "Captain"),
    (r"\bLt\.", "Lieutenant"),
    (r"\bSgt\.", "Sergeant"),
    (r"\bCol\.", "Colonel"),
    (r"\bGov\.", "Governor"),
    (r"\bSen\.", "Senator"),
    (r"\bMt\.(?=\s+[A-Z])", "Mount"),
    (r"\bFt\.(?=\s+[A-Z])", "Fort"),
    # Saint before a capitalised name, Street otherwise (the brief's rule: "St. Louis",
    # "Baker St.").
    (r"\bSt\.(?=\s+[A-Z])", "Saint"),
    (r"\bSt\.", "Street"),
    # Doctor is the usual reading; Drive only right after a capitalised word with no name
    # following ("Elm Dr.").
    (r"\b([A-Z][a-z]+ )Dr\.(?!\s+[A-Z])", r"\1Drive"),
    (r"\bDr\.", "Doctor"),
    (r"\bJr\.", "Junior"),
    (r"\bSr\.", "Senior"),
    (r"\bAve\.", "Avenue"),
    (r"\bBlvd\.", "Boulevard"),
    (r"\bRd\.", "Road"),
    (r"\be\.\s?g\.", "for example"),
    (r"\bi\.\s?e\.", "that is"),
    (r"\betc\.", "et cetera"),
    (r"\bvs\.?(?=\s)", "versus"),
    (r"\bcf\.", "compare"),
    (r"\bapprox\.", "approximately"),
    (r"\bNos\.(?=\s*\d)", "numbers"),
    (r"\bNo\.(?=\s*\d)", "number"),
    (r"\bno\.(?=\s*\d)", "number"),
    (r"\bpp\.(?=\s*\d)", "pages"),
    (r"\bp\.(?=\s*\d)", "page"),
    (r"\bVol\.(?=\s*[\dIVXLCDM])", "Volume"),
    (r"\bch\.(?=\s*\d)", "chapter"),
    (r"\bchap\.(?=\s*\d)", "chapter "),  # "chap.30" too: the space keeps the number a word
    (r"\bsect\.(?=\s*\d)", "section "),
    (r"\bca?\.(?=\s*\d)", "circa"),
)
_ABBREVIATION_RULES = [(re.compile(p), spoken) for p, spoken in _ABBREVIATIONS]
_ETC_BEFORE_SENTENCE = re.compile(r"\betc\.(?=\s+[A-Z])")


def required_literal(pattern: str) -> str:
    """The literal text every match of ``pattern`` starts with after a leading ``\\b``:
    letters, digits and escaped periods up to the first other syntax; a character that a
    ``?``, ``*`` or ``{`` makes optional ends it too. "" when there is none."""
    body, literal, i = pattern.removeprefix(r"\b"), "", 0
    while i < len(body):
        if body.startswith(r"\.", i):
            char, step = ".", 2
        elif body[i].isalnum():
            char, step = body[i], 1
        else:
            break
        if body[i + step : i + step + 1] in ("?", "*", "{"):
            break
        literal, i = literal + char, i + step
    return literal


# A pattern can only match text that holds its literal ("Mr."); ``in`` is far cheaper than a
# regular expression search that starts with \b. "Elm Dr." starts with a group: its "Dr." is
# named here.
_ABBREVIATION_LITERALS = [required_literal(p) or ("Dr." if p.endswith(r"Dr\.(?!\s+[A-Z])") else "")
                          for p, _ in _ABBREVIATIONS]


def expand_abbreviations(text: str) -> str:
    """Mr. -> Mister, St. -> Saint/Street, e.g. -> for example, No. 5 -> number 5..."""
    # "etc." directly followed by a capitalised word ends a sentence inside the text.
    if "etc." in text:
        text = _ETC_BEFORE_SENTENCE.sub("et cetera.", text)
    for (pattern, spoken), literal in zip(_ABBREVIATION_RULES, _ABBREVIATION_LITERALS, strict=True):
        if literal in text:
            text = pattern.sub(_expander(spoken), text)
    return text


def _expander(spoken: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.expand(spoken) + _keep_stop(match)


_UNITS = {
    "km": ("kilometer", "kilometers"),
    "kg": ("kilogram", "kilograms"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "mg": ("milligram", "milligrams"),
    "ml": ("milliliter", "milliliters"),
    "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "ft": ("foot", "feet"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
}
_UNIT_SYMBOLS = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_UNIT = re.compile(rf"(?<![\w.])(-?(?:{NUMBER}))\s?({_UNIT_SYMBOLS})(?![\w/])")


def _unit(match: re.Match[str]) -> str:
    one, many = _UNITS[match.group(2)]
    return f"{match.group(1)} {one if _is_one(match.group(1)) else many}"


def expand_units(text: str) -> str:
    """'5 km' -> '5 kilometers', '1 lb' -> '1 pound' (the number is spoken by a later rule)."""
    if not _DIGIT(text):
        return text
    return _UNIT.sub(_unit, text)


_PHONE = re.compile(r"(?<![\w-])(?:\(\d{3}\)\s?|\d{3}-)?\d{3}-\d{4}(?![\w-])")


def expand_phone_numbers(text: str) -> str:
    """'555-1234' -> 'five five five, one two three four', read before it looks like a range."""
    if not _DIGIT(text):
        return text
    return _PHONE.sub(
        lambda m: ", ".join(_digits(group) for group in re.findall(r"\d+", m.group(0))), text
    )


# Number ranges: "1990-1995", "pp. 10–20", "$5-$10" -> "... to ...". A hyphen chain
# (phone numbers, ISO dates) is left alone.
# Written fractions: proper and reduced, with a denominator that fractions use ("9/11" and "24/7" are not),
# alone or after a whole number ("1 1/9", "1 1/9d." of old money), not inside a date ("12/25/2020").
_SLASH_FRACTION = re.compile(r"(?<![\w/.,-])(?:(\d+) )?(\d{1,2})/(\d{1,3})(?=d\.|(?![\w/]|[.,]\d))")
_DENOMINATORS = frozenset({2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20, 32, 64, 100})


def _slash_fraction(match: re.Match[str]) -> str:
    whole, top, bottom = match.group(1), int(match.group(2)), int(match.group(3))
    # Prose prints fractions reduced; "2/6" and "7/6" are old money (two and six, seven and six).
    if not 0 < top < bottom or bottom not in _DENOMINATORS or math.gcd(top, bottom) != 1:
        return match.group(0)
    return _fraction_words(whole, top, bottom)


def expand_fractions(text: str) -> str:
    """'7/8' -> 'seven eighths', '2 1/2' -> 'two and a half'; dates and '24/7' stay."""
    if "/" not in text:
        return text
    return _SLASH_FRACTION.sub(_slash_fraction, text)


_RANGE = re.compile(rf"(?<![\w.,-])([$£€¥]?)({NUMBER})\s?[-–—]\s?([$£€¥]?)({NUMBER})(?![\w-]|\.\d)")


def expand_ranges(text: str) -> str:
    """'1990-1995' -> '1990 to 1995', so each end is then read as what it is."""
    if not _DIGIT(text):
        return text
    return _RANGE.sub(r"\1\2 to \3\4", text)


_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "", ""),
}
_SCALES = r"thousand|million|billion|trillion"
_CURRENCY = re.compile(
    rf"(?:(?<=^)|(?<=[\s(\"']))(-)?([$£€¥])\s?({NUMBER})(?:\s?({_SCALES}|bn)\b)?(?!\d)"
)
_CURRENCY_AFTER = re.compile(rf"(?<![\w.])({NUMBER})\s?([£€¥])")


def _money(sign: str, symbol: str, amount: str, scale: str | None) -> str:
    one, many, sub_one, sub_many = _CURRENCIES[symbol]
    minus = "minus " if sign else ""
    if scale:  # "$1.5 million" -> "one point five million dollars"
        scale = "billion" if scale == "bn" else scale
        return f"{minus}{_number(amount)} {scale} {many}"
    whole, _, cents = amount.replace(",", "").partition(".")
    if len(cents) != 2 or not sub_one or _value(whole) is None:  # "$3.5" is read as a plain decimal
        return f"{minus}{_number(amount)} {one if _is_one(amount) else many}"
    unit = f"{_cardinal(int(whole))} {one if int(whole) == 1 else many}"
    if int(cents) == 0:
        return minus + unit
    sub = f"{_cardinal(int(cents))} {sub_one if int(cents) == 1 else sub_many}"
    return minus + (sub if int(whole) == 0 else f"{unit} and {sub}")


# Pre-decimal British money (pounds, shillings, pence): "£3 10s", "£3 10s. 6d.", "3l. 10s.",
# "2s. 6d.". Shillings alone ("the 60s") are left to the other rules: only pounds or pence
# before or after them make an amount.
_LSD = re.compile(
    rf"(?<![\w£.])(?:(?:£\s?(?P<l>{NUMBER})|(?P<l2>\d{{1,3}}(?:,\d{{3}})+|\d+)\s?l\.?)\s+)?"
    r"(?P<s>\d{1,2})\s?s\b\.?(?:\s?(?P<d>\d{1,2})\s?d\b\.?)?"
)


def _shillings_words(count: int) -> str:
    return f"{_cardinal(count)} {'shilling' if count == 1 else 'shillings'}"


def _pence_words(count: int, part: str = "") -> str:
    return f"{_cardinal(count)}{part} {'penny' if count == 1 and not part else 'pence'}"


def _lsd(match: re.Match[str]) -> str:
    pounds, pence = match.group("l") or match.group("l2"), match.group("d")
    if pounds is None and pence is None:
        return match.group(0)
    shillings = int(match.group("s"))
    parts = []
    if pounds is not None:
        parts.append(f"{_number(pounds)} {'pound' if _is_one(pounds) else 'pounds'}")
    if shillings or not parts:
        parts.append(_shillings_words(shillings))
    spoken = " ".join(parts)
    if pence is not None and int(pence):
        spoken += f" and {_pence_words(int(pence))}"
    return spoken + _keep_stop(match)


# Shillings or pence alone ("to 32s.", "at 6d. a loaf", "1½d."), always with the period that
# old editions print: "60s" without one is a decade, and so is one after "the" or a possessive
# ("in the 60s.", "in his 20s."), and "3d." after "the" or a month is an old ordinal ("the 3d of
# May", "September 2d.").
_NOT_A_DECADE = "".join(f"(?<!{word} )" for word in _DECADE_WORDS)
_NOT_A_DATE = "".join(f"(?<!{word} )" for word in ("the", "The", *_MONTHS))
_SHILLINGS = re.compile(rf"(?<![\w£.,'/-]){_NOT_A_DECADE}(\d{{1,3}})s\.(?=\s|$|[,;:\"')\]])")
_PENCE = re.compile(
    rf"(?<![\w£.,'/-]){_NOT_A_DATE}(\d{{1,3}})( and [a-z]+ [a-z]+?)?\s?d\.(?=\s|$|[,;:\"')\]])"
)


def _shillings(match: re.Match[str]) -> str:
    return _shillings_words(int(match.group(1))) + _keep_stop(match)


def _pence(match: re.Match[str]) -> str:
    return _pence_words(int(match.group(1)), match.group(2) or "") + _keep_stop(match)


def expand_old_money(text: str) -> str:
    """'£3 10s' -> 'three pounds ten shillings', '2s. 6d.' -> 'two shillings and six pence',
    'to 32s.' -> 'to thirty-two shillings', '1½d.' -> 'one and a half pence'."""
    if not _DIGIT(text):
        return text
    text = _LSD.sub(_lsd, text)
    if "s." in text:
        text = _SHILLINGS.sub(_shillings, text)
    if "d." in text:
        text = _PENCE.sub(_pence, text)
    return text


def expand_currency(text: str) -> str:
    """'$3.50' -> 'three dollars and fifty cents', '$1 million' -> 'one million dollars'."""
    if not _DIGIT(text):
        return text
    text = _CURRENCY.sub(lambda m: _money(m.group(1) or "", m.group(2), m.group(3), m.group(4)), text)
    return _CURRENCY_AFTER.sub(lambda m: _money("", m.group(2), m.group(1), None), text)


_PERCENT = re.compile(rf"(?:(?<=^)|(?<=[^\w.]))(-)?({NUMBER})\s?%")


def expand_percentages(text: str) -> str:
    """'12.5%' -> 'twelve point five percent'."""
    if not _DIGIT(text):
        return text
    return _PERCENT.sub(lambda m: ("minus " if m.group(1) else "") + f"{_number(m.group(2))} percent", text)


_MERIDIEM = r"(?P<ampm>[AaPp]\.?\s?[Mm]\.?)(?![\w])"
_CLOCK = re.compile(rf"(?<![\d:.])(?P<h>[01]?\d|2[0-4]):(?P<m>[0-5]\d)(?![\d]|:\d)(?:\s?{_MERIDIEM})?")
_HOUR = re.compile(rf"(?<![\w:.])(?P<h>1[0-2]|0?[1-9])\s?{_MERIDIEM}")


def _meridiem(match: re.Match[str]) -> str:
    ampm = match.group("ampm")
    if not ampm:
        return ""
    # espeak spells "AM"/"PM" as letters; the stop is kept when it also ended the sentence.
    return (" AM" if ampm[0] in "Aa" else " PM") + _keep_stop(match)


def _clock(match: re.Match[str]) -> str:
    hour, minute = int(match.group("h")), int(match.group("m"))
    if minute == 0:
        words = _cardinal(hour) + ("" if match.group("ampm") else " o'clock")
    elif minute < 10:
        words = f"{_cardinal(hour)} oh {_cardinal(minute)}"
    else:
        words = f"{_cardinal(hour)} {_cardinal(minute)}"
    return words + _meridiem(match)


def expand_times(text: str) -> str:
    """'3:30 pm' -> 'three thirty PM', '10:05' -> 'ten oh five', '10:00' -> "ten o'clock"."""
    if not _DIGIT(text):
        return text
    text = _CLOCK.sub(_clock, text)
    return _HOUR.sub(lambda m: _cardinal(int(m.group("h"))) + _meridiem(m), text)


_DECADE = re.compile(r"(?<![\w.,])(1[1-9]\d0|20\d0)'?s\b")
_SHORT_DECADE = re.compile(r"(?:'|" + "|".join(rf"(?<=\b{word} )" for word in _DECADE_WORDS) + r")([1-9]0)'?s\b")


def expand_decades(text: str) -> str:
    """'1990s' -> 'nineteen nineties', "the '60s" / 'the 60s' -> 'the sixties'."""
    if not _DIGIT(text):
        return text
    text = _DECADE.sub(lambda m: _plural(_year(int(m.group(1)))), text)
    return _SHORT_DECADE.sub(lambda m: _plural(_cardinal(int(m.group(1)))), text)


_ORDINAL = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)\b")
# The old printing of second and third ("the 2d of May", "the 23d Regiment", "September 2d");
# only after "the" or a month, since "3d." alone is three pence.
_OLD_ORDINAL = re.compile(r"(?:" + "|".join(rf"(?<=\b{word} )" for word in ("the", *_MONTHS)) + r")(\d*(?<!1)[23])d\b")


def expand_ordinals(text: str) -> str:
    """'1st' -> 'first', '22nd' -> 'twenty-second', 'the 3d of May' -> 'the third of May'."""
    if not _DIGIT(text):
        return text
    text = _ORDINAL.sub(lambda m: _ordinal_digits(m.group(1).replace(",", "")), text)
    return _OLD_ORDINAL.sub(lambda m: _ordinal_digits(m.group(1)), text)


_ROMAN_VALID = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_SECTION_WORDS = (
    "Chapter", "Book", "Part", "Volume", "Vol.", "Act", "Scene", "Section", "Canto", "Appendix",
    "Phase", "Stage", "Episode", "Article", "Psalm",
)
_SECTION_KEYWORDS = "|".join(re.escape(f) for word in _SECTION_WORDS for f in (word, word.upper()))
# A lone "I" must end the heading or precede a capital ("Chapter I The Storm"):
# in "Book I read" it is the pronoun.
_SECTION_ROMAN = re.compile(
    rf"\b({_SECTION_KEYWORDS})\s+([IVXLCDM]{{2,}}|[VXLCDM]|I(?=\s*(?:$|[^\w\s]|[A-Z])))\b(?!['’]?\w)"
)
# A heading's own number with no keyword before it: "II: Black Dog Appears", "XIV. The Last Word",
# "IX—THE SHADOW", "XIV", or after a part's title in a joined heading ("Part one: The Old
# Buccaneer: I: At the Admiral Benbow"). Only at the start of the text or after ": ", and only
# before ". ", ":", a dash or the end. A lone "I" is the pronoun unless a colon, ". Capital", a
# dash and a word in capitals ("I—DOWN THE RABBIT-HOLE", not "I—I was") or, at the start,
# nothing follows ("...lov'd me: I" ends a line of verse; speech that is "I." is quoted). Letters
# I, V, X, L, C only: headings stop well below D and M, and "MIX:" or "DIM." are words.
_NUMBERED = r":|\.\s+[A-Z]|\.\s*[—–]|\s*[—–]+\s*[A-Z]{2,}\b"
_HEADING_ROMAN = re.compile(
    r"(?:^|(?<=: ))([IVXLC]{2,})(?=[.:]?$|[.:]\s|[.:]?\s*[—–]|\s+-\s)"
    rf"|^(I)(?={_NUMBERED}|\.?$)|(?<=: )(I)(?={_NUMBERED})"
)
_WORLD_WAR = re.compile(r"\b(World War)\s+(I{1,2})\b")
# Regnal numbers only after names that monarchs and popes actually bear: "Henry VIII" is safe,
# "Part II" is handled above, and a bare capital "I" after any other word is the pronoun.
_REGNAL_NAMES = (
    "Henry|Edward|George|William|Richard|Charles|James|John|Louis|Elizabeth|Mary|Anne|Philip|"
    "Peter|Catherine|Frederick|Ferdinand|Francis|Gustav|Gustavus|Ivan|Leo|Pius|Benedict|Gregory|"
    "Innocent|Clement|Urban|Boniface|Paul|Alexander|Nicholas|Napoleon|Ludwig|Otto|Wilhelm|"
    "Friedrich|Ramesses|Rameses|Ptolemy|Constantine|Harold|Malcolm|David|Robert|Alfonso|Juan|"
    "Carlos|Felipe|Fernando|Manuel|Pedro|Umberto|Emmanuel|Haakon|Olaf|Christian|Sigismund|"
    "Casimir|Stephen|Edmund|Leopold|Joseph|Maximilian|Rudolf|Amenhotep|Thutmose|Seti|Darius|"
    "Xerxes|Artaxerxes|Hadrian|Sixtus|Julius|Eugene|Eugenius|Celestine|Honorius|Martin|Adrian"
)
# Regnal numbers stop well below 40 and use I, V, X only; a single V or X followed by
# ". Capital" is a middle initial ("John X. Smith").
_REGNAL = re.compile(
    rf"\b({_REGNAL_NAMES})\s+([IVX]{{2,}}|[VX](?!\.\s+[A-Z]))\b(?!['’]?[a-rt-z])"
)
_REGNAL_FIRST = re.compile(rf"\b({_REGNAL_NAMES})\s+I(?=\s*(?:[,.;:!?)\"]|$|\s+of\b))")


def _roman(numeral: str) -> int | None:
    if not numeral or not _ROMAN_VALID.fullmatch(numeral):
        return None
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _section(match: re.Match[str]) -> str:
    value = _roman(match.group(2))
    return match.group(0) if value is None else f"{match.group(1)} {_cardinal(value)}"


def _heading_number(match: re.Match[str]) -> str:
    value = _roman(next(group for group in match.groups() if group))
    return match.group(0) if value is None else _cardinal(value)


def _regnal(match: re.Match[str]) -> str:
    value = _roman(match.group(2))
    return match.group(0) if value is None else f"{match.group(1)} the {_ordinal(value)}"


# Each pattern above needs one of these words; finding one is quicker than the \b-led search.
_SECTION_KEYWORD = re.compile(_SECTION_KEYWORDS)
_REGNAL_NAME = re.compile(_REGNAL_NAMES)


def expand_roman_numerals(text: str) -> str:
    """Only where a roman numeral is unambiguous: 'Chapter IV' -> 'Chapter four',
    'Henry VIII' -> 'Henry the eighth', 'World War II' -> 'World War two', a heading's own
    number 'II: Black Dog' -> 'two: Black Dog'."""
    if _SECTION_KEYWORD.search(text):
        text = _SECTION_ROMAN.sub(_section, text)
    text = _HEADING_ROMAN.sub(_heading_number, text)
    if "World War" in text:
        text = _WORLD_WAR.sub(lambda m: f"{m.group(1)} {_cardinal(len(m.group(2)))}", text)
    if _REGNAL_NAME.search(text):
        text = _REGNAL.sub(_regnal, text)
    if _REGNAL_NAME.search(text):
        text = _REGNAL_FIRST.sub(lambda m: f"{m.group(1)} the first", text)
    return text


_YEAR = re.compile(r"(?<![\w.,$£€¥])(1\d\d\d|20\d\d)(?![\w]|[.,]\d)")
_YEAR_CUES = re.compile(
    r"\b(?:in|In|since|Since|until|Until|till|circa|year|Year|during|During|January|February|March|"
    r"April|May|June|July|August|September|October|November|December|spring|summer|autumn|fall|"
    r"winter|Spring|Summer|Autumn|Winter)\s+$"
)
_ERA = re.compile(r"\s*(?:AD|BC|BCE|CE|A\.D\.|B\.C\.)")
_UNIT_WORDS = frozenset(
    "feet foot meters metres miles yards inches kilometers kilometres pounds ounces tons tonnes "
    "grams kilograms degrees dollars euros yen pence cents people men women children persons "
    "soldiers troops years months weeks days hours minutes seconds times pages words copies "
    "units items votes points acres calories".split()
)
# Words ending in "s" that follow a year as its verb or article-like word, not as a counted noun.
_NOT_COUNTED = frozenset("was is has does as his this its us yes thus perhaps always".split())


_WORD_AFTER = re.compile(r"\s+([a-z]+)")
_LONGEST_CUE = len("September")


def _counts_something(text: str, end: int) -> bool:
    word = _WORD_AFTER.match(text, end)
    if not word:
        return False
    w = word.group(1)
    return w in _UNIT_WORDS or (w.endswith("s") and len(w) > 3 and w not in _NOT_COUNTED)


def _cue_before(text: str, start: int) -> bool:
    """Whether a cue word and spaces end ``text[:start]``. Only its last word is searched: the
    whole text before every year was quadratic ("1850 " * 4,000 took 5.9 s to plan)."""
    word_end = start
    while word_end and text[word_end - 1].isspace():
        word_end -= 1
    return _YEAR_CUES.search(text, max(0, word_end - _LONGEST_CUE - 1), start) is not None


def _maybe_year(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    value = int(match.group(1))
    if start and text[start - 1] == "-" and (start == 1 or text[start - 2] in " ("):
        return match.group(1)  # a negative number
    cued = _cue_before(text, start) or bool(_ERA.match(text, end))
    # 1000-1099 only with a cue ("in 1066"): bare, "1024" is more likely a count.
    as_year = cued or (value >= 1100 and not _counts_something(text, end))
    return _year(value) if as_year else match.group(1)


def expand_years(text: str) -> str:
    """A 4-digit number 1100-2099 is a year unless it counts something ('1500 soldiers');
    'in 1984 people...' is still a year, and so is 1000-1099 after such a cue ('in 1066').
    Numbers left here are spoken as cardinals later."""
    if not _DIGIT(text):
        return text
    return _YEAR.sub(_maybe_year, text)


# A minus sign only at the start or after a space, bracket or quote ("5-3" is no negative).
_NUMBER_TOKEN = re.compile(
    rf"(?P<neg>(?:^|(?<=[\s(\"']))-)?(?<!\d)(?<!\d\.)(?P<num>{NUMBER})(?!\d|\.\d)"
)


def _spoken_number(match: re.Match[str]) -> str:
    words = ("minus " if match.group("neg") else "") + _number(match.group("num"))
    # Digits glued to letters are spoken apart ("MP3" -> "MP three", "3D" -> "three D").
    before = " " if match.start() > 0 and match.string[match.start() - 1].isalpha() else ""
    after = " " if match.end() < len(match.string) and match.string[match.end()].isalpha() else ""
    return before + words + after


def expand_numbers(text: str) -> str:
    """Cardinals, decimals and negatives: '-1,234.5' -> 'minus one thousand ... point five'."""
    if not _DIGIT(text):
        return text
    return _NUMBER_TOKEN.sub(_spoken_number, text)


_SYMBOLS: Sequence[tuple[re.Pattern[str], str]] = (
    (re.compile(r"#(?=\d)"), " number "),
    (re.compile(r"&"), " and "),
    (re.compile(r"%"), " percent "),
    (re.compile(r"(?<=\w)\s?\+\s?(?=\w)"), " plus "),
    (re.compile(r"\s=\s"), " equals "),
    (re.compile(r"(?<=\w)\s?×\s?(?=\w)"), " times "),
    (re.compile(r"@"), " at "),
    (re.compile(r"°"), " degrees "),
    (re.compile(r"§"), " section "),
    (re.compile(r"(?<=[A-Za-z])/(?=[A-Za-z])"), " or "),  # "he/she" -> "he or she"
)
# Each symbol pattern above needs its symbol, one of these characters.
_SYMBOL_CHARS = re.compile(r"[#&%+=×@°§/]").search


def expand_symbols(text: str) -> str:
    """'&' -> 'and', '%' -> 'percent', '#5' -> 'number 5', 'he/she' -> 'he or she'..."""
    if not _SYMBOL_CHARS(text):
        return text
    for pattern, spoken in _SYMBOLS:
        text = pattern.sub(spoken, text)
    return text


# Punctuation that shapes prosody (pauses, questions, quotes, parentheticals) survives;
# every other symbol the voice would spell out ("asterisk") or mispronounce goes.
_PROSODY_PUNCTUATION = frozenset(".,;:!?'\"()-–—/")


def _readable(c: str) -> bool:
    return c in _PROSODY_PUNCTUATION or unicodedata.category(c)[0] in "LNMZ" or c == "\n"


class _UnreadableTable(dict[int, str]):
    """``str.translate`` table: each character to itself if ``_readable``, else to a space;
    filled as characters are first met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = mapped = char if _readable(char) else " "
        return mapped


_UNREADABLE = _UnreadableTable()


# Words in capitals: a heading ("A SCANDAL IN BOHEMIA"), a sign ("DRINK ME"), a shout or a word
# stressed ("It was MY fault"). The G2P spells a capitalised word it takes for a name letter by
# letter ("WHICH", "HOLMES", "MY" came out "double-u aitch i c h", "aitch o l m e s", "em why"),
# so such words are read in lower case: two or more in a row, a word of four letters or more
# (true acronyms such as "fbi", "nasa", "html" read the same in lower case), and the short words
# the G2P was heard to spell. A short word alone otherwise stays ("the ID card", "the AI", "the
# UN": in lower case "id", "ai", "un" are other words), as do roman numerals and US/WHO/AM/PM.
_CAPITALS = re.compile(r"\b[A-Z][A-Z'’]*[A-Z]\b(?:['’][a-z]+)?")
_BETWEEN_CAPITALS = re.compile(r"[^a-z0-9]*")
_KEEP_CAPITALS = frozenset({"US", "WHO", "AM", "PM"})
_SPELLED_SHORT = frozenset({"AT", "BY", "MY", "HIM", "HER", "OUR", "SHE", "HAD", "GOT", "GET", "PUT", "SAT", "SIR",
                            "WHY", "ARE", "BE", "AN", "IN"})  # fmt: skip


_ROMAN_WORD = re.compile(r"[IVXLC]+")


def _may_lower(word: str) -> bool:
    return word not in _KEEP_CAPITALS and not (_ROMAN_WORD.fullmatch(word) and _roman(word) is not None)


def _next_to(text: str, first: re.Match[str], second: re.Match[str]) -> bool:
    """Nothing but spaces, punctuation and capitals between two words in capitals."""
    return bool(_BETWEEN_CAPITALS.fullmatch(text[first.end() : second.start()]))


def lower_capitals(text: str) -> str:
    """'MY DEAR SIR' -> 'my dear sir', 'said HOLMES' -> 'said holmes'; 'I', 'the ID card',
    acronyms that are words ('the US Army') and roman numerals stay."""
    words = list(_CAPITALS.finditer(text))
    if not words:
        return text
    out, at = [], 0
    for i, match in enumerate(words):
        word = match.group(0)
        in_run = (i > 0 and _next_to(text, words[i - 1], match)) or (
            i + 1 < len(words) and _next_to(text, match, words[i + 1])
        )
        letters = len(word.replace("'", "").replace("’", ""))
        if _may_lower(word) and (in_run or letters >= 4 or word in _SPELLED_SHORT):
            out += [text[at : match.start()], word.lower()]
            at = match.end()
    return "".join(out) + text[at:]


def strip_unreadable(text: str) -> str:
    """Keep letters, digits, spaces and prosody punctuation; drop every other symbol."""
    return text.translate(_UNREADABLE)


# -- pipelines -------------------------------------------------------------------------------

# Order matters: characters first, then the most specific number forms (money, percentages,
# times, ranges, decades, ordinals, roman numerals, years) before plain numbers.
ENGLISH_RULES: tuple[Rule, ...] = (
    strip_markup,
    unify_characters,
    expand_abbreviations,
    expand_phone_numbers,
    expand_fractions,
    expand_ranges,
    expand_old_money,
    expand_currency,
    expand_percentages,
    expand_times,
    expand_units,
    expand_decades,
    expand_ordinals,
    expand_roman_numerals,
    expand_years,
    expand_symbols,
    expand_numbers,
    lower_capitals,
    strip_unreadable,
    collapse_whitespace,
)

# Japanese: see narration.text.japanese for the rules and why they run in this order.
JAPANESE_RULES: tuple[Rule, ...] = (
    *japanese.EARLY_RULES,
    strip_markup,
    *japanese.READING_RULES,
    collapse_whitespace,
)

NEUTRAL_RULES: tuple[Rule, ...] = (strip_markup, collapse_whitespace)

# -- Spanish, French, Italian, Portuguese: titles and numbers only ----------------------------

# num2words' language per book language (Brazilian Portuguese: Kokoro's Portuguese voices are).
NUMBER_LANGUAGES = {"es": "es", "fr": "fr", "it": "it", "pt": "pt_BR"}
# The decimal comma as each says it ("3,5": "tres coma cinco").
DECIMAL_COMMA = {"es": "coma", "fr": "virgule", "it": "virgola", "pt": "vírgula"}
# A whole number, its thousands grouped with a period or a (narrow) no-break space as these
# languages write them ("1.000", "12 500"), then the decimal comma's digits.
_GROUPED_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:[.\u00a0\u202f]\d{3})+(?!\d)|\d+)(?:,(\d+))?")
_GROUP_MARKS = str.maketrans("", "", ".\u00a0\u202f")


def number_words(language: str) -> Rule:
    """A rule reading every whole number in words in ``language`` (``NUMBER_LANGUAGES``); a
    number too long to name, or written with leading zeros, is read digit by digit."""
    words_language = NUMBER_LANGUAGES[language]

    def words(value: int) -> str:
        return num2words(value, lang=words_language).replace(",", "")  # pt_BR writes "mil, ..."

    def whole(digits: str) -> str:
        if len(digits) > 1 and digits.startswith("0") or len(digits) > 15:
            return " ".join(words(int(d)) for d in digits)
        return words(int(digits))

    def spoken(match: re.Match[str]) -> str:
        number, decimals = match.group(1).translate(_GROUP_MARKS), match.group(2)
        return f"{whole(number)} {DECIMAL_COMMA[language]} {whole(decimals)}" if decimals else whole(number)

    def expand_numbers_in_words(text: str) -> str:
        return _GROUPED_NUMBER.sub(spoken, text) if _DIGIT(text) else text

    expand_numbers_in_words.__name__ = f"expand_numbers_{language}"
    return expand_numbers_in_words


# Titles before a name, as the voice must say them (espeak-ng reads "M." as the letter) and as
# whisper writes them back ("Monsieur Lefèvre" -> "M. le Fèvre" failed a French title's QA).
# Not after another initial ("J. M. Barrie").
_TITLES = {
    "es": {"Sr.": "señor", "Sra.": "señora", "Srta.": "señorita", "Dr.": "doctor", "Dra.": "doctora"},
    "fr": {"M.": "Monsieur", "MM.": "Messieurs", "Mme": "Madame", "Mmes": "Mesdames", "Mlle": "Mademoiselle",
           "Mme.": "Madame", "Mlle.": "Mademoiselle", "Dr": "Docteur", "Dr.": "Docteur"},
    "it": {"Sig.": "signor", "Sig.ra": "signora", "Sig.na": "signorina", "Dott.": "dottor", "Dott.ssa": "dottoressa"},
    "pt": {"Sr.": "senhor", "Sra.": "senhora", "Srta.": "senhorita", "Dr.": "doutor", "Dra.": "doutora"},
}  # fmt: skip


def title_words(language: str) -> Rule:
    """A rule spelling out ``language``'s titles before a name ("M. Dupont" -> "Monsieur Dupont")."""
    titles = _TITLES[language]
    alternatives = "|".join(re.escape(t) for t in sorted(titles, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.])(?<!\b\w\. )({alternatives})(?![\w.])(?=\s+\w)")

    def expand_titles(text: str) -> str:
        return pattern.sub(lambda m: titles[m.group(1)], text) if any(t in text for t in titles) else text

    expand_titles.__name__ = f"expand_titles_{language}"
    return expand_titles


# -- a heading's roman numeral in the other languages we read ---------------------------------

# Label words by language; the feminine ones take a feminine ordinal ("Scène première", "Parte tercera").
_HEADING_LABELS = {
    "fr": "chapitre livre tome partie acte scène chant lettre volume section",
    "es": "capítulo capitulo libro tomo parte acto escena canto carta volumen sección",
    "it": "capitolo libro tomo parte atto scena canto lettera volume sezione",
    "pt": "capítulo capitulo livro tomo parte ato acto cena canto carta volume secção seção",
    "de": "kapitel buch teil band akt aufzug szene gesang brief abschnitt",
    "nl": "hoofdstuk boek deel band bedrijf akte scène zang brief",
    "fi": "luku kirja osa nide näytös kohtaus runo laulu kirje",
}
_FEMININE_LABELS = frozenset({
    "partie", "scène", "lettre", "section", "parte", "escena", "carta", "sección", "scena", "lettera", "sezione",
    "cena", "secção", "seção",
})
# How far each language reads a numeral after its label as an ordinal, as its speakers do: French
# only the first ("Chapitre premier", then "Chapitre deux", "Chapitre six"); Spanish and Portuguese
# up to ten, then cardinals ("capítulo sexto", "capítulo once": the rule for a numeral after a
# noun, as for kings); Italian throughout ("capitolo sesto", "capitolo ventesimo"); German, Dutch
# and Finnish never ("Kapitel sechs", "hoofdstuk zes", "luku kuusi").
_ORDINALS_UP_TO = {"fr": 1, "es": 10, "pt": 10, "it": 3999, "de": 0, "nl": 0, "fi": 0}
# num2words' language for these headings (Portuguese as its numbers: Brazilian).
_HEADING_NUMBER_LANGUAGES = {**NUMBER_LANGUAGES, "de": "de", "nl": "nl", "fi": "fi"}


def _feminine(ordinal: str) -> str:
    """"primero" -> "primera", "premier" -> "première", "terzo" -> "terza" (each word's ending)."""
    if ordinal == "premier":
        return "première"
    return " ".join(word[:-1] + "a" if word.endswith("o") else word for word in ordinal.split())


def heading_numerals(language: str) -> Rule:
    """A rule reading a heading's roman numeral in ``language``: after a label word ("Chapitre VI"
    -> "Chapitre six", "Capítulo VI" -> "Capítulo sexto", "Parte III" -> "Parte terza") and alone
    at the start of a heading ("XIV. Le retour" -> "quatorze. Le retour"; a number, read as one)."""
    words_language = _HEADING_NUMBER_LANGUAGES[language]
    labels = "|".join(sorted(_HEADING_LABELS[language].split(), key=len, reverse=True))
    # The numeral as _SECTION_ROMAN takes it: a lone "I" ends the heading or comes before a capital.
    labelled = re.compile(
        rf"(?<!\w)((?i:{labels}))(\s+)([IVXLCDM]{{2,}}|[VXLCDM]|I(?=\s*(?:$|[^\w\s]|[A-Z])))\b(?!['’]?\w)"
    )
    first = _HEADING_LABELS[language].split()[0]

    def spoken(label: str, value: int) -> str:
        if value > _ORDINALS_UP_TO[language]:
            return num2words(value, lang=words_language).replace(",", "")
        ordinal = num2words(value, lang=words_language, to="ordinal")
        return _feminine(ordinal) if label.lower() in _FEMININE_LABELS else ordinal

    def after_label(match: re.Match[str]) -> str:
        value = _roman(match.group(3))
        return match.group(0) if value is None else f"{match.group(1)}{match.group(2)}{spoken(match.group(1), value)}"

    def alone(match: re.Match[str]) -> str:
        value = _roman(next(group for group in match.groups() if group))
        return match.group(0) if value is None else num2words(value, lang=words_language)

    def expand_heading_numerals(text: str) -> str:
        if not _ROMAN_LETTER.search(text):
            return text
        return _HEADING_ROMAN.sub(alone, labelled.sub(after_label, text))

    expand_heading_numerals.__name__ = f"expand_heading_numerals_{language}"
    expand_heading_numerals.__doc__ = f"Roman numerals of headings in {language} ({first} VI...)."
    return expand_heading_numerals


_ROMAN_LETTER = re.compile(r"[IVXLCDM]")


# -- a regnal number after a name in the other languages ---------------------------------------

# How each language reads a numeral after a name ("Louis XIV", "Carlos V", "Pio IX"), as its
# speakers do: French a cardinal but for the first ("Louis quatorze", "François premier");
# Spanish and Portuguese ordinals up to ten, then cardinals ("Carlos quinto", "Alfonso trece");
# Italian ordinals ("Pio nono", "Luigi quattordicesimo"); Dutch "de" and an ordinal ("Willem de
# derde"). German and Finnish decline theirs by case ("Friedrich der Zweite", "des Zweiten"):
# not read, as before.
_REGNAL_ORDINALS_UP_TO = {"fr": 1, "es": 10, "pt": 10, "it": 3999, "nl": 3999}
# Queens and saints whose number agrees with them ("Isabel segunda", "Caterina seconda").
_FEMININE_NAMES = frozenset({
    "isabel", "isabella", "elisabetta", "élisabeth", "elisabeth", "elizabeth", "maría", "maria", "marie",
    "catalina", "caterina", "catarina", "catherine", "juana", "giovanna", "jeanne", "ana", "anna", "anne",
    "cristina", "christine", "margarita", "margherita", "margarida", "marguerite", "leonor", "eleonora",
    "victoria", "vittoria", "beatriz", "beatrice", "béatrice", "blanca", "bianca", "urraca", "juliana",
})  # fmt: skip
# Articles, prepositions and pronouns that open a sentence capitalised are no names ("La X no
# suena": the letter, in Don Quijote).
_NOT_NAMES = {
    "fr": "le la les l un une de du des en et à au aux par pour sur son sa ses ce cette il elle on",
    "es": "el la los las lo un una de del en y a al con por para su sus se",
    "it": "il lo la i gli le un una di del della in e a al con per su si",
    "pt": "o a os as um uma de do da em no na e ao com por para se",
    "nl": "de het een van in en op met voor",
}
# A capitalised word, then a numeral of I, V and X (regnal numbers stop well below 40): a lone
# V or X not before ". Capital" (an initial: "Carlos V. Gómez" is ambiguous, left), a lone I
# only before punctuation or the end ("Pedro I, el Cruel"; before a word it may be the Italian
# article), and French "Ier"/"Ire" ("François Ier", "Catherine Ire"). Checked in the callback:
# the word is a name (capital, then lower case) and no heading label ("Capítulo V" is the
# heading rule's).
_NAMED_ROMAN = re.compile(
    r"(?<![\w.])([^\W\d_][^\W\d_'’-]*+)(\s++)"
    r"([IVX]{2,}+|[VX](?!\.\s+[A-Z])|I(?=\s*+(?:[,.;:!?)»\"”’]|$))|I(?:er|re|ᵉʳ|ʳᵉ))(?![\w'’])"
)


def regnal_numerals(language: str) -> Rule:
    """A rule reading a numeral after a capitalised name as ``language`` reads a king's or a
    pope's ("Louis XIV" -> "Louis quatorze", "Carlos V" -> "Carlos quinto")."""
    words_language = _HEADING_NUMBER_LANGUAGES[language]
    not_names = frozenset(_HEADING_LABELS[language].split()) | frozenset(_NOT_NAMES[language].split())

    def spoken(name: str, value: int) -> str:
        feminine = name.lower() in _FEMININE_NAMES
        if value > _REGNAL_ORDINALS_UP_TO[language]:
            return num2words(value, lang=words_language).replace(",", "")
        ordinal = num2words(value, lang=words_language, to="ordinal")
        ordinal = _feminine(ordinal) if feminine else ordinal
        return f"de {ordinal}" if language == "nl" else ordinal

    def named(match: re.Match[str]) -> str:
        name, space, numeral = match.groups()
        if not (name[0].isupper() and name[1:].islower() and len(name) > 1) or name.lower() in not_names:
            return match.group(0)
        if numeral.startswith("I") and numeral[1:] in ("er", "re", "ᵉʳ", "ʳᵉ"):
            if language != "fr":
                return match.group(0)
            return f"{name}{space}{'première' if numeral[1] in 'rʳ' else 'premier'}"
        value = _roman(numeral)
        return match.group(0) if value is None else f"{name}{space}{spoken(name, value)}"

    def expand_regnal_numerals(text: str) -> str:
        return _NAMED_ROMAN.sub(named, text) if _REGNAL_LETTER.search(text) else text

    expand_regnal_numerals.__name__ = f"expand_regnal_numerals_{language}"
    return expand_regnal_numerals


_REGNAL_LETTER = re.compile(r"[IVX]")


# -- a heading's roman numeral as digits, for voices that read digits themselves ----------------

# Hindi's and Mandarin's numbers are read by their G2P (espeak-ng, misaki's cn2an), which reads
# digits but spells a roman numeral as letters ("अध्याय II": "I I") or drops it ("第II章").
_DIGIT_LABELS = {"hi": "अध्याय|भाग|खंड|खण्ड|पाठ|परिच्छेद|सर्ग", "zh": "第|卷|篇"}


def heading_digits(language: str) -> Rule:
    """A rule writing a heading's roman numeral in digits, after a label word ("अध्याय II" ->
    "अध्याय 2", "第II章" -> "第2章") or alone at the heading's start ("II. 新年" -> "2. 新年")."""
    labelled = re.compile(rf"(?<!\w)({_DIGIT_LABELS[language]})(\s*+)([IVXLCDM]++)(?![A-Za-z'’])")
    # A lone "I" heads the text before a stop and the language's own script ("I. 旧钟"), not
    # before Latin letters (an English "I." quoted in the text).
    first = re.compile(r"^I(?=[.:．]\s*+[^\x00-\x7f]|[.:．]?$)")

    def after_label(match: re.Match[str]) -> str:
        value = _roman(match.group(3))
        return match.group(0) if value is None else f"{match.group(1)}{match.group(2)}{value}"

    def alone(match: re.Match[str]) -> str:
        value = _roman(next(group for group in match.groups() if group))
        return match.group(0) if value is None else str(value)

    def expand_heading_digits(text: str) -> str:
        if not _ROMAN_LETTER.search(text):
            return text
        return _HEADING_ROMAN.sub(alone, first.sub("1", labelled.sub(after_label, text)))

    expand_heading_digits.__name__ = f"expand_heading_digits_{language}"
    return expand_heading_digits


def _numbers_only(language: str) -> tuple[Rule, ...]:
    return (strip_markup, title_words(language), heading_numerals(language), regnal_numerals(language),
            number_words(language), collapse_whitespace)


_PIPELINES: dict[str, tuple[Rule, ...]] = {
    "en": ENGLISH_RULES, "ja": JAPANESE_RULES, **{lang: _numbers_only(lang) for lang in NUMBER_LANGUAGES},
    **{lang: (strip_markup, heading_numerals(lang), collapse_whitespace) for lang in ("de", "fi")},
    "nl": (strip_markup, heading_numerals("nl"), regnal_numerals("nl"), collapse_whitespace),
    **{lang: (strip_markup, heading_digits(lang), collapse_whitespace) for lang in ("hi", "zh")},
}  # fmt: skip


def rules_for(language: str) -> tuple[Rule, ...]:
    return _PIPELINES.get(primary_language(language), NEUTRAL_RULES)


def normalize(text: str, language: str, lexicon: Lexicon | None = None) -> str:
    """Speech text for ``text`` in ``language`` (BCP 47; only the primary subtag matters).
    The user's ``lexicon`` applies first, so its entries win."""
    if lexicon is not None:
        text = lexicon.apply(text)
    for rule in rules_for(language):
        text = rule(text)
    return text
