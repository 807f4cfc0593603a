"""Japanese normalisation for speech: the rules ``normalize(text, "ja")`` runs.

Digits, dates, clock times, counters, units, money and Latin abbreviations become their
readings; ruby gives its reading. Each rule is a small ``str -> str`` function.

Readings are written in katakana in their pronounced form (ジュー, セーキ), the form the voice's
own front end (OpenJTalk) produces. Not hiragana: the front end re-analyses hiragana into
words and takes a は or へ inside a number for a particle (measured with pyopenjtalk-plus:
"はちがつようか" is read ワチガツ..., "はちばん" ワチバン). Katakana is read as written,
so long vowels are spelled with ー (キュー, not キュウ, which would be read kyu-u).

Counters carry the sound changes a listener expects: 1本 イッポン, 3本 サンボン, 6本 ロッポン,
1人 ヒトリ, 20日 ハツカ, 4時 ヨジ, 20歳 ハタチ... (``COUNTERS``).

Why normalise before the voice at all, when Kokoro's front end reads 2026年 and AI itself: it
does not read dates written 2026/3/5, clock times (10:30), ranges (3〜5人), units (2GB) or "%"
well. Measured with the ASR round trip (bench/japanese_cer.py): on five sentences full of such
forms the kana CER was 2.2 % normalised and 16.4 % left to Kokoro; on the seed sentence both
were 0 %. Other voices (Qwen3-TTS) get the same reading, and chunk lengths and QA references
are counted on what is actually said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from num2words import num2words

from narration.ruby import ruby_readings  # ruby speaks its reading: ｜犍陀多《かんだた》 -> かんだた

# -- numbers ---------------------------------------------------------------------------------

_HIRAGANA_TO_KATAKANA = {c: c + 0x60 for c in range(0x3041, 0x3097)}
# Beyond 10^16 (京) nobody listens to the named powers: such numbers are read digit by digit.
# A whole number of more digits than this is read digit by digit (int() refuses a run of over
# 4,300 digits, so a longer one is never given to it).
MAX_NUMBER_DIGITS = 16
_LARGEST_NAMED = 10**MAX_NUMBER_DIGITS
DIGITS = ("ゼロ", "イチ", "ニ", "サン", "ヨン", "ゴ", "ロク", "ナナ", "ハチ", "キュー")


def _pronounced(kana: str) -> str:
    """num2words' hiragana reading as pronounced katakana: じゅう -> ジュー, ちょう -> チョー."""
    kana = kana.translate(_HIRAGANA_TO_KATAKANA)
    return kana.replace("ュウ", "ュー").replace("ョウ", "ョー")


def cardinal(value: int) -> str:
    """2026 -> ニセンニジューロク, 120000000 -> イチオクニセンマン (万/億 grouping)."""
    if value >= _LARGEST_NAMED:
        return digit_by_digit(str(value))
    return _pronounced(num2words(value, lang="ja", reading=True))


def _whole(digits: str) -> str:
    """A whole number's reading; digit by digit past ``MAX_NUMBER_DIGITS``."""
    significant = digits.lstrip("0") or "0"
    return digit_by_digit(digits) if len(significant) > MAX_NUMBER_DIGITS else cardinal(int(significant))


def digit_by_digit(digits: str) -> str:
    """'090' -> ゼロキューゼロ: phone numbers, codes and numbers with a leading zero."""
    return "".join(DIGITS[int(d)] for d in digits if d.isdigit())


# The digit a reading ends with, written with a small ツ before a k, s, t or p sound.
_GEMINATED = {"イチ": "イッ", "ロク": "ロッ", "ハチ": "ハッ", "ジュー": "ジュッ", "ヒャク": "ヒャッ",
              "ビャク": "ビャッ", "ピャク": "ピャッ"}


def decimal(whole: str, fraction: str) -> str:
    """'3', '14' -> サンテンイチヨン; 1.5 -> イッテンゴ (the digit before テン doubles)."""
    head = _whole(whole) if whole else "ゼロ"
    for plain in ("イチ", "ハチ", "ジュー"):
        if head.endswith(plain):
            head = head[: -len(plain)] + _GEMINATED[plain]
            break
    return head + "テン" + digit_by_digit(fraction)


# A written number: 1,234 / 1234 / 3.14 / 1億2000万 / 1.5万 / 5千 (digits with 万/億 units).
_PLAIN = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+"
_PART = rf"(?:{_PLAIN})(?:\.\d+)?"
_UNITS = {"兆": 10**12, "億": 10**8, "万": 10**4, "千": 10**3}
NUMBER = rf"(?:{_PART}[兆億万千])+(?:{_PLAIN})?|{_PART}"
_NUMBER_PART = re.compile(rf"({_PART})([兆億万千]?)")


@dataclass(frozen=True)
class Number:
    """A parsed written number: an integer value, or a decimal kept as written."""

    value: int | None  # None: a decimal, or digits read one by one
    reading: str


def parse_number(written: str) -> Number:
    """The value and reading of a written number matched by ``NUMBER``."""
    parts = _NUMBER_PART.findall(written)
    if len(parts) == 1 and not parts[0][1]:
        digits = parts[0][0].replace(",", "")
        whole, _, fraction = digits.partition(".")
        if fraction:
            return Number(None, decimal(whole, fraction))
        if len(whole) > 1 and whole.startswith("0") or len(whole) > MAX_NUMBER_DIGITS:
            return Number(None, digit_by_digit(whole))
        return Number(int(whole), cardinal(int(whole)))
    if any("." in number for number, _ in parts):  # 1.5万: read as written, イッテンゴマン
        reading = ""
        for number, unit in parts:
            whole, _, fraction = number.replace(",", "").partition(".")
            reading += (decimal(whole, fraction) if fraction else _whole(whole)) + _unit_reading(unit)
        return Number(None, reading)
    if any(len(number.replace(",", "")) > MAX_NUMBER_DIGITS for number, _ in parts):
        return Number(None, "".join(_whole(number.replace(",", "")) + _unit_reading(unit) for number, unit in parts))
    value = sum(int(number.replace(",", "")) * _UNITS.get(unit, 1) for number, unit in parts)
    return Number(value, cardinal(value))


def _unit_reading(unit: str) -> str:
    return {"兆": "チョー", "億": "オク", "万": "マン", "千": "セン", "": ""}[unit]


# -- counters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """How a counter word reads after a number.

    ``kana``: after most numbers. ``endings``: (number reading ends with, replacement for that
    ending *and* the counter), first match wins: ("イチ", "イッポン") makes 1本 and 21本 read
    イッポン / ニジューイッポン. ``whole``: readings of particular numbers (1人 ヒトリ).
    """

    kana: str
    endings: tuple[tuple[str, str], ...] = ()
    whole: Mapping[int, str] = field(default_factory=dict)

    def read(self, number: Number) -> str:
        if number.value is not None and number.value in self.whole:
            return self.whole[number.value]
        for ending, replacement in self.endings:
            if number.reading.endswith(ending):
                return number.reading[: -len(ending)] + replacement
        return number.reading + self.kana


def _doubled(kana: str, digits: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """1本 イッポン: the last digit takes a small ツ and the counter its p/k/s/t form."""
    return tuple((d, _GEMINATED[d] + kana) for d in digits)


def _after(endings: tuple[str, ...], kana: str) -> tuple[tuple[str, str], ...]:
    """3本 サンボン: after these endings the counter takes another form."""
    return tuple((e, e + kana) for e in endings)


# Which final digits double the counter's first consonant, by that consonant.
_H_DOUBLING = ("イチ", "ロク", "ハチ", "ジュー", "ヒャク", "ビャク", "ピャク")
_K_DOUBLING = _H_DOUBLING
_ST_DOUBLING = ("イチ", "ハチ", "ジュー")
_N = ("サン", "セン", "ゼン", "マン")  # 3, 1000, 3000, 10000: an h-counter turns voiced (ボン)
_N4 = ("サン", "ヨン", "セン", "ゼン", "マン")  # ... and 4, for counters that turn p (ヨンプン)
_YO = (("ヨン", "ヨ"),)  # 4 before ニン, エン, ネン, ジ: ヨ


def _with(kana: str, *changes: tuple[str, str], whole: Mapping[int, str] | None = None) -> Counter:
    endings = tuple((ending, replacement + kana) for ending, replacement in changes)
    return Counter(kana, endings, dict(whole or {}))


_DAYS = {1: "ツイタチ", 2: "フツカ", 3: "ミッカ", 4: "ヨッカ", 5: "イツカ", 6: "ムイカ", 7: "ナノカ",
         8: "ヨーカ", 9: "ココノカ", 10: "トーカ", 14: "ジューヨッカ", 20: "ハツカ", 24: "ニジューヨッカ"}
_DAY_ENDINGS = (("ヨン", "ヨッカ"), ("ナナ", "シチニチ"), ("キュー", "クニチ"))
DAY = Counter("ニチ", _DAY_ENDINGS, _DAYS)  # a date: 1日 ツイタチ
DAYS = Counter("ニチ", _DAY_ENDINGS, {**_DAYS, 1: "イチニチ"})  # a number of days: 1日 イチニチ

COUNTERS: dict[str, Counter] = {
    # native numbers
    "つ": Counter("ツ", (), {1: "ヒトツ", 2: "フタツ", 3: "ミッツ", 4: "ヨッツ", 5: "イツツ", 6: "ムッツ",
                            7: "ナナツ", 8: "ヤッツ", 9: "ココノツ", 10: "トー"}),
    "人": _with("ニン", *_YO, ("ナナ", "シチ"), whole={1: "ヒトリ", 2: "フタリ"}),
    "日間": Counter("ニチカン", tuple((e, r + "カン") for e, r in _DAY_ENDINGS),
                    {n: r + "カン" for n, r in {**_DAYS, 1: "イチニチ"}.items()}),
    "日": DAY,
    # dates and time
    "年": _with("ネン", *_YO),
    "ヶ月": Counter("カゲツ", _doubled("カゲツ", _K_DOUBLING)),
    "か月": Counter("カゲツ", _doubled("カゲツ", _K_DOUBLING)),
    "カ月": Counter("カゲツ", _doubled("カゲツ", _K_DOUBLING)),
    "ヵ月": Counter("カゲツ", _doubled("カゲツ", _K_DOUBLING)),
    "月": _with("ガツ", ("ヨン", "シ"), ("ナナ", "シチ"), ("キュー", "ク")),
    "時間": _with("ジカン", *_YO, ("ナナ", "シチ"), ("キュー", "ク")),
    "時": _with("ジ", *_YO, ("ナナ", "シチ"), ("キュー", "ク")),
    "分": Counter("フン", _doubled("プン", _H_DOUBLING) + _after(_N4, "プン")),
    "秒": Counter("ビョー"),
    "週間": Counter("シューカン", _doubled("シューカン", _ST_DOUBLING)),
    "世紀": Counter("セーキ", _doubled("セーキ", _ST_DOUBLING)),
    "歳": Counter("サイ", _doubled("サイ", _ST_DOUBLING), {20: "ハタチ"}),
    "才": Counter("サイ", _doubled("サイ", _ST_DOUBLING), {20: "ハタチ"}),
    # things
    "本": Counter("ホン", _doubled("ポン", _H_DOUBLING) + _after(_N, "ボン")),
    "匹": Counter("ヒキ", _doubled("ピキ", _H_DOUBLING) + _after(_N, "ビキ")),
    "杯": Counter("ハイ", _doubled("パイ", _H_DOUBLING) + _after(_N, "バイ")),
    "泊": Counter("ハク", _doubled("パク", _H_DOUBLING) + _after(_N4, "パク")),
    "発": Counter("ハツ", _doubled("パツ", _H_DOUBLING) + _after(_N4, "パツ")),
    "個": Counter("コ", _doubled("コ", _K_DOUBLING)),
    "回": Counter("カイ", _doubled("カイ", _K_DOUBLING)),
    "階": Counter("カイ", _doubled("カイ", _K_DOUBLING) + _after(("サン",), "ガイ")),
    "件": Counter("ケン", _doubled("ケン", _K_DOUBLING)),
    "軒": Counter("ケン", _doubled("ケン", _K_DOUBLING) + _after(("サン", "セン", "ゼン"), "ゲン")),
    "曲": Counter("キョク", _doubled("キョク", _K_DOUBLING)),
    "か所": Counter("カショ", _doubled("カショ", _K_DOUBLING)),
    "ヶ所": Counter("カショ", _doubled("カショ", _K_DOUBLING)),
    "箇所": Counter("カショ", _doubled("カショ", _K_DOUBLING)),
    "冊": Counter("サツ", _doubled("サツ", _ST_DOUBLING)),
    "章": Counter("ショー", _doubled("ショー", _ST_DOUBLING)),
    "足": Counter("ソク", _doubled("ソク", _ST_DOUBLING) + _after(_N, "ゾク")),
    "頭": Counter("トー", _doubled("トー", _ST_DOUBLING)),
    "点": Counter("テン", _doubled("テン", _ST_DOUBLING)),
    "通り": Counter("トーリ", (), {1: "ヒトトーリ", 2: "フタトーリ"}),
    "通": Counter("ツー", _doubled("ツー", _ST_DOUBLING)),
    "着": Counter("チャク", _doubled("チャク", _ST_DOUBLING)),
    "円": _with("エン", *_YO),
    "セント": Counter("セント", _doubled("セント", _ST_DOUBLING)),
    "枚": Counter("マイ"),
    "台": Counter("ダイ"),
    "度": Counter("ド"),
    "番": Counter("バン"),
    "号": Counter("ゴー"),
    "倍": Counter("バイ"),
    "位": Counter("イ"),
    "名": Counter("メー"),
    "行": Counter("ギョー"),
    "ページ": Counter("ページ"),
    # symbols and units (after unify_width: % ℃ are plain)
    "%": Counter("パーセント", (("ジュー", "ジュッパーセント"),)),
    "°C": Counter("ド"),
    "℃": Counter("ド"),
    "°": Counter("ド"),
    "km": Counter("キロメートル", (("ジュー", "ジュッキロメートル"),)),
    "kg": Counter("キログラム", (("ジュー", "ジュッキログラム"),)),
    "cm": Counter("センチメートル", (("ジュー", "ジュッセンチメートル"),)),
    "mm": Counter("ミリメートル"),
    "m": Counter("メートル"),
    "mg": Counter("ミリグラム"),
    "g": Counter("グラム"),
    "ml": Counter("ミリリットル"),
    "mL": Counter("ミリリットル"),
    "L": Counter("リットル"),
    "t": Counter("トン"),
    "KB": Counter("キロバイト", (("ジュー", "ジュッキロバイト"),)),
    "MB": Counter("メガバイト"),
    "GB": Counter("ギガバイト"),
    "TB": Counter("テラバイト"),
    "GHz": Counter("ギガヘルツ"),
    "MHz": Counter("メガヘルツ"),
    "Hz": Counter("ヘルツ"),
    "kW": Counter("キロワット", (("ジュー", "ジュッキロワット"),)),
    "W": Counter("ワット"),
}

# Longest first, so 時間 wins over 時 and km over m; a Latin unit must not run on into a word.
_COUNTER_WORDS = "|".join(
    re.escape(word) + ("(?![A-Za-z0-9])" if word.isascii() else "") for word in sorted(COUNTERS, key=len, reverse=True)
)
_COUNTED = re.compile(rf"(?<![\d.,])(?P<number>{NUMBER})\s?(?P<counter>{_COUNTER_WORDS})")
_MONTH_BEFORE = re.compile(r"月\s?$")


def _counted(match: re.Match[str]) -> str:
    number, word = parse_number(match.group("number")), match.group("counter")
    counter = COUNTERS[word]
    if word == "日" and not _MONTH_BEFORE.search(match.string, max(0, match.start() - 2), match.start()):
        counter = DAYS  # 1日 after a month is the first (ツイタチ); alone, a day's length (イチニチ)
    return counter.read(number)


def expand_counters(text: str) -> str:
    """A number with its counter or unit: 3本 -> サンボン, 2人 -> フタリ, 5日 -> イツカ,
    50% -> ゴジュッパーセント, 2GB -> ニギガバイト."""
    return _COUNTED.sub(_counted, text)


# -- rules that rewrite into counter form ----------------------------------------------------


_AOZORA_NOTE = re.compile(r"※?［＃[^］\n]*］")


def drop_editorial_notes(text: str) -> str:
    """Aozora Bunko's editorial notes (［＃...］: emphasis marks, gaiji descriptions) are not read."""
    return _AOZORA_NOTE.sub("", text)


# Full-width letters, digits and symbols become ASCII (so the number rules see them), but the
# Japanese punctuation that shapes prosody stays full width; half-width katakana and vertical
# presentation forms (︒ ﹁) become their ordinary forms.
_WIDE = re.compile("[\uff01-\uff5e\uff61-\uff9f\ufe10-\ufe19\ufe30-\ufe4f]+")
_KEEP_WIDE = frozenset("！？（）［］｛｝＜＞")


def unify_width(text: str) -> str:
    """'２０２６' -> '2026', 'ＡＩ' -> 'AI', '％' -> '%', 'ｶﾀｶﾅ' -> 'カタカナ', '︒' -> '。'."""
    return _WIDE.sub(
        lambda m: "".join(c if c in _KEEP_WIDE else unicodedata.normalize("NFKC", c) for c in m.group(0)), text
    )


_DATE = re.compile(r"(?<![\d/.-])(\d{4})([/.-])(1[0-2]|0?[1-9])\2(3[01]|[12]\d|0?[1-9])(?![\d/.-])")


def expand_dates(text: str) -> str:
    """2026/3/5, 2026-03-05 -> 2026年3月5日 (then read by the counters)."""
    return _DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(3))}月{int(m.group(4))}日", text)


_CLOCK = re.compile(r"(?<![\d:.])([01]?\d|2[0-9]):([0-5]\d)(?::([0-5]\d))?(?![\d:])")


def _clock(match: re.Match[str]) -> str:
    hour, minute, second = match.group(1), int(match.group(2)), match.group(3)
    spoken = f"{int(hour)}時" + (f"{minute}分" if minute else "")
    return spoken + (f"{int(second)}秒" if second and int(second) else "")


def expand_times(text: str) -> str:
    """10:30 -> 10時30分, 9:00 -> 9時, 25:00 (late-night TV) -> 25時."""
    return _CLOCK.sub(_clock, text)


_RANGE = re.compile(rf"(?<![\d.,])({NUMBER})\s?[〜～~]\s?(?=\d)")


def expand_ranges(text: str) -> str:
    """3〜5人 -> 3から5人: the wave dash between numbers is read から."""
    return _RANGE.sub(r"\1から", text)


_CURRENCY = re.compile(rf"(?<![A-Za-z0-9.,])([$¥￥€£])\s?({NUMBER})")
# symbol -> (unit, hundredth); yen has no hundredth in use.
_CURRENCIES = {"$": ("ドル", "セント"), "€": ("ユーロ", "セント"), "£": ("ポンド", "ペンス"),
               "¥": ("円", ""), "￥": ("円", "")}


def _money(match: re.Match[str]) -> str:
    unit, hundredth = _CURRENCIES[match.group(1)]
    whole, _, cents = match.group(2).partition(".")
    if len(cents) != 2 or not hundredth:
        return match.group(2) + unit
    return f"{whole}{unit}" + (f"{int(cents)}{hundredth}" if int(cents) else "")


def expand_currency(text: str) -> str:
    """$3.50 -> 3ドル50セント, ¥500 -> 500円 (the numbers are read by the next rules)."""
    return _CURRENCY.sub(_money, text)


_FRACTION = re.compile(rf"(?<![\d.,])({NUMBER})分の(?=\d)")


def expand_fractions(text: str) -> str:
    """3分の1 -> サンブンノ1: 分 before の and a number is a fraction, not minutes."""
    return _FRACTION.sub(lambda m: parse_number(m.group(1)).reading + "ブンノ", text)


_NEGATIVE = re.compile(rf"(?:(?<=^)|(?<=[\s(（「『、。]))[-−－](?={NUMBER})")


def expand_negatives(text: str) -> str:
    """-5度 -> マイナス5度 (only a minus that starts a number, not a hyphen between numbers)."""
    return _NEGATIVE.sub("マイナス", text)


# Any digits left are read: after the counters, a number glued to a stray "," or "." is still a number.
_NUMBER_TOKEN = re.compile(rf"(?<!\d)({NUMBER})")


_PHONE = re.compile(r"(?<![\d-])0\d{1,4}-\d{1,4}-\d{3,4}(?![\d-])")
# Said slowly, 2 and 5 are lengthened so that no digit is lost: ニー, ゴー.
_PHONE_DIGITS = ("ゼロ", "イチ", "ニー", "サン", "ヨン", "ゴー", "ロク", "ナナ", "ハチ", "キュー")


def expand_phone_numbers(text: str) -> str:
    """090-1234-5678 -> ゼロキューゼロノイチニーサンヨンノ...: digit by digit, groups joined by ノ."""
    return _PHONE.sub(
        lambda m: "ノ".join("".join(_PHONE_DIGITS[int(d)] for d in group) for group in m.group(0).split("-")),
        text,
    )


def expand_numbers(text: str) -> str:
    """Numbers left without a counter: 1,234 -> センニヒャクサンジューヨン, 3.14 -> サンテンイチヨン,
    1億2000万 -> イチオクニセンマン, 090 -> ゼロキューゼロ."""
    return _NUMBER_TOKEN.sub(lambda m: parse_number(m.group(1)).reading, text)


# -- Latin letters ---------------------------------------------------------------------------

LETTERS = dict(zip(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ("エー", "ビー", "シー", "ディー", "イー", "エフ", "ジー", "エイチ", "アイ", "ジェー", "ケー", "エル", "エム",
     "エヌ", "オー", "ピー", "キュー", "アール", "エス", "ティー", "ユー", "ブイ", "ダブリュー", "エックス",
     "ワイ", "ゼット"),
    strict=True,
))
# Acronyms said as words, not spelled.
ACRONYM_WORDS = {"NASA": "ナサ", "NATO": "ナトー", "UNESCO": "ユネスコ", "UNICEF": "ユニセフ",
                 "JAXA": "ジャクサ", "ASEAN": "アセアン", "OPEC": "オペック", "OK": "オーケー"}
# 1 to 6 capitals not touching other Latin letters: AI, GPU, NHK, Aさん. Longer runs and
# words with lower case (iPhone, Python) are left to the voice.
_CAPITALS = re.compile(r"(?<![A-Za-z])[A-Z]{1,6}(?![A-Za-z])")


def spell_abbreviations(text: str) -> str:
    """AI -> エーアイ, GPU -> ジーピーユー, Aさん -> エーさん; NASA -> ナサ."""
    return _CAPITALS.sub(
        lambda m: ACRONYM_WORDS.get(m.group(0)) or "".join(LETTERS[c] for c in m.group(0)), text
    )


# -- the pipeline ----------------------------------------------------------------------------

Rule = Callable[[str], str]

# ``normalize`` runs EARLY_RULES, then the language-neutral markup stripping, then
# READING_RULES, then whitespace collapsing. Early: ruby and notes hold text that is not
# read, and markup stripping would drop ruby's ASCII "|" and the "~" of a range. Then the
# rules that rewrite into counter form (dates, times, money, signs, fractions) run before the
# counters, plain numbers after them, and spelled letters last, so that units (GB) go first.
EARLY_RULES: tuple[Rule, ...] = (ruby_readings, drop_editorial_notes, unify_width, expand_ranges)
READING_RULES: tuple[Rule, ...] = (
    expand_phone_numbers,
    expand_dates,
    expand_times,
    expand_currency,
    expand_negatives,
    expand_fractions,
    expand_counters,
    expand_numbers,
    spell_abbreviations,
)
