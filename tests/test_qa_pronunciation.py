"""Pronunciation lexicon files, applying them, and hints from repeated mishearings."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration.errors import InputError
from narration.qa.compare import compare
from narration.qa.pronunciation import pronunciation_hints
from narration.text.lexicon import Lexicon, load_lexicon


def test_load_toml_with_or_without_a_words_table(tmp_path: Path) -> None:
    flat = tmp_path / "flat.toml"
    flat.write_text('Hermione = "her-MY-oh-nee"\n"New York" = "noo york"\n', encoding="utf-8")
    assert load_lexicon(flat) == {"Hermione": "her-MY-oh-nee", "New York": "noo york"}
    table = tmp_path / "table.toml"
    table.write_text('title = "my book"\n[words]\nAesop = "EE-sop"\n', encoding="utf-8")
    assert load_lexicon(table) == {"Aesop": "EE-sop"}


def test_load_tsv_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.tsv"
    path.write_text("# word\tspoken\nAesop\tEE-sop\n\nTh\u00e9r\u00e8se\tteh-REZ\n", encoding="utf-8")
    assert load_lexicon(path) == {"Aesop": "EE-sop", "Thérèse": "teh-REZ"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.toml", "Aesop = ", "not valid TOML"),
        ("num.toml", "Aesop = 3\n", "must be a string"),
        ("bad.tsv", "Aesop EE-sop\n", "expected 'word<TAB>spoken form'"),
        ("empty.tsv", "Aesop\t \n", "empty word or spoken form"),
    ],
)
def test_bad_lexicons_name_the_file_and_the_problem(tmp_path: Path, name: str, content: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=reason) as info:
        load_lexicon(path)
    assert str(path) in str(info.value)
    with pytest.raises(InputError, match="not found"):
        load_lexicon(tmp_path / "missing.toml")


def test_lexicon_applies_whole_words_any_case_longest_first() -> None:
    lexicon = {"Aesop": "EE-sop", "York": "yawk", "New York": "noo yawk", "Dr.": "Doctor"}
    text = "aesop wrote in New York, not York or Yorkshire. Dr. Aesopian"
    assert Lexicon(lexicon).apply(text) == "EE-sop wrote in noo yawk, not yawk or Yorkshire. Doctor Aesopian"
    assert Lexicon({"a": "b", "b": "a"}).apply("a.b") == "b.a"  # one pass: no chains
    assert Lexicon({}).apply("unchanged") == "unchanged"


def test_hints_need_the_same_word_misheard_in_several_chunks() -> None:
    comparisons = [
        compare("The hare ran fast.", "The hair ran fast.", "en"),
        compare("Said the hare to the tortoise.", "Said the hair to the tortoise.", "en"),
        compare("The tortoise laughed at the hare.", "The tortoise laughed at the here.", "en"),
        compare("A wily stratagem.", "A wally strategy.", "en"),  # once only: no hint
    ]
    hints = pronunciation_hints(comparisons)
    assert [h.word for h in hints] == ["hare"]
    assert hints[0].chunks == 3
    assert hints[0].heard == (("hair", 2), ("here", 1))
    assert hints[0].lexicon_line().startswith('"hare" = "hare"  # heard as: hair, here')
    # the manifest's dict form gives the same hints; Japanese (kana) gives none
    assert pronunciation_hints([c.to_dict() for c in comparisons]) == hints
    assert pronunciation_hints([{"unit": "char", "substituted": [["ア", "イ"]] * 3, "missing": []}] * 3) == []


def test_words_dropped_in_several_chunks_are_hints_too() -> None:
    comparisons = [compare(f"Queen Titania spoke {n}.", f"Queen spoke {n}.", "en") for n in ("once", "twice")]
    hints = pronunciation_hints(comparisons)
    assert [(h.word, h.heard) for h in hints] == [("titania", (("", 2),))]
