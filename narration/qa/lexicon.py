"""Pronunciation hints and the user's pronunciation lexicon.

Hints: words of the book that the ASR heard wrong in several chunks. A voice that says a name
wrongly is misheard the same way every time, while ASR slips are scattered; so a word misheard
in at least ``min_chunks`` chunks is a candidate for the lexicon (or an ASR weakness: the user
judges by listening).

Lexicon: a user-editable file mapping a written word to how it should be spoken, applied to
the text before normalisation. TOML (``Hermione = "her-MY-oh-nee"``, optionally under a
``[words]`` table) or TSV (``word<TAB>spoken form``, ``#`` comments).
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narration.errors import InputError
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


def load_lexicon(path: str | Path) -> dict[str, str]:
    """Read a lexicon file (``.toml``, else TSV); bad content raises InputError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "lexicon file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the lexicon ({exc})") from None
    entries = _parse_toml(path, text) if path.suffix.lower() == ".toml" else _parse_tsv(path, text)
    for word, spoken in entries.items():
        if not word.strip() or not spoken.strip():
            raise InputError(path, f"empty word or spoken form in entry {word!r}")
    return entries


def _parse_toml(path: Path, text: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML ({exc})") from None
    table = data.get("words", data) if isinstance(data.get("words"), dict) else data
    entries: dict[str, str] = {}
    for word, spoken in table.items():
        if not isinstance(spoken, str):
            raise InputError(path, f"entry {word!r}: the spoken form must be a string")
        entries[word] = spoken
    return entries


def _parse_tsv(path: Path, text: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for number, row in enumerate(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
        if len(row) != 2:
            raise InputError(path, f"entry {number}: expected 'word<TAB>spoken form', got {len(row)} field(s)")
        entries[row[0].strip()] = row[1].strip()
    return entries


def _entry_pattern(word: str) -> str:
    # Whole words only where the entry starts/ends with a word character ("Dr." ends with ".").
    start = r"(?<!\w)" if re.match(r"\w", word) else ""
    end = r"(?!\w)" if re.search(r"\w$", word) else ""
    return start + re.escape(word) + end


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace each lexicon word in ``text`` by its spoken form: whole words, any case (a name
    also starts sentences), longer entries first ("New York" before "York"), in one pass so a
    spoken form is never replaced again."""
    if not lexicon:
        return text
    spoken = {word.casefold(): form for word, form in lexicon.items()}
    words = sorted(lexicon, key=len, reverse=True)
    pattern = re.compile("|".join(_entry_pattern(w) for w in words), re.IGNORECASE)
    return pattern.sub(lambda m: spoken.get(m.group(0).casefold(), m.group(0)), text)
