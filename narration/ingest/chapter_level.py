"""Which level of a nested table of contents holds the book's chapters.

An audiobook chapter is what a reader calls a chapter. Real TOCs nest for different reasons:
parts and volumes group chapters (go one level down), a single entry titled like the book holds
every chapter (go down), and technical books list a chapter's sections under it (stay). The
level is chosen per book by looking at each level's entries that have sub-entries:

- one of them holds most of the book: it is split at its sub-entries;
- most of them (by words) group chapters: labelled Part/Book/Volume, or their sub-entries are
  labelled like chapters ("Chapter 3", "IV."), or their sub-entries live in separate files;
- otherwise their sub-entries are sections, and this level is the chapter level. An entry
  labelled or numbered like a chapter ("Chapter 3", "I. A Scandal in Bohemia"), or whose whole
  subtree lives in a file of its own, is a chapter with sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from narration.ingest.markdown import heading_label

MOST_OF_THE_BOOK = 0.75  # an entry holding this share of the book's words is split at its sub-entries
CONTAINER_LABELS = frozenset({"part", "book", "volume", "vol.", "部", "巻"})
_SECTION_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)+")  # "1.1 Background": a section, not a chapter
CHAPTER_LABELS = frozenset({"chapter", "number", "letter", "stave", "canto", "fable", "story", "tale", "章", "話"})


class TocNode(Protocol):
    title: str
    file: str | None
    children: Sequence[TocNode]
    skip: bool


@dataclass(frozen=True)
class LevelChoice:
    level: int  # 1 = top-level entries are chapters
    depth: int  # how deep the TOC goes (readable entries)
    reason: str

    def describe(self) -> str:
        return f"chapters are TOC level {self.level} of {self.depth}: {self.reason}"


def readable(nodes: Sequence[TocNode]) -> list[TocNode]:
    return [n for n in nodes if not n.skip]


def depths(toc: Sequence[TocNode]) -> dict[int, int]:
    """``id(node)`` -> 1-based depth of every readable node."""
    out: dict[int, int] = {}

    def visit(nodes: Sequence[TocNode], depth: int) -> None:
        for node in readable(nodes):
            out[id(node)] = depth
            visit(node.children, depth + 1)

    visit(toc, 1)
    return out


def choose_level(
    toc: Sequence[TocNode],
    own_words: Callable[[TocNode], int],
    owns_file: Callable[[TocNode], bool],
    forced: int | None = None,
) -> LevelChoice:
    """The chapter level for this TOC (see the module docstring); ``forced`` wins if given."""
    depth_of = depths(toc)
    depth = max(depth_of.values(), default=1)

    def subtree(node: TocNode) -> int:
        return own_words(node) + sum(subtree(c) for c in readable(node.children))

    if forced is not None:
        return LevelChoice(min(forced, depth), depth, "set by --chapter-level")
    total = sum(subtree(t) for t in readable(toc)) or 1
    level, reason = 1, "a flat table of contents" if depth == 1 else ""
    entries = readable(toc)
    while True:
        parents = [e for e in entries if readable(e.children)]
        if not parents:
            reason = reason or f"level {level + 1} is never used"
            break
        big = [e for e in parents if subtree(e) >= MOST_OF_THE_BOOK * total and len(readable(e.children)) >= 2
               and heading_label(e.title) != "chapter"]
        groups = [e for e in parents if _groups_chapters(e, owns_file)]
        leaves = sum(subtree(e) for e in entries if not readable(e.children))
        if not big and leaves > sum(map(subtree, parents)):
            # Most of this level is chapters without sub-entries: the few with them are chapters
            # with sections (a story in three numbered parts among single-part stories).
            reason = (f"most level-{level} entries have no sub-entries; those that do are chapters with sections "
                      f"('{parents[0].title}' > '{readable(parents[0].children)[0].title}')")
            break
        if big:
            share = round(100 * subtree(big[0]) / total)
            reason = f"'{big[0].title}' holds {share}% of the book, split at its {len(readable(big[0].children))} entries"
        elif groups and sum(map(subtree, groups)) >= 0.5 * sum(map(subtree, parents)):
            names = ", ".join(f"'{g.title}'" for g in groups[:3]) + (" ..." if len(groups) > 3 else "")
            reason = f"level-{level} entries group chapters ({names})"
        else:
            example = parents[0]
            reason = (f"level-{level + 1} entries are sections of chapters "
                      f"('{example.title}' > '{readable(example.children)[0].title}')")
            break
        level += 1
        entries = [c for e in entries for c in readable(e.children)]
    return LevelChoice(level, depth, reason)


def _groups_chapters(node: TocNode, owns_file: Callable[[TocNode], bool]) -> bool:
    """Whether an entry with sub-entries is a part/volume (True) or a chapter with sections."""
    label = heading_label(node.title)
    if label in CONTAINER_LABELS:
        return True
    if label in CHAPTER_LABELS:
        return False  # "Chapter 3" or "I. A Scandal in Bohemia": its sub-entries are sections
    children = readable(node.children)
    chapter_like = sum(heading_label(c.title) in CHAPTER_LABELS and not _SECTION_NUMBER.match(c.title) for c in children)
    if chapter_like * 2 > len(children):
        return True
    if owns_file(node):
        return False
    return len({c.file for c in children if c.file}) >= 2
