"""What keeps the files and settings of earlier releases working, in one place.

Each entry of ``READERS`` says what it keeps working, since when it is needed and until when it
stays; in the first release after its date it goes, with its tests. The dates are a proposal
(#27): six months after the change that made each one necessary, time for deployments to be
registered again and for books narrated before to be narrated once more. Most readers are here;
the few that must sit with a stage (its layer may not import this module) are named where they
live.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json

from narration.assembly.settings import AssemblySettings, Pauses
from narration.emotion.settings import EmotionSettings
from narration.ingest.settings import IngestOptions, TextLimits
from narration.qa.settings import QASettings
from narration.synthesis.settings import SynthesisSettings


@dataclass(frozen=True)
class Reader:
    name: str
    where: tuple[str, ...]  # dotted names of the code that does it
    keeps: str  # what keeps working
    since: str  # the change that made it necessary
    until: str  # the date (ISO) after which it may go


READERS: tuple[Reader, ...] = (
    Reader("flat options", ("narration.compat.sections_from_flat_form", "narration.compat.schema_takes_the_flat_form"),
           "NarrationOptions(backend=..., qa=False) and deployments registered with flat parameters",
           "2026-11-26, settings per stage", "2027-05-31"),
    Reader("flat fingerprint", ("narration.compat.flat_json",),
           "the inbox's fingerprints of books narrated before the options had parts: not queued again",
           "2026-11-26, settings per stage", "2027-05-31"),
    Reader("QA model auto as base", ("narration.compat.flat_json",),
           "fingerprints made when base was the default ASR model", "2026-11-26, tiny.en for English QA",
           "2027-05-31"),
    Reader("emotion thresholds as before", ("narration.compat.emotion_as_before",),
           "fingerprints made with the restraint thresholds 0.7/0.5 of the first emotion model",
           "2026-11-26, the literary-trained model", "2027-05-31"),
    Reader("text limits left out", ("narration.compat.ingest_as_before",),
           "fingerprints made before the ingest options had limits", "2026-12-07, text limits", "2027-06-30"),
    Reader("profile and credits left out", ("narration.compat.flat_json",
                                            "narration.assembly.settings.AssemblySettings.digest"),
           "fingerprints and chapter records made before delivery profiles and credits",
           "2026-11-26, delivery profiles", "2027-05-31"),
    Reader("clause pause left out", ("narration.assembly.settings.Pauses.as_before",),
           "chapter records and fingerprints made before the clause pause", "2026-11-26, the clause pause",
           "2027-05-31"),
    Reader("PauseOptions", ("narration.compat.PauseOptions", "narration.options.PauseOptions"),
           "code written against the first release's name of Pauses", "2026-11-24, Pauses", "2027-05-31"),
    Reader("narration.takes", ("narration.takes",),
           "batch results Prefect's result cache holds, pickled as narration.takes.RenderedChunk",
           "2026-12, the run's modules moved to narration/run/", "2027-06-30"),
    Reader("narration.render", ("narration.render",),
           "batch results Prefect cached under the module's first name (a module: Prefect's pickles name it)",
           "2026-11, render.py renamed run/takes.py", "2027-05-31"),
    Reader("Audio and Utterance from synthesis.base", ("narration.synthesis.base.Audio",
                                                        "narration.synthesis.base.Utterance"),
           "imports written before they moved beside the data model", "2026-11, narration.model and audio",
           "2027-05-31"),
    Reader("chapter records without takes or piece_starts", ("narration.assembly.timed_text._timings",
                                                              "narration.assembly.timed_text._located_starts"),
           "captions of stores whose chapter records predate them (the takes read from the manifest, the "
           "take positions found in the master)", "2026-11-26, piece_starts in chapter records", "2027-05-31"),
)

PauseOptions = Pauses  # the name of releases before 2026-11; the same type

# Where each setting of the flat form (releases before 2026-11; deployments registered then keep
# their parameters in it) lives now.
SECTION_OF = {
    **{name: ("synthesis", name) for name in SynthesisSettings.model_fields},
    **{name: ("assembly", name) for name in AssemblySettings.model_fields},
    "asr_model": ("qa", "asr_model"), "max_retakes": ("qa", "max_retakes"), "allow_failures": ("qa", "allow_failures"),
}

#: Restraint thresholds of releases before the literary-trained emotion model (issue 16).
EARLIER_THRESHOLDS = {"threshold": 0.7, "dialogue_threshold": 0.5}


def sections_from_flat_form(data: Any) -> Any:
    """Options given in the flat form (``{"backend": "piper", "qa": False}``) as their parts."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    if isinstance(data.get("qa"), bool):
        data["qa"] = {"enabled": data["qa"]}
    for name in [key for key in data if key in SECTION_OF]:
        section, field = SECTION_OF[name]
        current = data.get(section)
        if isinstance(current, BaseModel):
            current = current.model_dump()
        data[section] = {**(current or {}), field: data.pop(name)}
    return data


def schema_takes_the_flat_form(schema: dict[str, Any]) -> None:
    """Prefect's server checks a deployment run's parameters against this schema before the flow
    sees them: let the flat form through (``qa`` a boolean, names beside the parts) without
    listing its names in the dashboard's form. The model still rejects unknown names."""
    schema["additionalProperties"] = True
    qa = schema["properties"]["qa"]
    schema["properties"]["qa"] = {"anyOf": [qa, {"type": "boolean"}], "title": "QA"}


def ingest_as_before(ingest: IngestOptions) -> dict[str, Any]:
    """The ingest options for the inbox's fingerprint: ``limits`` (added later) left out while at
    its defaults, so books narrated before it are not queued again."""
    return ingest.model_dump(exclude={"limits"} if ingest.limits == TextLimits() else set())


def emotion_as_before(emotion: EmotionSettings) -> EmotionSettings:
    """The emotion settings as the inbox fingerprints them: thresholds left at today's defaults
    read as the defaults they replaced. The model is not fingerprinted either, so a release that
    changes both does not queue every book narrated with the defaults again. The cost: 0.7/0.5
    set explicitly now fingerprints like the defaults, so switching between the two does not
    queue a book again on its own."""
    defaults = EmotionSettings()
    update = {name: before for name, before in EARLIER_THRESHOLDS.items()
              if getattr(emotion, name) == getattr(defaults, name)}
    return emotion.model_copy(update=update) if update else emotion


def flat_json(ingest: IngestOptions, synthesis: SynthesisSettings, emotion: EmotionSettings, qa: QASettings,
              assembly: AssemblySettings) -> str:
    """The options as JSON in the flat form of earlier releases, byte for byte: what the inbox
    fingerprints, so books narrated before the options had sections are not queued again."""
    s, a, q = synthesis, assembly, qa
    flat = {
        "backend": s.backend, "model": s.model, "quantization": s.quantization, "voice": s.voice,
        "speed": s.speed, "format": a.format, "bitrate": a.bitrate, "loudness": a.loudness,
        "max_chars": s.max_chars, "lexicon": s.lexicon, "batch_size": s.batch_size, "m4b": a.m4b,
        # "auto" reads as "base", the default it replaced: which model checks new takes does
        # not change a book's stored ones, so the inbox must not queue every book again.
        "qa": q.enabled, "asr_model": "base" if q.asr_model == "auto" else q.asr_model, "max_retakes": q.max_retakes,
        "allow_failures": q.allow_failures, "pauses": a.pauses.as_before(), "ingest": ingest_as_before(ingest),
        "emotion": emotion_as_before(emotion),
    }  # fmt: skip
    # Added later: only when set, so books narrated before are not queued again.
    flat |= {k: v for k, v in (("profile", a.profile), ("credits", a.credits)) if v not in ("default", False)}
    return to_json(flat).decode("utf-8")
