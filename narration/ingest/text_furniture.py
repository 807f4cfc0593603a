"""Furniture in a plain-text book, marked before its headings are looked for: production
credits, transcriber's notes, tables of contents and Aozora Bunko's colophon.

- **Credits and notes**: "Produced by ..." credits after Gutenberg's START line and
  "Transcriber's Note" blocks (with the paragraphs under such a label) are
  ``transcriber-notes``; the <<THIS ELECTRONIC VERSION ...>> notices of 1990s editions are
  ``licence``.
- **Tables of contents**: a ``CONTENTS`` (or ``LIST OF ILLUSTRATIONS``) paragraph and the
  list lines after it, up to the first heading that prose follows, are left out
  (``contents``), page numbers and all. The entries are remembered, so that a title the
  contents listed starts its chapter even without a label (``text_headings``).
- **Aozora Bunko**: the ``底本：`` colophon at the end is left out (``colophon``).
"""

from __future__ import annotations

import re

from narration.ingest import gutenberg
from narration.ingest.omissions import COLOPHON, CONTENTS, LICENCE, TRANSCRIBER_NOTES
from narration.ingest.text_blocks import (
    BREAK,
    ILLUSTRATION,
    SPECIAL,
    TEXT,
    Block,
    Reader,
    clean_text,
    drop,
    next_content,
)
from narration.ingest.text_headings import (
    CONTAINER_KINDS,
    MAX_HEADING_LINES,
    PAGE_NUMBER,
    entry_key,
    entry_keys,
    is_list_like,
    label_of,
    reads_as_text,
)

_CONTENTS_LINE = re.compile(
    r"^\W*(?:table\s+of\s+)?contents?(?:\s+(?:of\s+)?(?:the\s+)?(?:volume|vol\.|part|book)\s+\S+)?\W*$"
    r"|^\W*(?:list\s+of\s+)?(?:illustrations|plates|full-page\s+illustrations|figures)\W*$"
    r"|^(?:目次|もくじ)$",
    re.IGNORECASE,
)
FRONT_PG = re.compile(r"project\s+gutenberg|gutenberg\.org|\be-?texts?\b|\bpglaf\b|small\s+print", re.IGNORECASE)

TRANSCRIBER_SCAN = 12  # paragraphs a "Transcriber's Notes" label takes with it at most


def mark_credits(reader: Reader, is_gutenberg: bool) -> None:
    """Production credits after the START line; Gutenberg notices inside the text."""
    blocks = reader.blocks
    texts = [b.raw if b.kind == TEXT else "" for b in blocks]
    for i in gutenberg.credit_indices(texts, 0):
        drop(reader, [i], TRANSCRIBER_NOTES)
    if is_gutenberg:
        # 1990s editions repeat a <<THIS ELECTRONIC VERSION ... IS COPYRIGHT ...>> notice between works.
        notices = [i for i, b in enumerate(blocks) if b.kind == TEXT and b.text.startswith("<<") and b.text.endswith(">>")
                   and (FRONT_PG.search(b.text) or "ELECTRONIC VERSION" in b.text.upper())]
        for i in notices:
            drop(reader, [i], LICENCE)


def mark_transcriber_notes(reader: Reader) -> None:
    """"Transcriber's Note" blocks (or boxes), and the paragraphs a note's label takes with it."""
    blocks = reader.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        text = re.sub(r"^[\s|+*=\[-]+", "", block.raw)
        boxed = all(line.strip()[:1] in "|+*=" for line in block.lines) and len(block.lines) > 1
        if not gutenberg.is_transcriber_note(text) and not (boxed and re.search(r"transcriber", block.raw, re.IGNORECASE)):
            i += 1
            continue
        taken = [i]
        if block.kind == TEXT and not boxed:
            # The note's label (or first paragraph) takes the paragraphs after it, up to the next
            # heading, picture, break or wider gap.
            j = i + 1
            while j < len(blocks) and j - i <= TRANSCRIBER_SCAN:
                nxt = blocks[j]
                if nxt.kind != TEXT or nxt.gap >= 2 or label_of(nxt) is not None:
                    break
                taken.append(j)
                j += 1
        drop(reader, taken, TRANSCRIBER_NOTES)
        i = taken[-1] + 1


def mark_contents(reader: Reader) -> None:
    """A CONTENTS (or LIST OF ILLUSTRATIONS) paragraph and the list after it."""
    blocks = reader.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        caption = ILLUSTRATION.match(block.raw) if block.kind == SPECIAL else None
        heads_list = block.kind == TEXT and _CONTENTS_LINE.match(block.lines[0].strip())
        if i in reader.dropped or not (heads_list or (caption and _CONTENTS_LINE.match(clean_text(caption.group("text"))))):
            i += 1
            continue
        listed_text = block.lines[0] if block.kind == TEXT else caption.group("text") if caption else ""
        region, j = _contents_list(reader, i, captions=bool(_ILLUSTRATIONS.search(listed_text)))
        region = _without_book_start(blocks, region)
        drop(reader, region, CONTENTS)
        listed = block.lines[0] if block.kind == TEXT else caption.group("text") if caption else ""
        if not re.search(r"illustrations|plates|figures", listed, re.IGNORECASE):
            for k in region:
                for line in blocks[k].lines:
                    reader.toc_entries.add(entry_key(PAGE_NUMBER.sub("", line)))
            reader.toc_end = max(reader.toc_end, region[-1])
        i = j


_ILLUSTRATIONS = re.compile(r"illustrations|plates|figures", re.IGNORECASE)


def _caption_lines(block: Block) -> bool:
    """A block of short caption lines, one a line ("Huck stealing away." ...)."""
    lengths = sorted(len(line.strip()) for line in block.lines)
    return len(lengths) >= 3 and lengths[-1] <= 80 and lengths[len(lengths) // 2] <= 50


def _contents_list(reader: Reader, i: int, captions: bool = False) -> tuple[list[int], int]:
    """The contents label at ``i`` and the list blocks after it, and where the list stopped
    (``captions``: a list of illustrations, whose lines may read like short sentences)."""
    blocks = reader.blocks
    region = [i]
    j = i + 1
    while j < len(blocks):
        nxt = blocks[j]
        if nxt.kind in (SPECIAL, BREAK) or j in reader.dropped:
            j += 1
            continue
        if nxt.kind != TEXT or _CONTENTS_LINE.match(nxt.lines[0].strip()):
            break  # (a list of illustrations after the contents is a list of its own)
        if label_of(nxt) is not None and len(nxt.lines) <= MAX_HEADING_LINES:
            if _prose_follows(reader, j):
                break  # a heading that prose follows: the book itself begins
            region.append(j)
            j += 1
            continue
        if (is_list_like(nxt) and not reads_as_text(nxt)) or (captions and _caption_lines(nxt)) or (
                captions and len(nxt.lines) <= 2 and all(len(line.strip()) <= 80 for line in nxt.lines)):
            region.append(j)
            j += 1
            continue
        break
    return region, j


def _prose_follows(reader: Reader, j: int) -> bool:
    """Whether the text of the book follows the heading at ``j``."""
    blocks = reader.blocks
    # The heading's title, a subtitle or a date line may stand between it and its prose.
    after = next_content(reader, j + 1)
    for _ in range(3):
        if after is None or label_of(blocks[after]) is not None or len(blocks[after].lines) > 2:
            break
        if reads_as_text(blocks[after]):
            break
        after = next_content(reader, after + 1)
    return after is not None and reads_as_text(blocks[after])


def _without_book_start(blocks: list[Block], region: list[int]) -> list[int]:
    """A contents list without the book's own first lines at its end."""
    # Containers right before the first chapter belong to the book, not to the list; so does
    # a title that repeats an entry of the list ("A Scandal in Bohemia" over its "I.").
    while len(region) > 1:
        last = blocks[region[-1]]
        earlier = {key for k in region[:-1] for line in blocks[k].lines for key in entry_keys(line)}
        if label_of(last) in CONTAINER_KINDS or (len(last.lines) <= MAX_HEADING_LINES and entry_key(last.text) in earlier):
            region = region[:-1]
            continue
        break
    return region


def mark_colophon(reader: Reader) -> None:
    """Aozora Bunko's closing bibliography (底本：...) and its file notes."""
    blocks = reader.blocks
    for i, block in enumerate(blocks):
        if block.kind == TEXT and block.lines[0].strip().startswith("底本："):
            drop(reader, [j for j in range(i, len(blocks)) if blocks[j].kind == TEXT], COLOPHON)
            return
