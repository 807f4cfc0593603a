"""The synthesis backend interface: a batch of utterances in, float32 waveforms out.

``Utterance`` (``narration.model``) and ``Audio`` (``narration.audio``) are importable from here too,
as they were before they moved beside the data model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from narration.audio import Audio
from narration.model import Utterance

__all__ = ["Audio", "Backend", "Utterance"]


@runtime_checkable
class Backend(Protocol):
    name: str
    #: Longest chunk, in characters, the backend reads well in one go.
    max_chars: int

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        """Everything besides the text that changes how ``utterance`` sounds (model, voice, settings).

        It goes into the chunk's content hash, so changing any of it resynthesizes the chunk.
        """
        ...

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        """One ``Audio`` per utterance, in order."""
        ...
