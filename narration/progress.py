"""Progress events from the pipeline to whoever displays them (the CLI's rich bar).

The library only emits; a module-level listener keeps the call sites free of UI plumbing and
works across the worker threads synthesis runs in.
"""

from __future__ import annotations

import threading
from typing import Protocol


class ProgressListener(Protocol):
    def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None: ...
    def chunks_done(self, count: int, audio_seconds: float) -> None: ...
    def chapter_done(self, index: int, title: str) -> None: ...


_listener: ProgressListener | None = None
_lock = threading.Lock()


def set_listener(listener: ProgressListener | None) -> None:
    global _listener
    with _lock:
        _listener = listener


def book_started(title: str, chapters: int, chunks: int, cached: int) -> None:
    if _listener is not None:
        _listener.book_started(title, chapters, chunks, cached)


def chunks_done(count: int, audio_seconds: float) -> None:
    if _listener is not None:
        with _lock:
            _listener.chunks_done(count, audio_seconds)


def chapter_done(index: int, title: str) -> None:
    if _listener is not None:
        with _lock:
            _listener.chapter_done(index, title)
