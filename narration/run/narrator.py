"""``Narrator``: what a narration run loads once and shares between its batches.

In the shape of faster-whisper's ``WhisperModel`` and kokoro's ``KPipeline``: an object that
owns its models. It holds the synthesis backends (one per configuration: a model loads once, not
per batch), the QA checker with its ASR model, and one slot per backend so that batches from
concurrent workers take turns on a model instead of sharing a GPU's memory (or a CPU voice's
cores). ``close()`` (or leaving a ``with`` block) unloads them, giving GPU memory back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from types import TracebackType

from narration.options import NarrationOptions
from narration.qa import AsrOptions, ChunkChecker, Transcriber
from narration.synthesis import backend_class, get_backend
from narration.synthesis.base import Backend

BackendFactory = Callable[[NarrationOptions], Backend]


def backend_options(options: NarrationOptions) -> dict[str, object]:
    """Keyword arguments for ``narration.synthesis.get_backend``: what the chosen backend takes
    from the synthesis settings, the sentence pause and the emotion styles (each backend declares
    and checks its own). ``options`` must be resolved (no ``auto``: ``narration.run.plan``)."""
    return backend_class(options.synthesis.backend).settings_for(
        options.synthesis, sentence_pause=options.assembly.pauses.sentence, styles=options.emotion.styles
    )


def load_backend(options: NarrationOptions) -> Backend:
    """A new backend for these options (the backend's own loading, nothing cached)."""
    return get_backend(options.synthesis.backend, **backend_options(options))


class Narrator:
    """Loaded models for narration runs; safe to share between threads."""

    def __init__(self, backend_factory: BackendFactory = load_backend) -> None:
        self._backend_factory = backend_factory
        self._backends: dict[tuple[str, str], Backend] = {}
        self._checkers: dict[str, ChunkChecker] = {}
        self._slots: dict[int, threading.Lock] = {}
        self._lock = threading.Lock()

    def backend(self, options: NarrationOptions) -> Backend:
        """The backend for these options, loaded on first use."""
        key = (options.synthesis.backend, json.dumps(backend_options(options), sort_keys=True))
        with self._lock:  # two workers asking at once must not load the model twice
            if key not in self._backends:
                self._backends[key] = self._backend_factory(options)
            return self._backends[key]

    def checker(self, options: NarrationOptions) -> ChunkChecker | None:
        """The QA checker (and its ASR model) for these options; None when QA is off."""
        if not options.qa.enabled:
            return None
        with self._lock:
            if options.qa.asr_model not in self._checkers:
                self._checkers[options.qa.asr_model] = ChunkChecker(Transcriber(AsrOptions(model=options.qa.asr_model)))
            return self._checkers[options.qa.asr_model]

    def slot(self, backend: Backend) -> threading.Lock:
        """One batch at a time per loaded model."""
        with self._lock:
            return self._slots.setdefault(id(backend), threading.Lock())

    def close(self) -> None:
        """Unload every model (frees GPU memory between books); the narrator can load again."""
        with self._lock:
            backends = list(self._backends.values())
            self._backends.clear()
            self._checkers.clear()
            self._slots.clear()
        for backend in backends:
            close = getattr(backend, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Narrator:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
