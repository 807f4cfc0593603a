"""The synthesis backend interface: a batch of utterances in, float32 waveforms out.

``Utterance`` (``narration.model``) and ``Audio`` (``narration.audio``) are importable from here too,
as they were before they moved beside the data model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from narration.audio import Audio
from narration.model import Utterance

if TYPE_CHECKING:
    from narration.synthesis.settings import SynthesisSettings

__all__ = ["Audio", "Backend", "Utterance"]


@runtime_checkable
class Backend(Protocol):
    name: str
    #: Longest chunk, in characters, the backend reads well in one go.
    max_chars: int

    @classmethod
    def settings_for(cls, synthesis: SynthesisSettings, *, sentence_pause: float, styles: str | None) -> dict[str, Any]:
        """The keyword arguments this backend takes from the synthesis settings, the pause between
        sentences (assembly's) and the emotion styles file (it declares them; its constructor
        validates them). Never the whole run's options: a backend sees only what it uses."""
        ...

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        """Everything besides the text that changes how ``utterance`` sounds (model, voice, settings).

        It goes into the chunk's content hash, so changing any of it resynthesizes the chunk.
        """
        ...

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        """One ``Audio`` per utterance, in order."""
        ...


def cpu_voice_settings(
    name: str, synthesis: SynthesisSettings, sentence_pause: float, styles: str | None
) -> dict[str, Any]:
    """What the CPU voices (Piper, Kokoro) take: voice, speed, the sentence pause they insert
    themselves, and their prosody per emotion tag (from the ``styles`` file, else the bundled table)."""
    from narration.emotion import load_styles, prosody_table

    return {
        "voice": synthesis.voice,
        "speed": synthesis.speed,
        "sentence_pause": sentence_pause,
        "style_prosody": prosody_table(name, load_styles(styles)),
    }
