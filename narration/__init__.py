"""narration: batch audiobook narration.

One call narrates a book, with no orchestrator needed::

    from narration import narrate, NarrationOptions

    result = narrate("inputs/aesop-fables.epub", "outputs")  # chapter files, M4B, script, report
    print(result.m4b, result.audio_seconds)

    # models kept loaded across books, progress reported
    with Narrator() as narrator:
        for book in books:
            narrate(book, "outputs", NarrationOptions(backend="kokoro"), narrator=narrator, on_progress=bar)

Stages, each a subpackage of plain functions: ``ingest`` (EPUB/Markdown/text -> Book), ``text``
(sentences, speech normalisation, chunks), ``emotion`` (a tag per passage), ``synthesis``
(backends), ``qa`` (checks and retakes), ``assembly`` (chapter files and the M4B).
``narration.run.pipeline`` holds the steps ``narrate()`` runs in order; the Prefect flow in
``flows/`` runs the same steps as tasks.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# The public API, imported on first use: ``import narration.model`` stays light (no models,
# no pydantic, no QA stack loaded by every submodule import).
_EXPORTS = {
    "BookIncomplete": "narration.run.results",
    "BookPlan": "narration.run.plan",
    "BookResult": "narration.run.results",
    "ChapterResult": "narration.run.results",
    "IngestOptions": "narration.options",
    "NarrationOptions": "narration.options",
    "Narrator": "narration.run.narrator",
    "narrate": "narration.run.pipeline",
    "narrate_books": "narration.run.books",
    "plan_book": "narration.run.plan",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'narration' has no attribute {name!r}")
