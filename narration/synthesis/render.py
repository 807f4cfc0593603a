"""Turn chunks into stored chunk audio, skipping those already stored.

A chunk that fails is recorded in the manifest and does not stop the others in its batch;
``render_chunks`` raises ``ChunkFailures`` at the end so the caller (a Prefect task) can show
the batch as failed and retry it.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from narration import faults, progress
from narration.assembly.audio import frame_count, write_wav
from narration.layout import BookLayout
from narration.manifest import Manifest
from narration.model import Chunk
from narration.options import NarrationOptions
from narration.store import utterance_for
from narration.synthesis import get_backend
from narration.synthesis.base import Audio, Backend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedChunk:
    index: int
    key: str
    duration: float
    synthesized: bool  # False: reused from the store


class ChunkFailures(RuntimeError):
    """Some chunks of a batch could not be synthesized; the rest were stored."""

    def __init__(self, failures: dict[int, str], transient: bool) -> None:
        self.failures = failures
        self.transient = transient
        listed = "; ".join(f"chunk {i}: {err}" for i, err in sorted(failures.items()))
        super().__init__(f"{len(failures)} chunk(s) failed: {listed}")


# Errors worth retrying as they are: resources, not the text. Anything else (a phonemizer that
# chokes on the text, an injected fault) fails the same way again until something changes.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, MemoryError, TimeoutError)


@functools.lru_cache(maxsize=4)
def _cached_backend(name: str, options_json: str) -> Backend:
    return get_backend(name, **json.loads(options_json))


def load_backend(options: NarrationOptions) -> Backend:
    """One backend instance per process and configuration: models load once, not per batch."""
    return _cached_backend(options.backend, json.dumps(options.backend_options(), sort_keys=True))


def stored_duration(layout: BookLayout, key: str) -> float | None:
    path = layout.chunk_audio(key)
    if not path.exists():
        return None
    frames, rate = frame_count(path)
    return frames / rate


def _synthesize_all(backend: Backend, chunks: Sequence[Chunk], options: NarrationOptions) -> list[Audio | Exception]:
    """One batch call (what GPUs want); if it raises, each chunk alone, so only the bad one fails."""
    utterances = [utterance_for(chunk, options.voice) for chunk in chunks]
    try:
        return list(backend.synthesize(utterances))
    except Exception:
        if len(utterances) == 1:
            raise
    results: list[Audio | Exception] = []
    for utterance in utterances:
        try:
            results.extend(backend.synthesize([utterance]))
        except Exception as exc:
            results.append(exc)
    return results


def render_chunks(
    chunks: Sequence[Chunk],
    keys: Sequence[str],
    layout: BookLayout,
    options: NarrationOptions,
    manifest: Manifest,
    run_id: str | None = None,
) -> list[RenderedChunk]:
    """Synthesize the chunks whose audio is not stored yet; store each one atomically."""
    injected = faults.active_faults()
    rendered: dict[int, RenderedChunk] = {}
    outcomes: dict[int, Audio | Exception] = {}
    todo: list[tuple[Chunk, str, str | None]] = []
    for chunk, key in zip(chunks, keys, strict=True):
        duration = stored_duration(layout, key)
        if duration is not None:
            manifest.mark_stored(key, duration)
            rendered[chunk.index] = RenderedChunk(chunk.index, key, duration, False)
            continue
        attempt = manifest.begin_attempt(key)
        fault = injected.get(chunk.index) if attempt == 0 else None
        if fault == "fail":
            outcomes[chunk.index] = faults.InjectedFault(f"injected failure (fail@{chunk.index})")
        else:
            todo.append((chunk, key, fault))
    if todo:
        audios = _synthesize_all(load_backend(options), [chunk for chunk, _, _ in todo], options)
        for (chunk, _, fault), audio in zip(todo, audios, strict=True):
            outcomes[chunk.index] = faults.damage(audio, fault) if fault and isinstance(audio, Audio) else audio

    failures: dict[int, str] = {}
    transient = False
    for chunk, key in zip(chunks, keys, strict=True):
        outcome = outcomes.get(chunk.index)
        if isinstance(outcome, Exception):
            failures[chunk.index] = f"{type(outcome).__name__}: {outcome}"
            transient = transient or isinstance(outcome, TRANSIENT_ERRORS)
            log.warning("chunk %d failed: %s", chunk.index, failures[chunk.index])
            manifest.mark_failed(key, failures[chunk.index], run_id)
        elif outcome is not None:
            write_wav(layout.chunk_audio(key), outcome)
            manifest.mark_done(key, outcome.duration, run_id)
            rendered[chunk.index] = RenderedChunk(chunk.index, key, outcome.duration, True)
    progress.chunks_done(len(rendered), sum(r.duration for r in rendered.values()))
    if failures:
        raise ChunkFailures(failures, transient)
    return [rendered[chunk.index] for chunk in chunks]
