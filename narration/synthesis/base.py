"""The synthesis backend interface: a batch of utterances in, float32 waveforms out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Utterance:
    """What one chunk asks of a backend."""

    text: str
    language: str = "en"
    voice: str | None = None  # None: the backend's default voice for the language
    style: str = "neutral"  # emotion tag; each backend maps it to its own controls
    seed: int | None = None  # per-chunk seed so a retake differs and a rerun reproduces


@dataclass
class Audio:
    """A mono float32 waveform in [-1, 1]."""

    samples: np.ndarray
    sample_rate: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)


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
