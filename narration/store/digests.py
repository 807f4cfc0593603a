"""Digests of what the book's files are made from, in one place, versioned.

Beside each file a run makes (a chapter's files and master, the M4B, the captions, the read-along
book) a record keeps a digest of its inputs (``narration.store.verify``): a rerun whose inputs
digest the same keeps the file, whole as recorded, instead of making it again. Prefect's task
cache keys (``flows/book.py``) are digests of the same kind. Each kind has its version here:
bump it when the way that kind of file is made changes while its inputs do not, and every such
file is made again. At version 1 a digest holds no version (the records made before this module
stay valid); the captions' and read-along's have always held theirs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

CHAPTER_VERSION = 1  # a chapter's encoded files and master
AUDIOBOOK_VERSION = 1  # the M4B
TIMED_TEXT_VERSION = 1  # the captions and the read-along EPUB
CACHE_KEY_VERSION = 1  # Prefect's cache keys of a batch of takes and of a chapter


def json_sha256(data: Any, *, ascii_only: bool = True) -> str:
    """SHA-256 of ``data`` as JSON with sorted keys (``ascii_only``: non-ASCII escaped)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=ascii_only).encode("utf-8")).hexdigest()


def bytes_sha256(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def _versioned(payload: dict[str, Any], version: int, key: str = "v") -> dict[str, Any]:
    return payload if version == 1 else {**payload, key: version}


def chapter_inputs(*, index: int, title: str, album: str, takes: Sequence[str], pauses: Sequence[str],
                   assembly: Mapping[str, Any]) -> str:
    """What a chapter's files are made from: the takes' very bytes (``takes``: their SHA-256, so a
    take made again after damage changes it), the pause after each (its marker), the titles and
    the assembly settings that change the audio (``AssemblySettings.digest``)."""
    made_of = {"index": index, "title": title, "album": album, "takes": list(takes), "pauses": list(pauses),
               "assembly": dict(assembly)}
    return json_sha256(_versioned(made_of, CHAPTER_VERSION))


def audiobook_inputs(*, chapters: Sequence[str], masters: Sequence[str | None], title: str, authors: Sequence[str],
                     language: str, bitrate: str, cover: bytes | None) -> str:
    """What the M4B is made from: the chapters' titles and masters (their SHA-256), the book's
    tags, the bitrate and the cover's bytes."""
    made_of = {"chapters": list(chapters), "masters": list(masters), "title": title, "authors": list(authors),
               "language": language, "bitrate": bitrate, "cover": bytes_sha256(cover)}
    return json_sha256(_versioned(made_of, AUDIOBOOK_VERSION))


def timed_text_inputs(made_of: Mapping[str, Any]) -> str:
    """What the captions or the read-along EPUB are made from (``narration.assembly.timed_text``)."""
    return json_sha256({"version": TIMED_TEXT_VERSION, **made_of}, ascii_only=False)


def cache_key(kind: str, *parts: object) -> str:
    """A Prefect cache key: ``kind`` and a digest of ``parts`` (each as ``str``)."""
    digest = hashlib.sha256("\x1f".join(map(str, _versioned_parts(parts))).encode("utf-8")).hexdigest()[:32]
    return f"{kind}-{digest}"


def _versioned_parts(parts: tuple[object, ...]) -> tuple[object, ...]:
    return parts if CACHE_KEY_VERSION == 1 else (f"v{CACHE_KEY_VERSION}", *parts)
