"""Everything a user can set for one narration run, validated: each stage's settings, composed.

A pydantic model so the CLI, the Prefect deployment form and tests share one definition. Each
stage defines its own part (``narration/<stage>/settings.py``); this module only puts them
together, checks what spans two stages (the mastering profile against the assembly format), and
reads the flat form of earlier releases. The stages' models are importable from here too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import to_json

from narration.assembly.settings import (
    CAPTION_FORMATS,
    AssemblySettings,
    AudioFormat,
    CaptionFormat,
    Pauses,
)
from narration.emotion.settings import EmotionSettings
from narration.ingest.settings import IngestOptions, NotesMode, TextLimits
from narration.mastering.settings import profile_problem
from narration.qa.settings import QASettings
from narration.synthesis.settings import SynthesisSettings

PauseOptions = Pauses  # the name of releases before 2026-11; the same type

__all__ = [
    "CAPTION_FORMATS", "AssemblySettings", "AudioFormat", "CaptionFormat", "EmotionSettings", "IngestOptions",
    "NarrationOptions", "NotesMode", "PauseOptions", "Pauses", "QASettings", "SynthesisSettings", "TextLimits",
]  # fmt: skip


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

    @field_validator("assembly")
    @classmethod
    def _fits_profile(cls, assembly: AssemblySettings) -> AssemblySettings:
        if problem := profile_problem(assembly.profile, assembly.format, assembly.loudness):
            raise ValueError(problem)
        return assembly

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
