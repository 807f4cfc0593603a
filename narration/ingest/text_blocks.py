"""Plain-text lines -> paragraph-sized blocks, and the ``Reader`` that keeps track of them.

- **Paragraphs** are separated by blank lines; their lines are hard-wrapped (~70 characters)
  and joined with spaces (no space between two Japanese characters). A file with no blank
  lines at all gives one paragraph per line, or, when its lines are hard-wrapped, paragraphs
  that start at indented lines or end at short lines. Japanese text with a line per paragraph
  starts one at each line that opens with a full-width space or a quote, or follows a line
  that ends a sentence. Gutenberg's ``_italic_`` underscores are dropped (``clean_text``).
- **Bracketed spans** (``[Illustration: ...]``, ``[Footnote 1: ...]``, ``[Sidenote: ...]``,
  ``[Transcriber's Note: ...]``) are blocks of their own (``SPECIAL``), over several lines and
  blank lines if need be; one never closed ends with its paragraph.
- **Scene-break lines** (``* * *``, ``*****``, ``---``, ``~ ~ ~``, a lone ``*``...) and
  Gutenberg's START/END lines are blocks of their own (``BREAK``, ``MARKER``).

A ``Reader`` holds the blocks of one book while it is read: which of them were left out, and
as what (``drop``), the omissions recorded, and what the table of contents listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from narration.ingest import gutenberg
from narration.ingest.markdown import heading_label
from narration.ingest.omissions import omission
from narration.ingest.settings import IngestOptions
from narration.ingest.textfile import Casing, is_caps, join_lines
from narration.model import Omission

# --- kinds of block -------------------------------------------------------------------------------

TEXT = "text"
SPECIAL = "special"  # a bracketed block: [Illustration: ...], [Footnote 1: ...], [Sidenote: ...]
BREAK = "break"  # a scene-break line
MARKER = "marker"  # a Gutenberg START/END line

SPECIAL_OPEN = re.compile(
    r"^\s*\[\s*_?(?P<kind>illustrations?|footnote|sidenote|transcriber['’]?s?\s+notes?|blank\s+page|note)\b",
    re.IGNORECASE,
)
# A scene break: a line of nothing but break characters (three or more of a line-drawing one).
_BREAK_LINE = re.compile(r"^\s*(?:[*·•~#⁂◇◆○●☆★＊※]\s*)+$|^\s*(?:[-–—_=]\s*){3,}$")
# A bracketed note's text, without the spaces and "]" that close it: a word at a time, possessive
# (".*?" before "\s*\]?$" tried the end at every character: quadratic, cubic across a long run
# of spaces). A "]" belongs to the text unless it is the last character.
BRACKETED_TEXT = r"(?P<text>(?:\s*+[^\s\]]|\s*+\](?!\n?\Z))*+)\s*\]?$"
ILLUSTRATION = re.compile(rf"^\[\s*+_?illustrations?_?\s*+[:.]?\s*+{BRACKETED_TEXT}", re.IGNORECASE | re.DOTALL)
# Gutenberg's _italics_ ("7_s_. 6_d_." and "_word_12" too: a numeral may touch the marks).
ITALIC = re.compile(r"(?<![^\W\d_])_(?=\S)([^_]+?)(?<=\S)_(?![^\W\d_])")
MAX_SPECIAL_LINES = 80  # a [Illustration: ...] left open ends at its paragraph after this many lines
# A line that ends where a sentence, quote or bracket does; a wrapped line mostly does not.
_CLOSED_LINE = re.compile(r"[.!?:;\"'”’)\]。」』]$")


# --- blocks, and the reader that keeps track of them ----------------------------------------------


@dataclass
class Block:
    lines: list[str]  # as in the file, indentation kept; never blank
    line: int  # 1-based number of the first line
    kind: str = TEXT
    gap: int = 0  # blank lines before it

    @property
    def text(self) -> str:
        return " ".join(join_lines([line.strip() for line in self.lines]).split())

    @property
    def raw(self) -> str:
        return "\n".join(line.strip() for line in self.lines)


@dataclass
class Reader:
    """One book being read: its blocks, which of them are left out, what was recorded."""

    path: Path
    options: IngestOptions
    blocks: list[Block] = field(default_factory=list)
    omitted: list[Omission] = field(default_factory=list)
    # index -> omission kind, for blocks left out (or, with --keep, read as text)
    dropped: dict[int, str] = field(default_factory=dict)
    language: str = "en"
    casing: Casing = field(default_factory=Casing)  # how its titles in capitals are cased
    # Entries of the table of contents (normalised), and where the contents ended: a short
    # paragraph after it that repeats an entry is a heading even without a label.
    toc_entries: set[str] = field(default_factory=set)
    toc_end: int = -1
    title_page: list[str] = field(default_factory=list)  # its lines, when one was left out

    def where(self, block: Block) -> str:
        return f"{self.path.name}:{block.line}"

    def omit(self, kind: str, blocks: Iterable[Block], texts: Iterable[str] | None = None) -> None:
        blocks = list(blocks)
        if not blocks:
            return
        if texts is None:
            texts = [b.text for b in blocks]
        self.omitted.append(omission(kind, self.where(blocks[0]), texts))


def drop(reader: Reader, indices: Iterable[int], kind: str, texts: list[str] | None = None) -> None:
    """Leave blocks out as ``kind`` (each once); recorded as omitted unless ``kind`` is kept."""
    indices = [i for i in indices if i not in reader.dropped]
    if not indices:
        return
    for i in indices:
        reader.dropped[i] = kind
    if kind not in reader.options.keep:
        reader.omit(kind, [reader.blocks[i] for i in indices], texts)


def next_content(reader: Reader, j: int) -> int | None:
    """The next block at or after ``j`` that is text (not a picture, note, break or left out)."""
    while j < len(reader.blocks):
        if reader.blocks[j].kind == TEXT and j not in reader.dropped:
            return j
        j += 1
    return None


def clean_text(text: str) -> str:
    """Reading text: Gutenberg's _italic_ marks and =bold= marks dropped, spaces tidied."""
    text = ITALIC.sub(r"\1", text)
    text = re.sub(r"(?<![\w=])=(?=\S)([^=]+?)(?<=\S)=(?![\w=])", r"\1", text)
    text = " ".join(text.split())
    text = re.sub(r"｜(?![^｜《》\n]{1,20}《)", "", text)  # a ruby-start mark whose reading was removed
    return re.sub(r"(?<! ) ++([,.;:!?])(?=\s|$)", r"\1", text)


# --- lines -> blocks ------------------------------------------------------------------------------


def split_blocks(lines: list[str]) -> list[Block]:
    """Paragraph-sized blocks: text between blank lines, bracketed notes and captions (which may
    hold blank lines), scene-break lines and Gutenberg marker lines, each a block of its own."""
    blocks: list[Block] = []
    current: Block | None = None
    gap = 0
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            current = None
            gap += 1
            i += 1
            continue
        if SPECIAL_OPEN.match(stripped):
            end = _bracket_end(lines, i)
            body = [ln.rstrip() for ln in lines[i : end + 1] if ln.strip()]
            blocks.append(Block(body, i + 1, SPECIAL, gap))
            current, gap, i = None, 0, end + 1
            continue
        if _BREAK_LINE.match(stripped) or gutenberg.is_start(stripped) or gutenberg.is_end(stripped):
            kind = BREAK if _BREAK_LINE.match(stripped) else MARKER
            marker = [line]
            # A long marker wrapped onto a second line ("... SHERLOCK\nHOLMES ***").
            if kind == MARKER and not stripped.endswith("***") and i + 1 < len(lines) and lines[i + 1].rstrip().endswith("***"):
                marker.append(lines[i + 1].rstrip())
            blocks.append(Block(marker, i + 1, kind, gap))
            current, gap, i = None, 0, i + len(marker)
            continue
        if current is None:
            current = Block([], i + 1, TEXT, gap)
            blocks.append(current)
            gap = 0
        current.lines.append(line)
        i += 1
    return _resplit(blocks, lines)


def _bracket_end(lines: list[str], start: int) -> int:
    """The index of the line that closes the bracket opened at ``start`` (blank lines may come
    between); one left open ends with its paragraph."""
    depth = 0
    for j in range(start, min(len(lines), start + MAX_SPECIAL_LINES)):
        depth += lines[j].count("[") - lines[j].count("]")
        if depth <= 0:
            return j
    # Never closed: up to the end of its paragraph.
    j = start
    while j + 1 < len(lines) and lines[j + 1].strip():
        j += 1
    return j


def _resplit(blocks: list[Block], lines: list[str]) -> list[Block]:
    """Split blocks whose lines are paragraphs of their own: long unwrapped lines (one paragraph
    per line, as Aozora Bunko and many web texts are), or a file with no blank lines at all."""
    line_mode, wrapped, indented_starts = _layout(lines)
    out: list[Block] = []
    for block in [part for b in blocks for part in _label_apart(b)]:
        if block.kind != TEXT or len(block.lines) == 1:
            out.append(block)
            continue
        if sum(line.startswith("\u3000") for line in block.lines) >= 2:
            out.extend(_japanese_paragraphs(block))
            continue
        lengths = sorted(len(line.strip()) for line in block.lines)
        long_lines = lengths[len(lengths) // 2] > 100 or (max(lengths) > 120 and not _hard_wrapped(block.lines))
        if long_lines or (line_mode and not wrapped and not indented_starts):
            out.extend(Block([line], block.line + k, TEXT, block.gap if k == 0 else 0) for k, line in enumerate(block.lines))
        elif line_mode:
            out.extend(_paragraphs_in(block, indented_starts))
        else:
            out.append(block)
    return out


_LABEL_KINDS = frozenset({"chapter", "part", "book", "volume", "letter", "stave"})


def _label_apart(block: Block) -> list[Block]:
    """A chapter label on the first line of a paragraph ("Chapter XI." then its title and text
    with no blank line between) is a block of its own, and so is an all-capitals title under it."""
    first = block.lines[0].strip()
    if block.kind != TEXT or len(block.lines) < 2 or len(first.split()) > 4 or heading_label(first) not in _LABEL_KINDS:
        return [block]
    parts = [Block(block.lines[:1], block.line, TEXT, block.gap)]
    rest = 1
    title = block.lines[1].strip()
    if len(block.lines) > 2 and is_caps(title) and len(title.split()) <= 12:
        parts.append(Block(block.lines[1:2], block.line + 1, TEXT, 0))
        rest = 2
    parts.append(Block(block.lines[rest:], block.line + rest, TEXT, 0))
    return parts


def _layout(lines: list[str]) -> tuple[bool, bool, bool]:
    """How the whole file sets its paragraphs: (line mode: (almost) no blank lines inside the
    text; its lines hard-wrapped; paragraphs starting at indented lines), the last two only in
    line mode."""
    filled = [k for k, line in enumerate(lines) if line.strip()]
    nonblank = len(filled)
    blank = (filled[-1] - filled[0] + 1 - nonblank) if filled else 0  # inside the text only
    line_mode = nonblank >= 2 and blank <= (max(1, nonblank // 50) if nonblank > 5 else 0)
    texts = [line.rstrip() for line in lines if line.strip()]
    if len(texts) < 4:  # too few lines to measure a wrap width: wrapped if one ends mid-sentence
        wrapped = line_mode and any(not _CLOSED_LINE.search(t) for t in texts)
    else:
        wrapped = line_mode and _hard_wrapped(lines)
    indented_starts = line_mode and _indented_paragraphs(lines)
    return line_mode, wrapped, indented_starts


def _japanese_paragraphs(block: Block) -> list[Block]:
    """Japanese text with a line per paragraph, each opening with a full-width space or a quote
    (Aozora Bunko and most web texts); a line that does neither continues the one before unless
    that one ended a sentence."""
    out: list[Block] = []
    for k, line in enumerate(block.lines):
        continues = out and not line.startswith(("\u3000", "「", "『", "（", "(", "　")) \
            and not out[-1].lines[-1].rstrip().endswith(("。", "」", "』", "！", "？", "）"))
        if continues:
            out[-1].lines.append(line)
        else:
            out.append(Block([line], block.line + k, TEXT, block.gap if k == 0 else 0))
    return out


def _hard_wrapped(lines: list[str]) -> bool:
    """Whether lines are wrapped at a fixed width: most are long, many end mid-sentence."""
    texts = [line.rstrip() for line in lines if line.strip()]
    if len(texts) < 4:
        return False
    width = sorted(len(t) for t in texts)[int(len(texts) * 0.9)]
    if width > 100:
        return False
    long = sum(len(t) >= 0.75 * width for t in texts)
    open_ended = sum(not _CLOSED_LINE.search(t) for t in texts)
    return long >= 0.5 * len(texts) and open_ended >= 0.3 * len(texts)


def _indented_paragraphs(lines: list[str]) -> bool:
    """Whether paragraphs start with an indented line (and their other lines are not indented)."""
    texts = [line for line in lines if line.strip()]
    indented = sum(line[:1] in (" ", "\t", "\u3000") for line in texts)
    return 0.05 * len(texts) <= indented <= 0.6 * len(texts)


def _paragraphs_in(block: Block, indented_starts: bool) -> list[Block]:
    """A block of hard-wrapped lines without blank lines, cut into paragraphs."""
    width = max(len(line.rstrip()) for line in block.lines)
    out: list[Block] = []
    current: Block | None = None
    for k, line in enumerate(block.lines):
        starts = current is None or (indented_starts and line[:1] in (" ", "\t", "\u3000"))
        if starts:
            current = Block([], block.line + k, TEXT, block.gap if k == 0 else 0)
            out.append(current)
        assert current is not None
        current.lines.append(line)
        if not indented_starts and len(line.rstrip()) < 0.75 * width:
            current = None  # a short line ends its paragraph
    return out
