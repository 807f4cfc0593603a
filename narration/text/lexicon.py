"""The user's pronunciation lexicon: a written word -> how it should be spoken.

A user-editable file, applied to the text before normalisation (so "Dr." or "1984" in an
entry win over the normaliser's rules). TOML (``Hermione = "her-MY-oh-nee"``, optionally under
a ``[words]`` table) or TSV (``word<TAB>spoken form``, ``#`` comments). QA's pronunciation
hints (``narration.qa.pronunciation``) suggest entries.

A book's own lexicon (``lexicon.tsv`` in its folder, where ``narrate review`` writes the page's
fixes) applies to every run of that book, under an explicit ``--lexicon``: ``merge_lexicons``.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from narration.errors import InputError
from narration.store import tsv


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


def merge_lexicons(*layers: Mapping[str, str]) -> dict[str, str]:
    """The entries of ``layers``, a later layer winning for a word any earlier one has (words
    compared as the lexicon applies them: ignoring case)."""
    merged: dict[str, str] = {}
    words: dict[str, str] = {}  # casefolded -> the word as merged holds it
    for layer in layers:
        for word, spoken in layer.items():
            merged.pop(words.get(word.casefold(), word), None)
            merged[word], words[word.casefold()] = spoken, word
    return merged


def _parse_toml(path: Path, text: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML ({exc})") from None
    except RecursionError:  # tomllib parses nested arrays and tables by recursion
        raise InputError(path, "not valid TOML (arrays or tables nested too deeply)") from None
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
    try:
        rows = tsv.read_rows("\n".join(lines), delimiter="\t", quoting=csv.QUOTE_NONE)
    except csv.Error as exc:
        raise InputError(path, f"not a readable TSV lexicon ({exc})") from None
    for number, (_, row) in enumerate(rows, 1):
        if len(row) != 2:
            raise InputError(path, f"entry {number}: expected 'word<TAB>spoken form', got {len(row)} field(s)")
        entries[row[0].strip()] = row[1].strip()
    return entries


def _entry_pattern(word: str) -> str:
    # Whole words only where the entry starts/ends with a word character ("Dr." ends with ".").
    start = r"(?<!\w)" if re.match(r"\w", word) else ""
    end = r"(?!\w)" if re.search(r"\w$", word) else ""
    return start + re.escape(word) + end


class Lexicon:
    """A lexicon ready to apply. Its pattern is compiled once: the chunker normalises every
    candidate span of every sentence, so compiling per call would repeat it thousands of times."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self._spoken = {word.casefold(): form for word, form in entries.items()}
        words = sorted(entries, key=len, reverse=True)
        self._pattern = re.compile("|".join(_entry_pattern(w) for w in words), re.IGNORECASE) if words else None

    def apply(self, text: str) -> str:
        """Replace each lexicon word in ``text`` by its spoken form: whole words, any case (a
        name also starts sentences), longer entries first ("New York" before "York"), in one
        pass so a spoken form is never replaced again."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._spoken.get(m.group(0).casefold(), m.group(0)), text)
