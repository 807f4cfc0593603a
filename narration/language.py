"""Language tags: the one place that reads a BCP 47 tag down to what the pipeline switches on."""

from __future__ import annotations

# Languages written without spaces between words: chunks join, lengths count characters.
UNSPACED = frozenset({"ja", "zh", "th"})


def primary_language(language: str) -> str:
    """'en-US' -> 'en', 'ja_JP' -> 'ja', ' EN ' -> 'en'."""
    return language.strip().replace("_", "-").split("-")[0].lower()
