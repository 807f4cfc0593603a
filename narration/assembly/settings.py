"""Settings of the assembly stage: how chunk audio becomes chapter files and the book, and the
pauses put between chunks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from narration.model import PAUSE_CLAUSE, PAUSE_PARAGRAPH, PAUSE_SCENE, PAUSE_SENTENCE, PAUSE_TITLE

AudioFormat = Literal["mp3", "m4a", "opus", "flac"]
CaptionFormat = Literal["srt", "vtt"]
CAPTION_FORMATS: tuple[CaptionFormat, ...] = ("srt", "vtt")


class Pauses(BaseModel):
    """Silence, in seconds, that assembly inserts: the options' form and what assembly uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sentence: float = Field(0.35, ge=0, le=5, description="between sentences")
    paragraph: float = Field(0.8, ge=0, le=10, description="between paragraphs")
    title: float = Field(1.2, ge=0, le=10, description="after the spoken chapter title")
    chapter_lead: float = Field(0.5, ge=0, le=10, description="at the start of each chapter file")
    chapter_tail: float = Field(1.5, ge=0, le=10, description="at the end of each chapter file")
    scene: float = Field(2.0, ge=0, le=10, description="at a scene break (* * *)")
    clause: float = Field(0.2, ge=0, le=5, description="inside a sentence read in two takes: a quotation "
                          "tagged apart from the words around it")

    def as_before(self) -> dict[str, float]:
        """These pauses for digests and fingerprints: ``clause`` (added later) left out while at
        its default, so chapter records and inbox fingerprints made before it stay valid."""
        added_later = {"clause"}
        return self.model_dump(exclude={n for n in added_later if getattr(self, n) == Pauses.model_fields[n].default})

    def after(self, marker: str) -> float:
        """The pause for a chunk's ``pause_after`` marker."""
        lengths = {PAUSE_SENTENCE: self.sentence, PAUSE_PARAGRAPH: self.paragraph, PAUSE_TITLE: self.title,
                   PAUSE_SCENE: self.scene, PAUSE_CLAUSE: self.clause}
        try:
            return lengths[marker]
        except KeyError:
            raise ValueError(f"unknown pause marker {marker!r}; expected one of {sorted(lengths)}") from None


class AssemblySettings(BaseModel):
    """How chunk audio becomes chapter files and the book."""

    # ``profile`` is mastering's, kept here so the options' JSON keeps its shape; it is checked
    # against ``format`` and ``loudness`` where the options are composed (narration.options).
    model_config = ConfigDict(extra="forbid")

    format: AudioFormat = Field("mp3", description="chapter file format")
    bitrate: str = Field("64k", pattern=r"^\d+k$", description="lossy chapter and M4B bitrate")
    loudness: float | None = Field(-19.0, ge=-40, le=-5, description="target LUFS; None: leave as is")
    m4b: bool = Field(True, description="also write one chaptered .m4b for the book")
    pauses: Pauses = Field(default_factory=Pauses)
    profile: str = Field("default", description="delivery profile the chapter files are mastered to: default "
                         "(format, bitrate and loudness as set here) or acx (ACX / Audible)")
    credits: bool = Field(False, description="opening and closing credits as their own chapter files")
    captions: tuple[CaptionFormat, ...] = Field((), description="captions of each chapter and the book: srt, vtt")
    readalong: bool = Field(False, description="also write <book>.readalong.epub: the text with EPUB 3 Media Overlays")

    @field_validator("captions", mode="before")
    @classmethod
    def _caption_formats(cls, value: object) -> object:
        """"srt,vtt" or a list, each format once, in a fixed order (it goes into digests)."""
        if isinstance(value, str):
            value = [v.strip().lower() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple | set | frozenset):
            unknown = sorted({str(v) for v in value} - set(CAPTION_FORMATS))
            if unknown:
                raise ValueError(f"unknown caption format {', '.join(unknown)}; choose from {', '.join(CAPTION_FORMATS)}")
            return tuple(f for f in CAPTION_FORMATS if f in set(value))
        return value

    def digest(self) -> dict[str, Any]:
        """What of these settings changes the chapter audio, for digests: not ``m4b`` or
        ``credits`` (chapters of their own), and ``profile`` only when not ``default``, so the
        records of stores made before it existed stay valid."""
        left_out = {"m4b", "credits", "captions", "readalong"} | ({"profile"} if self.profile == "default" else set())
        return self.model_dump(mode="json", exclude=left_out) | {"pauses": self.pauses.as_before()}
