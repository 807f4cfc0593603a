"""Content-addressed chunk audio: a chunk's key hashes everything that changes its sound.

Editing one sentence changes only the keys of the chunks that hold it, so a rerun
resynthesizes just those; a file exists under its key only once it was written whole.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from narration.model import Chunk, Utterance


class Identifies(Protocol):
    """What a key needs of a synthesis backend (``narration.synthesis.base.Backend``): how it
    would sound an utterance besides the text. Declared here so the store needs no backend."""

    def identity(self, utterance: Utterance) -> dict[str, Any]: ...


# Bump when a change to the pipeline changes chunk audio without changing any input.
KEY_VERSION = 1


def utterance_for(chunk: Chunk, voice: str | None, seed: int | None = None) -> Utterance:
    """What the backend is asked for ``chunk``: in its character's voice where the cast gave it one,
    else in ``voice``, the narrator's."""
    return Utterance(text=chunk.text, language=chunk.language, voice=chunk.voice or voice, style=chunk.style, seed=seed)


def chunk_key(utterance: Utterance, identity: dict[str, Any]) -> str:
    """A stable hex id for one chunk's audio."""
    payload = {
        "v": KEY_VERSION,
        "text": utterance.text,
        "language": utterance.language,
        "identity": identity,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def chunk_keys(chunks: list[Chunk], backend: Identifies, voice: str | None) -> list[str]:
    keys = []
    for chunk in chunks:
        utterance = utterance_for(chunk, voice)
        keys.append(chunk_key(utterance, backend.identity(utterance)))
    return keys
