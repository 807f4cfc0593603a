"""The plain data model every stage passes along: Book -> Chapter -> Paragraph -> Sentence, the
synthesis ``Chunk`` and the ``Utterance`` a backend is asked to speak (its ``Audio``: ``narration.audio``).

Ingest fills paragraphs' ``text``; the text stage fills ``sentences``. Everything is a
dataclass of plain values so a book round-trips through JSON (``Book.to_json``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from typing import Any

# What a paragraph is, for the stages after ingest: a note is read neutrally, a heading is a
# part/volume title spoken at the start of its first chapter.
PARA_TEXT = "text"
PARA_NOTE = "note"
PARA_HEADING = "heading"


@dataclass
class Paragraph:
    """One paragraph of reading text, already stripped of markup and note markers."""

    text: str
    sentences: list[str] = field(default_factory=list)
    kind: str = PARA_TEXT
    scene_break: bool = False  # a scene break (``* * *``, ``<hr>``) follows: a longer pause


@dataclass(frozen=True)
class Omission:
    """A part of the source that is not narrated, and why: the dry-run lists these.

    ``kind`` is one of ``narration.ingest.omissions.KINDS`` (``--keep`` names them).
    """

    kind: str
    where: str  # file#anchor or file:line
    words: int
    excerpt: str  # its first few words, so a user can tell what it was


@dataclass
class Chapter:
    """A unit of the book that becomes one audio file and one M4B chapter marker."""

    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    source: str = ""  # where it came from (file#anchor), for error messages and debugging
    language: str = ""  # "" reads in the book's language; set where the text is clearly another

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def words(self) -> int:
        return sum(len(p.text.split()) for p in self.paragraphs)


@dataclass
class Cover:
    media_type: str
    data: bytes


@dataclass
class Book:
    title: str
    authors: list[str] = field(default_factory=list)
    language: str = "en"  # BCP 47 primary tag, lower case ("en", "ja")
    chapters: list[Chapter] = field(default_factory=list)
    cover: Cover | None = None
    source: str = ""
    omitted: list[Omission] = field(default_factory=list)
    structure: str = ""  # how the chapters were chosen (TOC level and why), for the dry-run
    # Where ``language`` came from: "metadata" (as a reader returns it when the file declares
    # one), then, once ``narration.ingest.language`` has read the text, "text", "metadata and
    # text agree", "text, not the metadata's 'en'" or "default".
    language_source: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.cover is not None:
            data["cover"] = {
                "media_type": self.cover.media_type,
                "data": base64.b64encode(self.cover.data).decode("ascii"),
            }
        return data

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Book:
        cover = data.get("cover")
        return cls(
            title=data["title"],
            authors=list(data.get("authors", [])),
            language=data.get("language", "en"),
            chapters=[
                Chapter(
                    title=c["title"],
                    paragraphs=[
                        Paragraph(p["text"], list(p.get("sentences", [])), p.get("kind", PARA_TEXT),
                                  bool(p.get("scene_break", False)))
                        for p in c["paragraphs"]
                    ],
                    source=c.get("source", ""),
                    language=c.get("language", ""),
                )
                for c in data.get("chapters", [])
            ],
            cover=Cover(cover["media_type"], base64.b64decode(cover["data"])) if cover else None,
            source=data.get("source", ""),
            omitted=[Omission(**o) for o in data.get("omitted", [])],
            structure=data.get("structure", ""),
            language_source=data.get("language_source", ""),
        )

    @classmethod
    def from_json(cls, text: str) -> Book:
        return cls.from_dict(json.loads(text))


# What follows a chunk in the chapter audio; assembly maps each to a configurable pause.
PAUSE_SENTENCE = "sentence"
PAUSE_PARAGRAPH = "paragraph"
PAUSE_TITLE = "title"  # after the spoken chapter title
PAUSE_SCENE = "scene"  # at a scene break
PAUSE_CLAUSE = "clause"  # inside a sentence cut where its emotion tag changes ("Wolf!" | cried the boy)


@dataclass(frozen=True)
class Chunk:
    """One synthesis unit: whole sentences of one paragraph (or part of an over-long sentence)."""

    chapter: int  # 0-based chapter index in the book
    index: int  # 0-based index in book order, unique across the book
    text: str  # speech text after normalisation: what the backend reads
    source: str  # the original text this chunk covers (for coverage checks and reports)
    language: str
    pause_after: str = PAUSE_SENTENCE
    style: str = "neutral"  # emotion tag, chosen by the emotion stage
    paragraph: int | None = None  # 0-based paragraph within the chapter; None: the spoken title
    # A character's voice (the cast, ``narration.cast``) where it is not the narrator's; None:
    # the narrator's. Only then does it enter the chunk's key, so narration keeps its keys.
    voice: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Utterance:
    """What one chunk asks of a synthesis backend."""

    text: str
    language: str = "en"
    voice: str | None = None  # None: the backend's default voice for the language
    style: str = "neutral"  # emotion tag; each backend maps it to its own controls
    seed: int | None = None  # per-chunk seed so a retake differs and a rerun reproduces
