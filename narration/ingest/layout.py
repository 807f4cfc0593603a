"""Headings found by layout, where no word marks them: the rule the plain-text and Markdown
readers share.

A heading by layout is a short line standing alone (the readers check the blank lines around it
and that the text follows it) in one of three styles, ``line_style``: all capitals ("THE
GOLDEN BIRD"), title case ("Kaa's Hunting", "The Two Columns." with Gutenberg's printed stop,
one capitalised word "Androcles"), or a few words in sentence case with no final stop, as
French and other languages write titles ("Seconde version"). Never a line with a digit or a
day's or month's name (a letter's "Tuesday", "10th October", "Le 3 mai"), one ending in a
comma, semicolon or colon (a salutation, a line introducing a list), a sentence in sentence
case ("Oui.", "Yes."), nor one opening with a bracket or a dash. Such lines are headings only
in a pattern, ``in_pattern``: three or more of one style after gaps of one width.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import TypeVar

from narration.ingest.textfile import SMALL_WORDS, is_caps

# Words of a date or a letter's time ("Tuesday", "Saturday morning", "10th October", "Le 3 mai"),
# in the languages we read: a letter's heading, not a chapter's.
DATE_WORDS = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july"
    r"|august|september|october|november|december|morning|evening|midnight|noon"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|février|mars|avril|mai|juin|juillet|août"
    r"|septembre|octobre|novembre|décembre|lunes|martes|miércoles|jueves|viernes|sábado|domingo|enero|febrero"
    r"|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|lunedì|martedì"
    r"|mercoledì|giovedì|venerdì|sabato|domenica|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre"
    r"|ottobre|dicembre|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|janeiro|fevereiro"
    r"|março|maio|junho|julho|setembro|outubro|novembro|dezembro|montag|dienstag|mittwoch|donnerstag|freitag"
    r"|samstag|sonntag|januar|februar|märz|juni|juli|oktober|dezember|maandag|dinsdag|woensdag|donderdag"
    r"|vrijdag|zaterdag|zondag|januari|februari|maart|mei|augustus|maanantai|tiistai|keskiviikko|torstai"
    r"|perjantai|lauantai|sunnuntai|tammikuu\w*|helmikuu\w*|maaliskuu\w*|huhtikuu\w*|toukokuu\w*"
    r"|kesäkuu\w*|heinäkuu\w*|elokuu\w*|syyskuu\w*|lokakuu\w*|marraskuu\w*|joulukuu\w*)\b",
    re.IGNORECASE,
)
MAX_LAYOUT_WORDS = 10
MIN_LAYOUT_PATTERN = 3  # lines of one style after gaps of one width: a pattern, not a title page

Key = TypeVar("Key", bound=Hashable)


def line_style(text: str) -> str | None:
    """"caps", "title" or "short" for a line that may head a chapter by layout, else None."""
    bare = text.strip("\"“”‘’'«» ")
    words = bare.split()
    if not 1 <= len(words) <= MAX_LAYOUT_WORDS or len(text) > 80:
        return None
    if re.search(r"\d", bare) or DATE_WORDS.search(bare) or bare[:1] in "([—–-*" or not bare[:1].isupper():
        return None
    if re.search(r"[,;:]$", bare) or bare.endswith(".."):
        return None  # a salutation ("Dear Daddy,"), a line introducing a list, a trailing-off line
    if is_caps(bare) and sum(ch.isalpha() for ch in bare) >= 2:
        return "caps"
    significant = [w for w in words[1:] if w.lower() not in SMALL_WORDS and w[:1].isalpha()]
    if not significant and not bare.endswith("."):
        return "title"  # one word, "Androcles", "Araby" (not "Yes.")
    if significant and sum(w[:1].isupper() for w in significant) >= 0.75 * len(significant):
        return "title"  # "The Two Columns." too: Gutenberg keeps the printed stop
    if bare.endswith("."):
        return None  # a sentence
    return "short" if len(words) <= 6 else None  # "Seconde version": titles in sentence case


def in_pattern(styles: dict[Key, tuple[str, bool]]) -> list[Key]:
    """The candidates (each with its style and whether its gap is wide) in a group of one style
    and gap width with ``MIN_LAYOUT_PATTERN`` members or more, in their order."""
    groups: dict[tuple[str, bool], list[Key]] = {}
    for key, group in styles.items():
        groups.setdefault(group, []).append(key)
    members = {key for keys in groups.values() if len(keys) >= MIN_LAYOUT_PATTERN for key in keys}
    return [key for key in styles if key in members]
