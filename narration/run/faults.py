"""Fault injection for tests and demos: ``NARRATION_INJECT_FAULTS=fail@3,truncate@2``.

``KIND@N`` targets the chunk with 0-based book-order index N. ``fail`` makes synthesis raise;
``truncate``, ``silence`` and ``garble`` damage the audio after synthesis. A fault fires only on
the chunk's first attempt (counted in the manifest, so across runs), which lets a rerun or a
retake succeed.
"""

from __future__ import annotations

import os

import numpy as np

from narration.audio import Audio
from narration.errors import ConfigError

ENV = "NARRATION_INJECT_FAULTS"
KINDS = ("fail", "truncate", "silence", "garble")


class InjectedFault(RuntimeError):
    """The synthesis failure ``fail@N`` asks for."""


def parse_faults(spec: str) -> dict[int, str]:
    faults: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kind, sep, index = item.partition("@")
        if not sep or kind not in KINDS or not index.isdigit():
            raise ConfigError(f"{ENV}: bad item {item!r}; expected KIND@N with KIND one of {', '.join(KINDS)}")
        faults[int(index)] = kind
    return faults


def active_faults() -> dict[int, str]:
    return parse_faults(os.environ.get(ENV, ""))


def damage(audio: Audio, kind: str) -> Audio:
    """The audio as the fault ``kind`` would leave it."""
    samples = audio.samples
    if kind == "truncate":  # cut off mid-word, as a model that stops early would
        samples = samples[: max(1, int(len(samples) * 0.4))]
    elif kind == "silence":
        samples = np.zeros_like(samples)
    elif kind == "garble":  # reversed speech: right length and loudness, wrong words
        samples = samples[::-1].copy()
    else:
        raise ValueError(f"{kind!r} does not damage audio")
    return Audio(samples=samples.astype(np.float32), sample_rate=audio.sample_rate, info={**audio.info, "fault": kind})
