"""Pronunciation hints and the user's pronunciation lexicon.

Hints: words of the book that the ASR heard wrong in several chunks. A voice that says a name
wrongly is misheard the same way every time, while ASR slips are scattered; so a word misheard
in at least ``min_chunks`` chunks is a candidate for the lexicon (or an ASR weakness: the user
judges by listening).

The lexicon itself (reading and applying it) is a text concern: ``narration.text.lexicon``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from narration.qa.compare import Comparison

# Words too short or too common to say anything about pronunciation.
MIN_WORD_LENGTH = 4


@dataclass(frozen=True)
class PronunciationHint:
    word: str  # as normalised for comparison (lower case)
    chunks: int  # in how many chunks it was misheard
    heard: tuple[tuple[str, int], ...]  # what the ASR heard instead, most frequent first ("" = nothing)

    def lexicon_line(self) -> str:
        """A TOML line to paste into the lexicon and edit."""
        heard = ", ".join(h or "(nothing)" for h, _ in self.heard)
        word = json.dumps(self.word, ensure_ascii=False)
        return f"{word} = {word}  # heard as: {heard}"


def _misheard(comparison: Comparison | Mapping[str, Any]) -> dict[str, list[str]]:
    """word -> what was heard instead ("" = nothing), from a Comparison or its ``to_dict()``."""
    if isinstance(comparison, Comparison):
        unit, pairs = comparison.unit, comparison.substituted
        missing = [word for run in comparison.missing for word in run]
    else:
        unit, pairs = comparison.get("unit"), comparison.get("substituted", ())
        missing = [word for run in comparison.get("missing", ()) for word in str(run).split()]
    missed: dict[str, list[str]] = defaultdict(list)
    if unit != "word":  # kana or characters say nothing about a word
        return missed
    for ref, hyp in pairs:
        missed[ref].append(hyp)
    for ref in missing:
        missed[ref].append("")
    return missed


def pronunciation_hints(
    comparisons: Iterable[Comparison | Mapping[str, Any]], min_chunks: int = 2, min_length: int = MIN_WORD_LENGTH
) -> list[PronunciationHint]:
    """Words misheard (substituted or missing) in at least ``min_chunks`` chunks, most first.

    Takes ``Comparison`` objects or their ``to_dict()`` form (as stored in the manifest)."""
    chunks_of: dict[str, int] = Counter()
    heard: dict[str, Counter[str]] = defaultdict(Counter)
    for comparison in comparisons:
        missed = _misheard(comparison)
        for word, instead in missed.items():
            if len(word) >= min_length and not word.isdigit():
                chunks_of[word] += 1
                heard[word].update(instead)
    hints = [
        PronunciationHint(word, n, tuple(heard[word].most_common(3)))
        for word, n in chunks_of.items()
        if n >= min_chunks
    ]
    return sorted(hints, key=lambda h: (-h.chunks, h.word))
