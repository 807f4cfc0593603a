"""A chapter's blocks -> its paragraphs: scene breaks, illustrations, footnotes and their
markers, and the other bracketed notes of a plain-text book.

- **Scene breaks** (``* * *``, ``*****``, ``---``, ``~ ~ ~``, a lone ``*``...): the paragraph
  before gets ``scene_break=True`` (never a chapter's last paragraph).
- **Illustrations** (``[Illustration]``, ``[Illustration: caption, maybe over several
  lines]``) are left out (``captions``) unless ``captions`` is kept; so are inline
  ``[Illustration]`` marks and the picture file names a conversion leaves behind.
- **Footnotes** (``[Footnote 1: ...]``, ``[Footnote A: ...]``, or ``[12] The note.`` after the
  text or under a ``FOOTNOTES`` label) are notes: skipped (recorded as ``notes``), or read
  inline or at the chapter's end (``narration.ingest.notes``). Their markers (``[1]``,
  ``[A]``) are taken out of the text in every mode. A note with no marker belongs to the
  paragraph before it.
- Sidenotes and other bracketed notes are left out (``notes``); a bracketed transcriber's note
  is ``transcriber-notes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from narration.ingest.notes import MarkedParagraph, place_notes
from narration.ingest.omissions import CAPTIONS, NOTES, TRANSCRIBER_NOTES
from narration.ingest.text_blocks import (
    BRACKETED_TEXT,
    BREAK,
    ILLUSTRATION,
    SPECIAL,
    SPECIAL_OPEN,
    TEXT,
    Block,
    Reader,
    clean_text,
)
from narration.model import Chapter, Paragraph

# A picture's file name left behind by a conversion ("0023m"): not text.
_IMAGE_NAME = re.compile(r"^\d{3,5}[a-z]$|^[\w-]+\.(?:jpe?g|png|gif)\b(?:\s*\(\d+K\))?$|^(?:Full Size|cover)$", re.IGNORECASE)
_FOOTNOTE = re.compile(rf"^\[\s*+footnote\s++(?P<label>\d{{1,4}}[a-z]?|[A-Za-z]|\*+|[†‡§])\s*+[:.]?\s*+{BRACKETED_TEXT}",
                       re.IGNORECASE | re.DOTALL)
_INLINE_ILLUSTRATION = re.compile(r"\[\s*illustrations?\b[^\]]*\]", re.IGNORECASE)
# A note after the text or under a FOOTNOTES label: "[12] The note."
_ENDNOTE = re.compile(r"^\[(?P<label>\d{1,4}[a-z]?|[A-Z])\]\s+(?P<text>\S.*)$", re.DOTALL)
FOOTNOTES_LABEL = re.compile(r"^\W*(?:foot-?notes?|notes?)\s*[:.]?\s*$", re.IGNORECASE)

# A note's marker in the text ("[1]", "[A]"); a letter only where a note carries that label.
_MARKER = re.compile(r"\[(\d{1,4}[a-z]?|[A-Za-z]|\*+|[†‡§])\]")


@dataclass
class Notes:
    """Footnote markers in the text and the [Footnote N: ...] blocks they point to."""

    reader: Reader
    chapters: list[tuple[Chapter, list[MarkedParagraph]]] = field(default_factory=list)
    markers: list[tuple[MarkedParagraph, int, str]] = field(default_factory=list)  # (paragraph, offset, label)
    matched: set[int] = field(default_factory=set)
    letter_labels: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for block in self.reader.blocks:
            if block.kind == SPECIAL and (m := _FOOTNOTE.match(block.raw)):
                self.letter_labels.add(m.group("label"))

    def strip_markers(self, text: str) -> tuple[str, list[tuple[int, str]]]:
        found: list[tuple[int, str]] = []
        out = ""
        last = 0
        for match in _MARKER.finditer(text):
            label = match.group(1)
            if not label[:1].isdigit() and label not in self.letter_labels:
                continue
            out += text[last : match.start()]
            found.append((len(out.rstrip()), label))
            last = match.end()
        out += text[last:]
        return out, found

    def pending(self, label: str) -> bool:
        """Whether a marker ``[label]`` in the text still waits for its note."""
        return any(mark == label and k not in self.matched for k, (_, _, mark) in enumerate(self.markers))

    def attach(self, block: Block, marked: list[MarkedParagraph], match: re.Match[str] | None = None) -> None:
        match = match or _FOOTNOTE.match(block.raw)
        assert match
        label = match.group("label")
        text = clean_text(match.group("text").replace("\n", " "))
        mode = self.reader.options.notes
        if mode == "skip" or not text:
            self.reader.omit(NOTES, [block], [text or block.text])
            return
        for k in range(len(self.markers) - 1, -1, -1):
            paragraph, offset, mark = self.markers[k]
            if mark == label and k not in self.matched:
                self.matched.add(k)
                paragraph.refs.append((offset, text))
                return
        if marked:  # no marker found: the note belongs to the paragraph before it
            marked[-1].refs.append((len(marked[-1].paragraph.text), text))
        else:
            self.reader.omit(NOTES, [block], [text])

    def record_only(self, items: list[int]) -> None:
        for i in items:
            _special(self.reader, self.reader.blocks[i], [], self)

    def finish(self) -> None:
        mode = self.reader.options.notes
        for chapter, marked in self.chapters:
            if marked:
                marked[-1].paragraph.scene_break = False  # a chapter's end is not a scene break
            placed = place_notes(marked, mode, self.reader.language) if mode != "skip" else [m.paragraph for m in marked]
            if placed:
                placed[-1].scene_break = False
            chapter.paragraphs = placed


def chapter_paragraphs(reader: Reader, items: list[int], notes: Notes) -> list[MarkedParagraph]:
    blocks = reader.blocks
    marked: list[MarkedParagraph] = []
    in_notes = False
    for i in items:
        block = blocks[i]
        dropped = reader.dropped.get(i)
        if dropped is not None and dropped not in reader.options.keep:
            continue
        if block.kind == BREAK:
            if marked:
                marked[-1].paragraph.scene_break = True
            continue
        if block.kind == SPECIAL:
            _special(reader, block, marked, notes)
            continue
        if block.kind != TEXT:
            continue
        if FOOTNOTES_LABEL.match(block.text) and _footnotes_follow(reader, i):
            reader.omit(NOTES, [block])  # "FOOTNOTES:" over the notes
            in_notes = True
            continue
        endnote = _ENDNOTE.match(block.raw)
        if endnote and (in_notes or notes.pending(endnote.group("label"))):
            notes.attach(block, marked, endnote)  # "[12] The note." after the text, or in a notes section
            continue
        in_notes = False
        if _IMAGE_NAME.match(block.text):
            reader.omit(CAPTIONS, [block])
            continue
        text = block.text
        for caption in _INLINE_ILLUSTRATION.findall(text):
            reader.omit(CAPTIONS, [block], [caption])
        text = _INLINE_ILLUSTRATION.sub(" ", text)
        text, refs = notes.strip_markers(clean_text(text))
        text = clean_text(text)
        if not text:
            continue
        item = MarkedParagraph(Paragraph(text))
        notes.markers.extend((item, offset, label) for offset, label in refs)
        marked.append(item)
    return marked


def _footnotes_follow(reader: Reader, i: int) -> bool:
    if i + 1 >= len(reader.blocks):
        return False
    nxt = reader.blocks[i + 1]
    return bool(_FOOTNOTE.match(nxt.raw) if nxt.kind == SPECIAL else _ENDNOTE.match(nxt.raw))


def _special(reader: Reader, block: Block, marked: list[MarkedParagraph], notes: Notes) -> None:
    raw = block.raw
    if _FOOTNOTE.match(raw):
        notes.attach(block, marked)
        return
    if match := ILLUSTRATION.match(raw):
        caption = clean_text(match.group("text").replace("\n", " "))
        if CAPTIONS in reader.options.keep:
            if caption:
                marked.append(MarkedParagraph(Paragraph(caption)))
        else:
            reader.omit(CAPTIONS, [block], [caption or "[Illustration]"])
        return
    kind = SPECIAL_OPEN.match(raw)
    name = kind.group("kind").lower() if kind else ""
    inner = clean_text(re.sub(r"^\[\s*\w+['’]?s?(?:\s+notes?)?\s*[:.]?\s*|\]$", "", raw.replace("\n", " ")))
    if name.startswith("transcriber"):
        if TRANSCRIBER_NOTES in reader.options.keep and inner:
            marked.append(MarkedParagraph(Paragraph(inner)))
        else:
            reader.omit(TRANSCRIBER_NOTES, [block], [inner])
    elif name.startswith("blank"):
        return
    else:  # sidenotes and bracketed notes: margin summaries, not the text
        reader.omit(NOTES, [block], [inner])
