"""Everything a user can set for one narration run, validated.

A pydantic model so the CLI, the Prefect deployment form and tests share one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import to_json

from narration.emotion.settings import EmotionSettings
from narration.model import PAUSE_CLAUSE, PAUSE_PARAGRAPH, PAUSE_SCENE, PAUSE_SENTENCE, PAUSE_TITLE

AudioFormat = Literal["mp3", "m4a", "opus", "flac"]
NotesMode = Literal["skip", "inline", "end"]
CaptionFormat = Literal["srt", "vtt"]
CAPTION_FORMATS: tuple[CaptionFormat, ...] = ("srt", "vtt")


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
        from narration.ingest.omissions import parse_keep

        return parse_keep(value)  # type: ignore[arg-type]

    def as_before(self) -> dict[str, Any]:
        """These options for the inbox's fingerprint: ``limits`` (added later) left out while at
        its defaults, so books narrated before it are not queued again."""
        return self.model_dump(exclude={"limits"} if self.limits == TextLimits() else set())


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


PauseOptions = Pauses  # the name of releases before 2026-11; the same type


class SynthesisSettings(BaseModel):
    """Which voice reads the book, and how the text is cut for it."""

    model_config = ConfigDict(extra="forbid")

    backend: str = Field("auto", description="synthesis backend name; auto: qwen3 on a CUDA GPU with the model available, else the CPU voice")
    model: str | None = Field(None, description="model hub id or local dir for model backends (qwen3); None: the default")
    quantization: str | None = Field(None, description="qwen3: nf4, int8, bf16 or fp32; None: nf4 on GPU, fp32 on CPU")
    voice: str | None = Field(None, description="backend voice/speaker name or model path; None: the default")
    speed: float = Field(1.0, gt=0.25, le=4.0, description="speaking rate multiplier")
    max_chars: int | None = Field(None, ge=40, le=2000, description="chunk bound; None: the backend's")
    lexicon: str | None = Field(None, description="pronunciation lexicon file (TOML or TSV): word -> how to say it")
    batch_size: int = Field(8, ge=1, le=256, description="chunks per synthesis task")


class QASettings(BaseModel):
    """How every chunk is checked, and what happens to one that fails."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="check every chunk (signal checks and an ASR round trip)")
    asr_model: str = Field(
        "auto",
        description="faster-whisper model for QA: auto (English: tiny.en, a take it fails heard again by base; "
        "other languages: base), tiny.en or base (both ship offline), a size/id or a local dir",
    )
    max_retakes: int = Field(2, ge=0, le=10, description="new takes of a chunk that fails QA before it counts as failed")
    allow_failures: bool = Field(False, description="keep the best take of a chunk that still fails QA and assemble")


class AssemblySettings(BaseModel):
    """How chunk audio becomes chapter files and the book."""

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

    @model_validator(mode="after")
    def _fits_profile(self) -> AssemblySettings:
        from narration.errors import ConfigError
        from narration.mastering.profiles import get_profile

        try:
            mastering = get_profile(self.profile).mastering
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        if mastering is not None and self.format != mastering.format:
            raise ValueError(f"profile {self.profile} writes {mastering.format} chapter files, not {self.format}")
        if mastering is not None and self.loudness is None:
            raise ValueError(f"profile {self.profile} sets the level itself; leave loudness on")
        return self

    def digest(self) -> dict[str, Any]:
        """What of these settings changes the chapter audio, for digests: not ``m4b`` or
        ``credits`` (chapters of their own), and ``profile`` only when not ``default``, so the
        records of stores made before it existed stay valid."""
        left_out = {"m4b", "credits", "captions", "readalong"} | ({"profile"} if self.profile == "default" else set())
        return self.model_dump(mode="json", exclude=left_out) | {"pauses": self.pauses.as_before()}


# Where each setting of the flat form (releases before 2026-11; deployments registered then keep
# their parameters in it) lives now.
_SECTION_OF = {
    **{name: ("synthesis", name) for name in SynthesisSettings.model_fields},
    **{name: ("assembly", name) for name in AssemblySettings.model_fields},
    "asr_model": ("qa", "asr_model"), "max_retakes": ("qa", "max_retakes"), "allow_failures": ("qa", "allow_failures"),
}


def _schema_takes_the_flat_form(schema: dict[str, Any]) -> None:
    """Prefect's server checks a deployment run's parameters against this schema before the flow
    sees them: let the flat form through (``qa`` a boolean, names beside the parts) without
    listing its names in the dashboard's form. The model still rejects unknown names."""
    schema["additionalProperties"] = True
    qa = schema["properties"]["qa"]
    schema["properties"]["qa"] = {"anyOf": [qa, {"type": "boolean"}], "title": "QA"}


#: Restraint thresholds of releases before the literary-trained emotion model (issue 16).
_EARLIER_THRESHOLDS = {"threshold": 0.7, "dialogue_threshold": 0.5}


def _emotion_as_before(emotion: EmotionSettings) -> EmotionSettings:
    """The emotion settings as the inbox fingerprints them: thresholds left at today's defaults
    read as the defaults they replaced. The model is not fingerprinted either, so a release that
    changes both does not queue every book narrated with the defaults again. The cost: 0.7/0.5
    set explicitly now fingerprints like the defaults, so switching between the two does not
    queue a book again on its own."""
    defaults = EmotionSettings()
    update = {name: before for name, before in _EARLIER_THRESHOLDS.items()
              if getattr(emotion, name) == getattr(defaults, name)}
    return emotion.model_copy(update=update) if update else emotion


class NarrationOptions(BaseModel):
    """Settings per stage: ingest -> synthesis -> emotion -> QA -> assembly.

    The flat form of earlier releases (``NarrationOptions(backend="piper", qa=False)``) is still
    accepted and read into the sections.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_schema_takes_the_flat_form)

    ingest: IngestOptions = Field(default_factory=IngestOptions)
    synthesis: SynthesisSettings = Field(default_factory=SynthesisSettings)
    emotion: EmotionSettings = Field(default_factory=EmotionSettings)
    qa: QASettings = Field(default_factory=QASettings)
    assembly: AssemblySettings = Field(default_factory=AssemblySettings)
    # Which chapters this run makes, not how they sound: left out of chunk keys, chapter digests
    # and the inbox's fingerprint (``flat_json``), so a later full run reuses every take.
    chapters: str | None = Field(None, description="narrate only these chapters, numbered or titled as the "
                                 "dry-run shows them: 1-3,7 or \"Great and Small\"; their chapter files are "
                                 "made, the M4B is not")

    @model_validator(mode="before")
    @classmethod
    def _sections_from_flat_form(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("qa"), bool):
            data["qa"] = {"enabled": data["qa"]}
        for name in [key for key in data if key in _SECTION_OF]:
            section, field = _SECTION_OF[name]
            current = data.get(section)
            if isinstance(current, BaseModel):
                current = current.model_dump()
            data[section] = {**(current or {}), field: data.pop(name)}
        return data

    def flat_json(self) -> str:
        """These options as JSON in the flat form of earlier releases, byte for byte: what the
        inbox fingerprints, so books narrated before the options had sections are not queued again."""
        s, a, q = self.synthesis, self.assembly, self.qa
        flat = {
            "backend": s.backend, "model": s.model, "quantization": s.quantization, "voice": s.voice,
            "speed": s.speed, "format": a.format, "bitrate": a.bitrate, "loudness": a.loudness,
            "max_chars": s.max_chars, "lexicon": s.lexicon, "batch_size": s.batch_size, "m4b": a.m4b,
            # "auto" reads as "base", the default it replaced: which model checks new takes does
            # not change a book's stored ones, so the inbox must not queue every book again.
            "qa": q.enabled, "asr_model": "base" if q.asr_model == "auto" else q.asr_model, "max_retakes": q.max_retakes,
            "allow_failures": q.allow_failures, "pauses": a.pauses.as_before(), "ingest": self.ingest.as_before(),
            "emotion": _emotion_as_before(self.emotion),
        }  # fmt: skip
        # Added later: only when set, so books narrated before are not queued again.
        flat |= {k: v for k, v in (("profile", a.profile), ("credits", a.credits)) if v not in ("default", False)}
        return to_json(flat).decode("utf-8")

    def resolved(self, language: str = "en", others: Sequence[str] = ()) -> tuple[NarrationOptions, str | None]:
        """These options with ``auto`` replaced by a concrete backend for a book in ``language``
        (``others``: its chapters' other languages), and the reason for the choice."""
        if self.synthesis.backend != "auto":
            return self, None
        from narration.synthesis import choose_backend

        if str(self.synthesis.voice or "").endswith(".onnx"):  # a Piper voice file: only Piper reads it
            name, why = "piper", f"--voice {self.synthesis.voice} is a Piper voice"
        else:
            name, why = choose_backend(self.synthesis.model, language, others)
        return self.model_copy(update={"synthesis": self.synthesis.model_copy(update={"backend": name})}), why

    def backend_options(self) -> dict[str, object]:
        """Keyword arguments for ``narration.synthesis.get_backend``: what the chosen backend takes
        from these options (each backend declares and checks its own)."""
        from narration.synthesis import backend_class

        return backend_class(self.synthesis.backend).settings_for(self)
