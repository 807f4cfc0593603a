"""Japanese normalisation: numbers, dates, times, counters, units and Latin letters read in katakana."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narration.text import japanese
from narration.text.japanese import COUNTERS, cardinal, expand_counters, parse_number, spell_abbreviations
from narration.text.normalize import JAPANESE_RULES, normalize, rules_for

SEED = "「こんにちは、ねぎです。2026年のAI技術、本当にすごい進化を遂げましたね！」"

READINGS = [
    # numbers, 万/億 grouping, decimals, separators, leading zeros
    ("2026", "ニセンニジューロク"),
    ("12345", "イチマンニセンサンビャクヨンジューゴ"),
    ("1億2000万", "イチオクニセンマン"),
    ("1万5千", "イチマンゴセン"),
    ("1,234", "センニヒャクサンジューヨン"),
    ("3.14", "サンテンイチヨン"),
    ("1.5", "イッテンゴ"),
    ("007", "ゼロゼロナナ"),
    ("0", "ゼロ"),
    # years, dates, times
    ("2026年", "ニセンニジューロクネン"),
    ("4年", "ヨネン"),
    ("3月5日", "サンガツイツカ"),
    ("4月と7月と9月", "シガツとシチガツとクガツ"),
    ("3月1日", "サンガツツイタチ"),
    ("1日中", "イチニチ中"),
    ("20日", "ハツカ"),
    ("14日", "ジューヨッカ"),
    ("19日", "ジュークニチ"),
    ("3日間", "ミッカカン"),
    ("2026/3/5", "ニセンニジューロクネンサンガツイツカ"),
    ("2026-03-05", "ニセンニジューロクネンサンガツイツカ"),
    ("10時30分", "ジュージサンジュップン"),
    ("10:30", "ジュージサンジュップン"),
    ("9:00", "クジ"),
    ("4時間", "ヨジカン"),
    ("1ヶ月", "イッカゲツ"),
    # counters with their sound changes
    ("1本", "イッポン"),
    ("3本", "サンボン"),
    ("6本", "ロッポン"),
    ("10本", "ジュッポン"),
    ("21本", "ニジューイッポン"),
    ("300本", "サンビャッポン"),
    ("1000本", "センボン"),
    ("1匹", "イッピキ"),
    ("3匹", "サンビキ"),
    ("1人", "ヒトリ"),
    ("2人", "フタリ"),
    ("4人", "ヨニン"),
    ("11人", "ジューイチニン"),
    ("1つ", "ヒトツ"),
    ("9つ", "ココノツ"),
    ("1個", "イッコ"),
    ("1回", "イッカイ"),
    ("3階", "サンガイ"),
    ("1分", "イップン"),
    ("3分", "サンプン"),
    ("5分", "ゴフン"),
    ("1歳", "イッサイ"),
    ("20歳", "ハタチ"),
    ("8冊", "ハッサツ"),
    ("3足", "サンゾク"),
    ("4円", "ヨエン"),
    ("1億円", "イチオクエン"),
    ("3分の1", "サンブンノイチ"),
    ("3〜5人", "サンからゴニン"),
    # percentages, units, money, signs, phone numbers
    ("50%", "ゴジュッパーセント"),
    ("12.5%", "ジューニテンゴパーセント"),
    ("５０％", "ゴジュッパーセント"),
    ("2GB", "ニギガバイト"),
    ("10km", "ジュッキロメートル"),
    ("25℃", "ニジューゴド"),
    ("$3.50", "サンドルゴジュッセント"),
    ("¥500", "ゴヒャクエン"),
    ("-5度", "マイナスゴド"),
    ("090-1234-5678", "ゼロキューゼロノイチニーサンヨンノゴーロクナナハチ"),
    # Latin letters
    ("AI", "エーアイ"),
    ("GPU", "ジーピーユー"),
    ("Aさん", "エーさん"),
    ("ＡＩ", "エーアイ"),
    ("NASA", "ナサ"),
    ("3LDK", "サンエルディーケー"),
    ("iPhone", "iPhone"),  # mixed case: left to the voice
    # widths, ruby, editorial notes
    ("ｶﾀｶﾅ", "カタカナ"),
    ("︒", "。"),
    ("｜犍陀多《かんだた》は", "かんだたは"),
    ("吾輩《わがはい》は猫である", "わがはいは猫である"),
    ("※［＃「てへん＋劣」、第3水準1-84-77］", ""),
]


@pytest.mark.parametrize(("written", "spoken"), READINGS)
def test_japanese_readings(written: str, spoken: str) -> None:
    assert normalize(written, "ja") == spoken


def test_seed_sentence_reads_year_and_abbreviation() -> None:
    spoken = normalize(SEED, "ja")
    assert "ニセンニジューロクネン" in spoken and "エーアイ" in spoken
    # Everything else is left as written, punctuation and brackets included.
    assert spoken == SEED.replace("2026年", "ニセンニジューロクネン").replace("AI", "エーアイ")


def test_readings_avoid_hiragana_that_the_front_end_takes_for_particles() -> None:
    # はち in hiragana is read ワチ by OpenJTalk (は as a particle): readings are katakana.
    spoken = normalize("8月8日と88円と8番", "ja")
    assert spoken == "ハチガツヨーカとハチジューハチエンとハチバン"
    assert not re.search(r"[\u3041-\u3096]{2}", spoken.replace("と", ""))


def test_rules_are_named_and_documented() -> None:
    assert rules_for("ja-JP") == JAPANESE_RULES
    for rule in JAPANESE_RULES:
        assert callable(rule) and rule.__name__ and rule.__doc__
    assert set(japanese.EARLY_RULES + japanese.READING_RULES) <= set(JAPANESE_RULES)


def test_rules_work_alone() -> None:
    assert expand_counters("猫が3匹と犬が1匹") == "猫がサンビキと犬がイッピキ"
    assert spell_abbreviations("AIとGPU") == "エーアイとジーピーユー"
    assert parse_number("1億2000万").value == 120_000_000
    assert cardinal(10**16) == "イチゼロゼロゼロゼロゼロゼロゼロゼロゼロゼロゼロゼロゼロゼロゼロゼロ"


def test_english_text_is_untouched_by_japanese_rules() -> None:
    assert normalize("In 2026 the AI cost $3.50.", "en") == (
        "In twenty twenty-six the AI cost three dollars and fifty cents."
    )


# The voice's own front end (pyopenjtalk-plus) is an independent judge: where it reads digits
# correctly, our reading must be the same sounds.
AGREED_WITH_OPENJTALK = [
    "2026年", "3月5日", "10時30分", "1本", "3本", "6本", "100本", "3000本", "1匹", "3匹", "1人", "2人",
    "4人", "7人", "14人", "20日", "24日", "17日", "4時", "9時", "4時間", "1週間", "8週間", "1冊", "1歳",
    "10歳", "3階", "1点", "10点", "3軒", "1着", "6か所", "50%", "1%", "12345円", "1億2000万", "3.14",
    "1,234", "4円", "1ヶ月", "10か月", "AI", "GPU", "1世紀", "8世紀", "3泊", "3発",
]


@pytest.mark.parametrize("written", AGREED_WITH_OPENJTALK)
def test_readings_agree_with_the_voice_front_end(written: str) -> None:
    pyopenjtalk = pytest.importorskip("pyopenjtalk")
    expected = pyopenjtalk.g2p(written, kana=True, use_sudachi_kanji_yomi=False)
    assert normalize(written, "ja") == expected


_PARTS = st.sampled_from(
    ["1", "2", "3", "4", "7", "8", "9", "10", "14", "20", "100", "1,000", "2026", "3.5", "1億", "5千", "0",
     "年", "月", "日", "時", "分", "人", "本", "匹", "個", "%", "km", "GB", "AI", "GPU", "〜", "-", "/", ":",
     "の", "、", "。", "が", "猫", "｜犍陀多《かんだた》"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PARTS, max_size=10))
def test_no_digits_or_spellable_capitals_survive(parts: list[str]) -> None:
    spoken = normalize("".join(parts), "ja")
    assert not re.search(r"[0-9]", spoken), spoken
    # Capitals are spelled out unless they belong to a word with lower case (kmGB, iPhone) or
    # a run too long to be an abbreviation.
    assert all(re.search("[a-z]", w) or len(w) > 6 for w in re.findall("[A-Za-z]+", spoken)), spoken
    assert "《" not in spoken and "｜" not in spoken


def test_counter_table_is_consistent() -> None:
    for word, counter in COUNTERS.items():
        assert counter.kana, word
        for ending, replacement in counter.endings:
            assert ending and replacement, word
