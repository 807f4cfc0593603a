"""Settings of the ingest stage: what is left out of a book, where notes go, the chapter level,
and how much text one book may hold."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from narration.ingest.omissions import parse_keep

NotesMode = Literal["skip", "inline", "end"]


class TextLimits(BaseModel):
    """How much text one book may hold. The defaults are about four times the longest real
    books (the longest novels and complete works run to 4-5 M characters: some 20,000-40,000
    paragraphs at the 130-270 characters a paragraph of the books measured; the longest
    paragraph measured, a letter in Pride and Prejudice, is 14,067 characters), and keep a
    hostile file from tying planning up for minutes (one million tiny paragraphs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paragraph_chars: int = Field(50_000, ge=100, description="longest paragraph in characters; a longer one is "
                                 "split at sentence ends (at spaces where it has none)")
    book_paragraphs: int = Field(200_000, ge=1, description="most paragraphs in one book; a book with more is refused")
    book_chars: int = Field(20_000_000, ge=1, description="most characters in one book; a book with more is refused")


class IngestOptions(BaseModel):
    """How a book file is read into chapters: what is left out, where notes go, chapter level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notes: NotesMode = Field("skip", description="footnotes and endnotes: skip, inline (read at their marker) or end (at the chapter's end)")
    keep: frozenset[str] = Field(frozenset(), description="kinds of left-out text to read anyway, e.g. captions, transcriber-notes")
    chapter_level: int | None = Field(None, ge=1, le=6, description="TOC level whose entries are chapters; None: chosen per book")
    limits: TextLimits = Field(default_factory=TextLimits, description="how much text one book may hold")

    @field_validator("keep", mode="before")
    @classmethod
    def _known_kinds(cls, value: object) -> frozenset[str]:
        return parse_keep(value)  # type: ignore[arg-type]
