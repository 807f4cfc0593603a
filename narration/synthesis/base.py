"""The synthesis backend interface: a batch of utterances in, float32 waveforms out.

``Utterance`` (``narration.model``) and ``Audio`` (``narration.audio``) are importable from here too,
as they were before they moved beside the data model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from narration.audio import Audio
from narration.model import Utterance

if TYPE_CHECKING:
    from narration.options import NarrationOptions

__all__ = ["Audio", "Backend", "Utterance"]


@runtime_checkable
class Backend(Protocol):
    name: str
    #: Longest chunk, in characters, the backend reads well in one go.
    max_chars: int

    @classmethod
    def settings_for(cls, options: NarrationOptions) -> dict[str, Any]:
        """The keyword arguments this backend takes from a run's options (it declares them; its
        constructor validates them)."""
        ...

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        """Everything besides the text that changes how ``utterance`` sounds (model, voice, settings).

        It goes into the chunk's content hash, so changing any of it resynthesizes the chunk.
        """
        ...

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        """One ``Audio`` per utterance, in order."""
        ...


def cpu_voice_settings(name: str, options: NarrationOptions) -> dict[str, Any]:
    """What the CPU voices (Piper, Kokoro) take from a run's options: voice, speed, the sentence
    pause they insert themselves, and their prosody per emotion tag."""
    from narration.emotion import load_styles, prosody_table

    return {
        "voice": options.synthesis.voice,
        "speed": options.synthesis.speed,
        "sentence_pause": options.assembly.pauses.sentence,
        "style_prosody": prosody_table(name, load_styles(options.emotion.styles)),
    }
