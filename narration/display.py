"""Text from a book or a user, made safe where a person or another program meets it.

A heading, a file name or an author can hold anything: terminal escape sequences (colours,
OSC 52 writes to the clipboard), right-to-left overrides that turn ``T\\u202efdp.exe`` into
``Texe.pdf`` on screen, zero-width characters. Two uses, two treatments:

- ``clean_title``: a title as a file name or a tag (ID3, MP4, chapter marks), where an invisible
  character only spoofs or breaks: escape sequences and every other control or format character
  (Unicode Cc, Cf) are removed, line breaks become spaces. Zero-width joiner and non-joiner
  stay after a letter, mark or symbol: Persian, the Indic scripts and emoji sequences spell
  with them (``bench/clean_titles.py`` measures this on real words).
- ``shown`` and ``json_shown``: what the CLI prints. Nothing is removed, so an error still names
  the file as it is, but every such character is printed as its escape (``\\x1b``, ``\\u202e``),
  and never reaches the terminal raw.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# What a terminal or a player would act on or hide rather than show: controls (C0, DEL, C1),
# format characters (bidi controls, zero-width space, soft hyphen), line and paragraph
# separators, and lone surrogates (an undecodable byte in a file name).
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ

# ECMA-48 sequences, removed whole so that no "[31m" or clipboard payload is left in a title.
# Each alternative's runs are over disjoint sets: linear in the title's length.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erasing
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS...: up to BEL or ST
    r"|\x1b[ -/]*[0-~]"  # the short ones: ESC c (reset), ESC ( B (character set)
)


def _joins(text: str, i: int) -> bool:
    """Whether the joiner at ``text[i]`` follows a letter, mark, digit or symbol, inside the text
    (at the start, the end, or after a space or another joiner it joins nothing)."""
    if i == 0 or i + 1 == len(text):
        return False
    before = unicodedata.category(text[i - 1])
    return before[0] in "LMN" or before == "So"


def clean_title(text: str) -> str:
    """``text`` without escape sequences or control and format characters (line breaks and
    tabs become spaces), joiners inside words kept: fit for a file name or a tag."""
    if text.isprintable():
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    kept = []
    for i, c in enumerate(text):
        if unicodedata.category(c) not in _HIDDEN:
            kept.append(c)
        elif c.isspace():
            kept.append(" ")
        elif c in _JOINERS and _joins(text, i):
            kept.append(c)
    return "".join(kept)


def clean_text(text: str) -> str:
    """A book's running text without escape sequences or control and format characters: line
    breaks (verse) and joiners inside words stay, other separators become line breaks. A voice
    read "\\x1b[31m" as "thirty-one m", and lxml refuses such text in a read-along book."""
    if text.isprintable():
        return text
    return "\n".join(clean_title(line) for line in _ESCAPE_SEQUENCE.sub("", text).splitlines())


def _escaped(c: str) -> str:
    return c.encode("unicode_escape", "backslashreplace").decode("ascii")


def shown(text: str) -> str:
    """``text`` for a terminal: each control or format character written as its escape
    (``\\x1b``, ``\\n``, ``\\u202e``), so a message stays one line and nothing in it acts on the
    terminal. Joiners stay: they only join."""
    if text.isprintable():
        return text
    return "".join(_escaped(c) if unicodedata.category(c) in _HIDDEN and c not in _JOINERS else c for c in text)


def _json_escape(c: str) -> str:
    code = ord(c)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_shown(value: Any, **kwargs: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, ...)`` with every control or format character
    written as a ``\\u`` escape: the same document to a JSON reader, nothing raw on a terminal.
    (json escapes C0 controls inside strings itself; a raw newline is the indentation's.)"""
    text = json.dumps(value, ensure_ascii=False, **kwargs)
    return "".join(
        _json_escape(c) if c != "\n" and c not in _JOINERS and unicodedata.category(c) in _HIDDEN else c for c in text
    )
