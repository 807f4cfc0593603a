"""What ingest leaves out of the narration, by kind, so the dry-run can say so and ``--keep``
can bring a kind back.

Every reader records each left-out part as an ``Omission`` (kind, where, word count, first
words). Kinds a user may want read after all are in ``KEEPABLE``; notes have their own switch
(``--notes``), and tables, code and formulas cannot be read sensibly at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from narration.model import Omission

LICENCE = "licence"
TRANSCRIBER_NOTES = "transcriber-notes"
TITLE_PAGE = "title-page"
COPYRIGHT = "copyright"
CONTENTS = "contents"
CAPTIONS = "captions"
COLOPHON = "colophon"
NOTES = "notes"
UNREADABLE = "tables-and-code"
CODE = "code"
REFERENCES = "references"
MATH = "math"
UNSPEAKABLE = "unspeakable"

KINDS: dict[str, str] = {
    LICENCE: "licences and legal notices (Project Gutenberg's, Creative Commons, GNU, copyright lines)",
    TRANSCRIBER_NOTES: "transcriber's notes and production credits",
    TITLE_PAGE: "title pages, half-titles, imprints",
    COPYRIGHT: "copyright pages and lines",
    CONTENTS: "tables of contents, lists of illustrations, indexes, cross-references ('Main article: ...')",
    CAPTIONS: "illustration captions",
    COLOPHON: "colophons and credits",
    NOTES: "footnotes and endnotes (read them with --notes inline|end)",
    UNREADABLE: "tables, code and formulas (not narratable)",
    CODE: "program listings and markup set as text",
    REFERENCES: "bibliographies and reference lists",
    MATH: "paragraphs holding formulas (MathML); a lone variable or number is read",
    UNSPEAKABLE: "chapters with no speakable text, only emoji, symbols or punctuation (skipped: no audio file)",
}
KEEPABLE = frozenset(KINDS) - {NOTES, UNREADABLE, UNSPEAKABLE}
EXCERPT_WORDS = 8


def omission(kind: str, where: str, texts: Iterable[str]) -> Omission:
    """An ``Omission`` of ``texts`` (the left-out paragraphs) with their word count and opening."""
    words = " ".join(texts).replace("↩", " ").split()
    excerpt = " ".join(words[:EXCERPT_WORDS])
    if not words:
        excerpt = ""
    elif len(words) > EXCERPT_WORDS:
        excerpt += " ..."
    # Japanese has no spaces: count characters / 2 as a rough word count, cut the excerpt short.
    if len(words) < 3 and sum(len(w) for w in words) > 40:
        text = "".join(words)
        return Omission(kind, where, max(1, len(text) // 2), text[:24] + ("..." if len(text) > 24 else ""))
    return Omission(kind, where, len(words), excerpt)


def parse_keep(value: str | Iterable[str] | None) -> frozenset[str]:
    """``"captions,transcriber-notes"`` -> the kinds; raises ValueError naming an unknown one."""
    if value is None:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else list(value)
    kinds = {item.strip().lower() for item in items if item and item.strip()}
    unknown = sorted(kinds - KEEPABLE)
    if unknown:
        raise ValueError(f"unknown kind(s) {', '.join(unknown)}; --keep takes {', '.join(sorted(KEEPABLE))}")
    return frozenset(kinds)
