"""Progress events from a narration run to whoever displays them (the CLI's rich bar).

The runner (``narrate()`` or the Prefect flow) emits them from its own thread, from what each
step returns, so they read the same whether batches ran in threads or on Dask workers in other
processes. Nothing here is global: a listener is passed to the run.
"""

from __future__ import annotations

from typing import Protocol


class ProgressListener(Protocol):
    def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None: ...
    def chunks_done(self, count: int, audio_seconds: float) -> None: ...
    def chapter_done(self, index: int, title: str) -> None: ...


class NoProgress:
    """A listener that ignores everything (a run with nobody watching)."""

    def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None:
        pass

    def chunks_done(self, count: int, audio_seconds: float) -> None:
        pass

    def chapter_done(self, index: int, title: str) -> None:
        pass
