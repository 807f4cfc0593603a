"""Footnotes and endnotes read aloud, when asked for (``--notes inline`` or ``--notes end``).

Readers find each note marker's place in a paragraph and the note's text; this module puts the
notes into a chapter's paragraphs:

- ``inline``: each note right after the sentence that holds its marker (the paragraph is cut
  there), as a paragraph of its own introduced as a note, so paragraph pauses set it apart.
- ``end``: a chapter's notes at its end, numbered in the order their markers appear.

A note that several markers point at is read once, at its first marker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from narration.language import primary_language
from narration.model import PARA_NOTE, Paragraph

_SENTENCE_END = {
    "ja": re.compile(r"[。！？!?]+[」』）)]*"),
    "": re.compile(r"(?<![.!?…])[.!?…]++[\"'”’»)\]]*+(?=\s|$)"),  # from a run's start only: linear
}
_LABELS = {"ja": ("注：", "注{n}：", "注。"), "": ("Note: ", "Note {n}: ", "Notes.")}


# Where a note marker stood, kept in a reader's text until its paragraph is cut: two
# private-use characters around the marker's number, which no book's text contains.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_MARK_OPEN}(\\d+){_MARK_CLOSE}")


def note_mark(number: int) -> str:
    """The placeholder a reader puts where note marker ``number`` stood."""
    return f"{_MARK_OPEN}{number}{_MARK_CLOSE}"


def take_note_marks(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without its placeholders, and (offset in that text, marker number) for each."""
    marks: list[tuple[int, int]] = []
    while match := _MARK.search(text):
        marks.append((match.start(), int(match.group(1))))
        text = text[: match.start()] + text[match.end() :]
    return text, marks


@dataclass
class MarkedParagraph:
    """A paragraph as a reader found it, with its note markers: (offset in text, note text)."""

    paragraph: Paragraph
    refs: list[tuple[int, str]] = field(default_factory=list)


def _labels(language: str) -> tuple[str, str, str]:
    return _LABELS.get(primary_language(language), _LABELS[""])


def _sentence_end(text: str, offset: int, language: str) -> int:
    """Where the sentence holding ``offset`` ends (the cut for an inline note)."""
    pattern = _SENTENCE_END.get(primary_language(language), _SENTENCE_END[""])
    before = text[:offset].rstrip()
    if before and pattern.search(before[-4:]) and pattern.search(before[-4:]).end() == len(before[-4:]):
        return offset  # the marker stands after the sentence's full stop
    match = pattern.search(text, offset)
    return match.end() if match else len(text)


def note_paragraph(text: str, language: str, number: int | None = None) -> Paragraph:
    inline, numbered, _ = _labels(language)
    label = inline if number is None else numbered.format(n=number)
    return Paragraph(label + text, kind=PARA_NOTE)


def place_notes(marked: Sequence[MarkedParagraph], mode: str, language: str) -> list[Paragraph]:
    """The chapter's paragraphs with its notes placed per ``mode`` (``skip`` drops them)."""
    seen: set[str] = set()
    out: list[Paragraph] = []
    at_end: list[str] = []
    for item in marked:
        notes = []
        for offset, text in sorted(item.refs, key=lambda r: r[0]):
            if text and text not in seen:
                seen.add(text)
                notes.append((offset, text))
        if mode == "end":
            at_end.extend(text for _, text in notes)
        if mode != "inline" or not notes:
            out.append(item.paragraph)
            continue
        out.extend(_inline(item.paragraph, notes, language))
    if at_end:
        out.append(Paragraph(_labels(language)[2], kind=PARA_NOTE))
        out.extend(note_paragraph(text, language, n) for n, text in enumerate(at_end, 1))
    return out


def _inline(paragraph: Paragraph, notes: list[tuple[int, str]], language: str) -> list[Paragraph]:
    text = paragraph.text
    pieces: list[Paragraph] = []
    start = 0
    cuts = [(_sentence_end(text, offset, language), note) for offset, note in notes]
    for cut in sorted({c for c, _ in cuts}):
        part = text[start:cut].strip()
        if part:
            pieces.append(Paragraph(part, kind=paragraph.kind))
        pieces.extend(note_paragraph(note, language) for c, note in cuts if c == cut)
        start = cut
    rest = text[start:].strip()
    if rest:
        pieces.append(Paragraph(rest, kind=paragraph.kind))
    pieces[-1].scene_break = paragraph.scene_break
    return pieces
