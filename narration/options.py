"""Everything a user can set for one narration run, validated: each stage's settings, composed.

A pydantic model so the CLI, the Prefect deployment form and tests share one definition. Each
stage defines its own part (``narration/<stage>/settings.py``); this module only puts them
together, checks what spans two stages (the mastering profile against the assembly format), and
reads the flat form of earlier releases (``narration.compat``). The stages' models are importable
from here too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from narration.assembly.settings import CAPTION_FORMATS, AssemblySettings, AudioFormat, CaptionFormat, Pauses
from narration.cast.settings import CastSettings
from narration.compat import PauseOptions, flat_json, schema_takes_the_flat_form, sections_from_flat_form
from narration.emotion.settings import EmotionSettings
from narration.ingest.settings import IngestOptions, NotesMode, TextLimits
from narration.mastering.settings import profile_problem
from narration.qa.settings import QASettings
from narration.synthesis.settings import SynthesisSettings

__all__ = [
    "CAPTION_FORMATS", "AssemblySettings", "CastSettings", "AudioFormat", "CaptionFormat", "EmotionSettings", "IngestOptions",
    "NarrationOptions", "NotesMode", "PauseOptions", "Pauses", "QASettings", "SynthesisSettings", "TextLimits",
]  # fmt: skip


class NarrationOptions(BaseModel):
    """Settings per stage: ingest -> synthesis -> emotion -> QA -> assembly.

    The flat form of earlier releases (``NarrationOptions(backend="piper", qa=False)``) is still
    accepted and read into the sections.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=schema_takes_the_flat_form)

    ingest: IngestOptions = Field(default_factory=IngestOptions)
    synthesis: SynthesisSettings = Field(default_factory=SynthesisSettings)
    cast: CastSettings = Field(default_factory=CastSettings)
    emotion: EmotionSettings = Field(default_factory=EmotionSettings)
    qa: QASettings = Field(default_factory=QASettings)
    assembly: AssemblySettings = Field(default_factory=AssemblySettings)
    # Which chapters this run makes, not how they sound: left out of chunk keys, chapter digests
    # and the inbox's fingerprint (``flat_json``), so a later full run reuses every take.
    chapters: str | None = Field(None, description="narrate only these chapters, numbered or titled as the "
                                 "dry-run shows them: 1-3,7 or \"Great and Small\"; their chapter files are "
                                 "made, the M4B is not")

    @field_validator("assembly")
    @classmethod
    def _fits_profile(cls, assembly: AssemblySettings) -> AssemblySettings:
        if problem := profile_problem(assembly.profile, assembly.format, assembly.loudness):
            raise ValueError(problem)
        return assembly

    @model_validator(mode="before")
    @classmethod
    def _sections_from_flat_form(cls, data: Any) -> Any:
        return sections_from_flat_form(data)

    def flat_json(self) -> str:
        """These options as JSON in the flat form of earlier releases, byte for byte: what the
        inbox fingerprints, so books narrated before the options had sections are not queued again."""
        return flat_json(self.ingest, self.synthesis, self.emotion, self.qa, self.assembly)
