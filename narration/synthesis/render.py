"""Turn chunks into stored chunk audio, skipping those already stored."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from narration import progress
from narration.assembly.audio import read_wav, write_wav
from narration.layout import BookLayout
from narration.model import Chunk
from narration.options import NarrationOptions
from narration.store import utterance_for
from narration.synthesis import get_backend
from narration.synthesis.base import Backend


@dataclass(frozen=True)
class RenderedChunk:
    index: int
    key: str
    duration: float
    synthesized: bool  # False: reused from the store


@functools.lru_cache(maxsize=4)
def _cached_backend(name: str, options_json: str) -> Backend:
    return get_backend(name, **json.loads(options_json))


def load_backend(options: NarrationOptions) -> Backend:
    """One backend instance per process and configuration: models load once, not per batch."""
    return _cached_backend(options.backend, json.dumps(options.backend_options(), sort_keys=True))


def render_chunks(
    chunks: Sequence[Chunk], keys: Sequence[str], layout: BookLayout, options: NarrationOptions
) -> list[RenderedChunk]:
    """Synthesize the chunks whose audio is not stored yet; store each one atomically."""
    results: dict[int, RenderedChunk] = {}
    todo: list[tuple[Chunk, str]] = []
    for chunk, key in zip(chunks, keys, strict=True):
        path = layout.chunk_audio(key)
        if path.exists():
            results[chunk.index] = RenderedChunk(chunk.index, key, read_wav(path).duration, False)
        else:
            todo.append((chunk, key))
    if todo:
        backend = load_backend(options)
        audios = backend.synthesize([utterance_for(chunk, options.voice) for chunk, _ in todo])
        for (chunk, key), audio in zip(todo, audios, strict=True):
            write_wav(layout.chunk_audio(key), audio)
            results[chunk.index] = RenderedChunk(chunk.index, key, audio.duration, True)
    ordered = [results[c.index] for c in chunks]
    progress.chunks_done(len(ordered), sum(r.duration for r in ordered))
    return ordered
