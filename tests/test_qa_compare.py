"""Text-vs-transcript comparison: shared normalisation, error rates, aligned missing/extra words."""

from __future__ import annotations

import pytest

from narration.qa import compare as compare_module
from narration.qa.compare import compare, compare_tokens, kana_reading_available, split_hypothesis, tokens


def test_numbers_abbreviations_case_and_punctuation_normalise_alike() -> None:
    said = "Mr. Smith paid $5 in 1990 -- twenty-five percent more!"
    heard = "mister smith paid five dollars in nineteen ninety, twenty five percent more"
    result = compare(said, heard, "en")
    assert result.errors == 0, result.to_dict()
    assert result.error_rate == 0.0
    assert tokens("Don't STOP!", "en") == tokens("dont stop", "en") == ["dont", "stop"]


def test_word_error_rate_and_alignment() -> None:
    result = compare("the fox saw the ripe black grapes", "the box saw ripe black grapes today", "en")
    assert (result.substitutions, result.deletions, result.insertions) == (1, 1, 1)
    assert result.error_rate == pytest.approx(3 / 7)
    assert result.substituted == (("fox", "box"),)
    assert result.missing == (("the",),)
    assert result.extra == (("today",),)


def test_runs_of_missing_and_extra_words() -> None:
    text = "a crow perched in a tree and held the meat in her beak while the fox watched"
    skipped = "a crow perched in a tree while the fox watched"
    result = compare(text, skipped, "en")
    assert result.missing == (("and", "held", "the", "meat", "in", "her", "beak"),)
    assert result.longest_missing == 7
    repeated = compare("the end of the story", "the end of the story the end of the story", "en")
    assert repeated.longest_extra == 5
    assert repeated.deletions == 0


def test_empty_sides() -> None:
    nothing_heard = compare("three little words", "", "en")
    assert nothing_heard.error_rate == 1.0 and nothing_heard.longest_missing == 3
    nothing_said = compare_tokens([], ["hello"])
    assert nothing_said.error_rate == 1.0 and nothing_said.extra == (("hello",),)
    assert compare_tokens([], []).error_rate == 0.0


def test_to_dict_is_json_ready() -> None:
    import json

    data = compare("one two three four", "one three four five", "en").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["reference_tokens"] == 4 and data["missing"] == ["two"] and data["extra"] == ["five"]


def test_split_hypothesis_shares_a_joint_transcript_among_chunks() -> None:
    refs = [tokens(t, "en") for t in ("The Fox and the Crow", "A crow stole a bit of meat.", "The End")]
    # the second chunk lost its last two words, and the ASR added a word after the third
    heard = tokens("the fox and the crow a crow stole a bit the end again", "en")
    parts = split_hypothesis(refs, heard)
    assert parts == [["the", "fox", "and", "the", "crow"], ["a", "crow", "stole", "a", "bit"], ["the", "end", "again"]]
    assert compare_tokens(refs[1], parts[1]).missing == (("of", "meat"),)
    assert split_hypothesis(refs, []) == [[], [], []]


@pytest.mark.skipif(not kana_reading_available(), reason="pyopenjtalk not installed")
def test_japanese_compares_kana_readings_not_spelling() -> None:
    # The same sentence, once in kanji, once as the ASR might spell it in kana.
    result = compare("今日は良い天気ですね。", "きょうはよいてんきですね", "ja")
    assert result.unit == "char"
    assert result.errors == 0, result.to_dict()
    wrong = compare("今日は良い天気ですね。", "今日は悪い天気ですね", "ja")
    assert 0 < wrong.error_rate < 0.5


def test_japanese_without_readings_folds_hiragana_into_katakana(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compare_module, "_openjtalk", lambda: None)
    assert tokens("きょう、テスト。", "ja") == list("キョウテスト")
    assert compare("ねこ", "ネコ", "ja").errors == 0
